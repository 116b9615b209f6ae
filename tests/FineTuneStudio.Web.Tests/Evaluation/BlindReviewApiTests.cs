using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Evaluation;

/// <summary>Domain experts (labelers) judge blind pairs and learn nothing of the runs until the review closes.</summary>
[Collection(StudioAppCollection.Name)]
public sealed class BlindReviewApiTests(StudioAppFactory app)
{
    // The reviewed comparison's runs are "Prompted" and "Tuned v1", and its name holds them too.
    private static readonly string[] RunWords = ["Prompted", "Tuned v1", "prompted"];

    private static void ShouldNameNoRun(string body)
    {
        foreach (var word in RunWords)
        {
            body.ShouldNotContain(word, Case.Sensitive, $"a labeler's view of an open review should not name the runs: {body}");
        }
    }

    [Fact]
    public async Task LabelerMember_JudgesBlind_SeesNoRunsNoTallies_UntilTheLeadClosesTheReview()
    {
        var setup = await app.CreateReviewedComparisonAsync();
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = labeler;
        using var __ = lead;

        var reviews = await labeler.GetStringAsync($"api/projects/{setup.ProjectId}/reviews");
        ShouldNameNoRun(reviews);
        var assignment = JsonDocument.Parse(reviews).RootElement.EnumerateArray().Single();
        (assignment.GetProperty("comparisonId").GetInt32(), assignment.GetProperty("items").GetInt32(), assignment.GetProperty("judgedByMe").GetInt32())
            .ShouldBe((setup.ComparisonId, 12, 0));

        var next = await labeler.GetAsync($"api/comparisons/{setup.ComparisonId}/next");
        await next.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var body = await next.Content.ReadAsStringAsync();
        ShouldNameNoRun(body);
        var pair = JsonDocument.Parse(body).RootElement;
        var itemId = pair.GetProperty("itemId").GetInt32();
        var left = pair.GetProperty("leftOutput").GetString();
        await labeler.PostAsJsonAsync($"api/comparisons/{setup.ComparisonId}/judgements", new { itemId, pick = "Left", reason = "names the period" })
            .ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        (await labeler.GetFromJsonAsync<JsonElement>($"api/projects/{setup.ProjectId}/reviews"))[0].GetProperty("judgedByMe").GetInt32().ShouldBe(1);
        var again = await labeler.GetFromJsonAsync<JsonElement>($"api/comparisons/{setup.ComparisonId}/items/{itemId}");
        again.GetProperty("leftOutput").GetString().ShouldBe(left);
        (await labeler.GetFromJsonAsync<JsonElement>($"api/comparisons/{setup.ComparisonId}/next")).GetProperty("itemId").GetInt32().ShouldNotBe(itemId);
        await labeler.GetAsync($"api/comparisons/{setup.ComparisonId}/items/999999").ShouldHaveStatusAsync(HttpStatusCode.NotFound);

        // No tally for a labeler: the lead's results route is refused, the reviewers' one waits for the close.
        await labeler.GetAsync($"api/comparisons/{setup.ComparisonId}/results").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await labeler.GetAsync($"api/projects/{setup.ProjectId}/comparisons").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        var early = await labeler.GetAsync($"api/comparisons/{setup.ComparisonId}/closed-results");
        await early.ShouldHaveStatusAsync(HttpStatusCode.Conflict);
        ShouldNameNoRun(await early.Content.ReadAsStringAsync());
        await labeler.PostAsync($"api/comparisons/{setup.ComparisonId}/close", null).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);

        await lead.PostAsync($"api/comparisons/{setup.ComparisonId}/close", null).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await lead.PostAsync($"api/comparisons/{setup.ComparisonId}/close", null).ShouldHaveStatusAsync(HttpStatusCode.Conflict);
        await labeler.GetAsync($"api/comparisons/{setup.ComparisonId}/next").ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        var late = await labeler.PostAsJsonAsync($"api/comparisons/{setup.ComparisonId}/judgements", new { itemId, pick = "Right" });
        await late.ShouldHaveStatusAsync(HttpStatusCode.Conflict);
        (await late.Content.ReadAsStringAsync()).ShouldContain("closed");

        // Two reviewers judged all 12 pairs for the longer answer (the candidate's on 8) and the labeler one pair.
        var results = await labeler.GetFromJsonAsync<JsonElement>($"api/comparisons/{setup.ComparisonId}/closed-results");
        results.GetProperty("judged").GetInt32().ShouldBe(25);
        results.GetProperty("comparison").GetProperty("runBName").GetString().ShouldBe("Tuned v1");
        (await labeler.GetFromJsonAsync<JsonElement>($"api/projects/{setup.ProjectId}/reviews"))[0].GetProperty("closedAt").ValueKind.ShouldBe(JsonValueKind.String);

        await lead.PostAsync($"api/comparisons/{setup.ComparisonId}/reopen", null).ShouldHaveStatusAsync(HttpStatusCode.OK);
        await labeler.PostAsJsonAsync($"api/comparisons/{setup.ComparisonId}/judgements", new { itemId, pick = "Right" }).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await labeler.GetAsync($"api/comparisons/{setup.ComparisonId}/closed-results").ShouldHaveStatusAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Labeler_OutsideTheProject_FindsNoReview_AndProductOwnersDoNotJudge()
    {
        var walled = await app.CreateProjectWithOneOfEachAsync();
        var setup = await app.CreateReviewedComparisonAsync();
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        var (owner, _, _) = await app.TokenClientAsync(StudioRoles.ProductOwner);
        using var _ = labeler;
        using var __ = owner;

        await labeler.GetAsync($"api/comparisons/{walled.ComparisonId}/next").ShouldHaveStatusAsync(HttpStatusCode.NotFound);
        await labeler.GetAsync($"api/projects/{walled.ProjectId}/reviews").ShouldHaveStatusAsync(HttpStatusCode.NotFound);
        await labeler.PostAsJsonAsync($"api/comparisons/{walled.ComparisonId}/judgements", new { itemId = 1, pick = "Left" }).ShouldHaveStatusAsync(HttpStatusCode.NotFound);

        // Product owners read results on the dashboard; judging is for the people who know the domain and the leads.
        await owner.GetAsync($"api/comparisons/{setup.ComparisonId}/next").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await owner.GetAsync($"api/comparisons/{setup.ComparisonId}/results").ShouldHaveStatusAsync(HttpStatusCode.OK);
    }
}
