using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Tests.Evaluation;
using FineTuneStudio.Core.Tests.Judges;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Judges;

[Collection(StudioAppCollection.Name)]
public sealed class JudgeApiTests(StudioAppFactory app)
{
    private static object Judge(string name, string endpoint, string mode = "Pairwise") =>
        new { name, rubric = "- Names the refund period", mode, endpoint, model = "fake-model", temperature = 0 };

    private async Task<(int JudgeId, int RunId)> CreateAndRunAsync(HttpClient lead, int projectId, int comparisonId, string name, string endpoint)
    {
        var created = await lead.PostAsJsonAsync($"api/projects/{projectId}/judges", Judge(name, endpoint));
        await created.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var judgeId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("judge").GetProperty("id").GetInt32();
        created.Headers.Location!.ToString().ShouldBe($"/api/judges/{judgeId}");

        var started = await lead.PostAsJsonAsync("api/judge-runs", new { judgeId, comparisonId });
        await started.ShouldHaveStatusAsync(HttpStatusCode.Accepted);
        var runId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        started.Headers.Location!.ToString().ShouldBe($"/api/judge-runs/{runId}/progress");
        await app.WaitForJudgeRunAsync(runId);
        return (judgeId, runId);
    }

    [Fact]
    public async Task LeadRunsAJudgePreferringTheLongerAnswer_ResultsAndCalibrationShowItTrusted()
    {
        var setup = await app.CreateReviewedComparisonAsync();
        await using var server = ScriptedChatServer.Start(ScriptedJudges.PrefersLonger);
        var endpoint = app.AddGenerationEndpoint(server.BaseUrl, apiKey: "sk-judge-api-secret");
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        var (judgeId, runId) = await CreateAndRunAsync(lead, setup.ProjectId, setup.ComparisonId, "Longer is better", endpoint);

        var progress = await lead.GetFromJsonAsync<JsonElement>($"api/judge-runs/{runId}/progress");
        (progress.GetProperty("status").GetString(), progress.GetProperty("done").GetInt32(), progress.GetProperty("total").GetInt32()).ShouldBe(("Completed", 12, 12));
        var results = await lead.GetFromJsonAsync<JsonElement>($"api/judge-runs/{runId}/results");
        (results.GetProperty("winsA").GetInt32(), results.GetProperty("winsB").GetInt32(), results.GetProperty("positionDependent").GetInt32()).ShouldBe((4, 8, 0));
        results.GetProperty("run").GetProperty("usage").GetProperty("promptTokens").GetInt64().ShouldBe(2400);
        var q1 = results.GetProperty("verdicts").EnumerateArray().Single(v => v.GetProperty("externalId").GetString() == "q1");
        (q1.GetProperty("aFirst").GetString(), q1.GetProperty("bFirst").GetString(), q1.GetProperty("choice").GetString()).ShouldBe(("B", "B", "B"));
        (await lead.GetStringAsync($"api/judge-runs/{runId}")).ShouldNotContain("sk-judge-api-secret");

        var calibration = await lead.GetFromJsonAsync<JsonElement>($"api/judges/{judgeId}/calibration");
        calibration.GetProperty("figures").GetProperty("kappa").GetDouble().ShouldBe(1);
        calibration.GetProperty("figures").GetProperty("pairs").GetInt32().ShouldBe(12);
        calibration.GetProperty("positionBias").GetProperty("rate").GetDouble().ShouldBe(0);
        calibration.GetProperty("trust").GetProperty("trusted").GetBoolean().ShouldBeTrue();

        var verdicts = (await lead.GetFromJsonAsync<JsonElement>($"api/projects/{setup.ProjectId}/judge-verdicts"))[0];
        verdicts.GetProperty("humanWinRate").GetProperty("rate").GetDouble().ShouldBe(16.0 / 24, 1e-9);
        verdicts.GetProperty("judges")[0].GetProperty("candidateWinRate").GetProperty("rate").GetDouble().ShouldBe(8.0 / 12, 1e-9);
        (await lead.GetFromJsonAsync<JsonElement>($"api/projects/{setup.ProjectId}/judge-runs")).GetArrayLength().ShouldBe(1);
        (await lead.PostAsync($"api/judge-runs/{runId}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await lead.PostAsync($"api/judge-runs/{runId}/resume", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task AlwaysAJudge_IsNotTrusted_ForItsPositionBias_AndAnEditStartsAFreshVersion()
    {
        var setup = await app.CreateReviewedComparisonAsync();
        await using var server = ScriptedChatServer.Start(ScriptedJudges.AlwaysA);
        var endpoint = app.AddGenerationEndpoint(server.BaseUrl);
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        var (owner, _, _) = await app.TokenClientAsync(StudioRoles.ProductOwner);
        using var _ = lead;
        using var __ = owner;

        var (judgeId, _) = await CreateAndRunAsync(lead, setup.ProjectId, setup.ComparisonId, "First is best", endpoint);

        // A product owner reads the verdict on the judge, as the dashboard shows it.
        var calibration = await owner.GetFromJsonAsync<JsonElement>($"api/judges/{judgeId}/calibration");
        calibration.GetProperty("positionBias").GetProperty("rate").GetDouble().ShouldBe(1);
        calibration.GetProperty("trust").GetProperty("trusted").GetBoolean().ShouldBeFalse();
        calibration.GetProperty("trust").GetProperty("reason").GetString()!.ShouldContain("flips with the order on 100% of pairs");
        calibration.GetProperty("disagreements").GetArrayLength().ShouldBe(12);

        var edited = await lead.PutAsJsonAsync($"api/judges/{judgeId}", new { name = "", rubric = "- Names the refund period\n- Ignore the order", mode = "Pairwise", endpoint, model = "fake-model", temperature = 0 });
        await edited.ShouldSucceedAsync();
        (await edited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("versions").GetArrayLength().ShouldBe(2);
        var fresh = await lead.GetFromJsonAsync<JsonElement>($"api/judges/{judgeId}/calibration");
        (fresh.GetProperty("version").GetInt32(), fresh.GetProperty("figures").GetProperty("pairs").GetInt32()).ShouldBe((2, 0));
        fresh.GetProperty("trust").GetProperty("reason").GetString().ShouldBe("no pair it judged has a blind human verdict yet");
        var first = await lead.GetFromJsonAsync<JsonElement>($"api/judges/{judgeId}/calibration?version=1");
        first.GetProperty("positionBias").GetProperty("rate").GetDouble().ShouldBe(1);
    }

    [Fact]
    public async Task BadInput_Is400NamingTheField_OwnersMayNotCreate_AndAnotherProjectsJudgeIsNotFound()
    {
        var setup = await app.CreateReviewedComparisonAsync();
        await using var server = ScriptedChatServer.Start(ScriptedJudges.PrefersLonger);
        var endpoint = app.AddGenerationEndpoint(server.BaseUrl);
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        var (owner, _, _) = await app.TokenClientAsync(StudioRoles.ProductOwner);
        using var _ = lead;
        using var __ = owner;

        var bad = await lead.PostAsJsonAsync($"api/projects/{setup.ProjectId}/judges", new { name = "x", rubric = "", mode = "Pairwise", endpoint = "nowhere", model = "m", temperature = 5 });
        await bad.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        var text = await bad.Content.ReadAsStringAsync();
        text.ShouldContain("rubric");
        text.ShouldContain("endpoint");
        text.ShouldContain("temperature");
        await (await owner.PostAsJsonAsync($"api/projects/{setup.ProjectId}/judges", Judge("Mine", endpoint))).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);

        var created = await lead.PostAsJsonAsync($"api/projects/{setup.ProjectId}/judges", Judge("Pairwise", endpoint));
        var judgeId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("judge").GetProperty("id").GetInt32();
        var single = await lead.PostAsJsonAsync("api/judge-runs", new { judgeId, evalRunId = setup.CandidateRunId });
        await single.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await single.Content.ReadAsStringAsync()).ShouldContain("give it a comparison");

        var walled = await app.CreateProjectWithOneOfEachAsync();
        var sneaked = await lead.PostAsJsonAsync("api/judge-runs", new { judgeId = walled.JudgeId, comparisonId = setup.ComparisonId });
        await sneaked.ShouldHaveStatusAsync(HttpStatusCode.NotFound);
        (await sneaked.Content.ReadAsStringAsync()).ShouldContain($"Judge {walled.JudgeId} was not found.");
        // A judge of this project over another project's comparison: that comparison does not exist for the caller.
        var across = await lead.PostAsJsonAsync("api/judge-runs", new { judgeId, comparisonId = walled.ComparisonId });
        await across.ShouldHaveStatusAsync(HttpStatusCode.NotFound);
        (await across.Content.ReadAsStringAsync()).ShouldContain($"Comparison {walled.ComparisonId} was not found.");
        (await lead.GetFromJsonAsync<JsonElement>($"api/projects/{setup.ProjectId}/judge-runs")).GetArrayLength().ShouldBe(0);
        server.TotalRequests.ShouldBe(0);
    }
}
