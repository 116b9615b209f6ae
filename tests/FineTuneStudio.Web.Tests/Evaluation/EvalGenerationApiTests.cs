using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Tests.Evaluation;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Evaluation;

[Collection(StudioAppCollection.Name)]
public sealed class EvalGenerationApiTests(StudioAppFactory app)
{
    [Fact]
    public async Task Generate_AsLead_RunsInTheBackground_ThenResultsCarryTokensAndTheFailedItem()
    {
        var (_, setId) = await app.CreateGenerationSetAsync(items: 4);
        // t4 ("ticket 4") always gets a 500; the others answer right.
        await using var server = ScriptedChatServer.Start((text, _) => text == "ticket 4" ? FakeReply.Status(500) : FakeReply.Text(text.EndsWith('1') || text.EndsWith('3') ? "high" : "low", 21, 2));
        var endpoint = app.AddGenerationEndpoint(server.BaseUrl, apiKey: "sk-api-test-secret");
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        var response = await lead.PostAsJsonAsync($"api/eval-sets/{setId}/runs/generate", new { name = "Generated", endpoint, model = "fake-model" });

        await response.ShouldHaveStatusAsync(HttpStatusCode.Accepted);
        var run = (await response.Content.ReadFromJsonAsync<JsonElement>())!;
        var runId = run.GetProperty("id").GetInt32();
        response.Headers.Location!.ToString().ShouldBe($"/api/eval-runs/{runId}/progress");
        await app.WaitForGenerationAsync(runId);

        var progress = await lead.GetFromJsonAsync<JsonElement>($"api/eval-runs/{runId}/progress");
        progress.GetProperty("status").GetString().ShouldBe("Completed");
        (progress.GetProperty("done").GetInt32(), progress.GetProperty("total").GetInt32(), progress.GetProperty("failed").GetInt32()).ShouldBe((4, 4, 1));
        var results = (await lead.GetFromJsonAsync<JsonElement>($"api/eval-runs/{runId}/results")).GetProperty("items");
        var first = results.EnumerateArray().Single(r => r.GetProperty("externalId").GetString() == "t1");
        first.GetProperty("output").GetString().ShouldBe("high");
        first.GetProperty("promptTokens").GetInt32().ShouldBe(21);
        first.GetProperty("completionTokens").GetInt32().ShouldBe(2);
        var failed = results.EnumerateArray().Single(r => r.GetProperty("externalId").GetString() == "t4");
        failed.GetProperty("failed").GetBoolean().ShouldBeTrue();
        failed.GetProperty("error").GetString()!.ShouldStartWith("HTTP 500");
        var summary = (await lead.GetFromJsonAsync<JsonElement>($"api/eval-runs/{runId}")).GetProperty("summary");
        summary.GetProperty("metrics").GetProperty("accuracy").GetDouble().ShouldBe(0.75); // 3 of 4

        var cancelAgain = await lead.PostAsync($"api/eval-runs/{runId}/cancel", null);
        await cancelAgain.ShouldHaveStatusAsync(HttpStatusCode.Conflict);
        // A finished run has nothing to resume; an unknown one is not found.
        var resumeEnded = await lead.PostAsync($"api/eval-runs/{runId}/resume", null);
        await resumeEnded.ShouldHaveStatusAsync(HttpStatusCode.Conflict);
        (await resumeEnded.Content.ReadAsStringAsync()).ShouldContain("has ended");
        await lead.PostAsync("api/eval-runs/999999/resume", null).ShouldHaveStatusAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Generate_UnknownEndpoint_Is400NamingTheField_AndProductOwnersMayNotGenerate()
    {
        var (_, setId) = await app.CreateGenerationSetAsync(items: 1);
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        var (owner, _, _) = await app.TokenClientAsync(StudioRoles.ProductOwner);
        using var _ = lead;
        using var __ = owner;

        var bad = await lead.PostAsJsonAsync($"api/eval-sets/{setId}/runs/generate", new { name = "x", endpoint = "nowhere", model = "m" });
        await bad.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("endpoint");

        var forbidden = await owner.PostAsJsonAsync($"api/eval-sets/{setId}/runs/generate", new { name = "x", endpoint = "nowhere", model = "m" });
        await forbidden.ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Endpoints_ListNamesAndModels_NeverKeysOrAddresses()
    {
        await using var server = ScriptedChatServer.Start((_, _) => FakeReply.Text("x"));
        var endpoint = app.AddGenerationEndpoint(server.BaseUrl, apiKey: "sk-listed-nowhere");
        var (owner, _, _) = await app.TokenClientAsync(StudioRoles.ProductOwner);
        using var _ = owner;

        var text = await owner.GetStringAsync("api/evaluation/endpoints");

        text.ShouldContain(endpoint);
        text.ShouldContain("fake-model");
        text.ShouldNotContain("sk-listed-nowhere");
        text.ShouldNotContain(server.BaseUrl);
    }
}
