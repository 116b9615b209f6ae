using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Quality;

[Collection(StudioAppCollection.Name)]
public sealed class QualityApiTests(StudioAppFactory app)
{
    [Fact]
    public async Task Labeler_IsForbidden()
    {
        var datasetId = await app.DatasetIdAsync("Ticket urgency");
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        using var _ = labeler;

        await labeler.GetAsync($"api/datasets/{datasetId}/quality").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await labeler.PostAsync($"api/datasets/{datasetId}/quality/runs", null).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task MlLead_StartsARun_ThenReadsTheStoredReport()
    {
        var datasetId = await app.DatasetIdAsync("Ticket urgency");
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        var started = await lead.PostAsync($"api/datasets/{datasetId}/quality/runs", null);
        await started.ShouldHaveStatusAsync(HttpStatusCode.Accepted);
        var progress = await started.Content.ReadFromJsonAsync<JsonElement>();
        var runId = progress.GetProperty("runId").GetInt32();
        started.Headers.Location!.ToString().ShouldBe($"/api/datasets/{datasetId}/quality/runs/{runId}");

        var run = await StudioAppFactory.WaitForQualityRunAsync(lead, datasetId, runId);
        run.GetProperty("status").GetString().ShouldBe("Completed", run.ToString());
        run.GetProperty("examplesAnalyzed").GetInt32().ShouldBe(296);

        var overview = await lead.GetFromJsonAsync<JsonElement>($"api/datasets/{datasetId}/quality");
        var latest = overview.GetProperty("latest");
        latest.GetProperty("run").GetProperty("id").GetInt32().ShouldBeGreaterThanOrEqualTo(runId);
        latest.GetProperty("isStale").GetBoolean().ShouldBeFalse();
        var types = latest.GetProperty("report").GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("type").GetString()).ToList();
        // The demo plants duplicates, conflicting labels, a second system prompt and some personal data.
        types.ShouldContain("ExactDuplicate");
        types.ShouldContain("ConflictingAnswers");
        types.ShouldContain("PersonalData");
        types.ShouldContain("SystemPromptDrift");
        latest.GetProperty("report").GetProperty("agreement").GetProperty("pairs").GetArrayLength().ShouldBe(3);
        latest.GetProperty("labelers").GetArrayLength().ShouldBe(3);
    }

    [Fact]
    public async Task Action_WithAForeignExampleId_Is400NamingTheFieldAndChangesNothing()
    {
        var datasetId = await app.DatasetIdAsync("Ticket urgency");
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        var response = await lead.PostAsJsonAsync($"api/datasets/{datasetId}/quality/actions/reject-duplicates", new { exampleIds = new[] { 9_999_999 } });

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("exampleIds");
    }

    [Fact]
    public async Task UnknownDataset_Is404()
    {
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        await lead.GetAsync("api/datasets/987654/quality").ShouldHaveStatusAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ExampleList_FilteredByFindings_ReturnsExactlyTheExamplesOfTheLatestRun()
    {
        var datasetId = await app.DatasetIdAsync("Ticket urgency");
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var started = await (await lead.PostAsync($"api/datasets/{datasetId}/quality/runs", null)).Content.ReadFromJsonAsync<JsonElement>();
        var run = await StudioAppFactory.WaitForQualityRunAsync(lead, datasetId, started.GetProperty("runId").GetInt32());
        run.GetProperty("status").GetString().ShouldBe("Completed", run.ToString());
        var findings = (await lead.GetFromJsonAsync<JsonElement>($"api/datasets/{datasetId}/quality")).GetProperty("latest").GetProperty("report").GetProperty("findings")
            .EnumerateArray().ToList();

        static HashSet<int> IdsOf(IEnumerable<JsonElement> findings) => findings
            .SelectMany(f => f.GetProperty("exampleIds").EnumerateArray().Concat(
                f.TryGetProperty("groups", out var groups) && groups.ValueKind == JsonValueKind.Array ? groups.EnumerateArray().SelectMany(g => g.EnumerateArray()) : []))
            .Select(id => id.GetInt32()).ToHashSet();
        async Task<(int Total, HashSet<int> Ids)> ListAsync(string filter)
        {
            var page = await lead.GetFromJsonAsync<JsonElement>($"api/datasets/{datasetId}/examples?{filter}&pageSize=200");
            return (page.GetProperty("total").GetInt32(), page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32()).ToHashSet());
        }

        // The demo is small, so every finding lists all of its examples and the report is the reference.
        findings.ShouldAllBe(f => f.GetProperty("exampleIds").GetArrayLength() <= 200);
        var duplicates = IdsOf(findings.Where(f => f.GetProperty("type").GetString() == "ExactDuplicate"));
        duplicates.Count.ShouldBeGreaterThan(1);
        var (duplicateTotal, duplicateIds) = await ListAsync("finding=ExactDuplicate");
        duplicateTotal.ShouldBe(duplicates.Count);
        duplicateIds.ShouldBe(duplicates, ignoreOrder: true);

        var any = IdsOf(findings);
        var (anyTotal, firstPage) = await ListAsync("hasFindings=true");
        anyTotal.ShouldBe(any.Count);
        anyTotal.ShouldBeLessThan(296);
        firstPage.ShouldBeSubsetOf(any);

        await lead.GetAsync($"api/datasets/{datasetId}/examples?finding=NoSuchFinding").ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
    }
}
