using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Tests.Feedback;

[Collection(StudioAppCollection.Name)]
public sealed class FeedbackApiTests(StudioAppFactory app)
{
    private const string Log = """
        {"timestamp":"2026-03-16T08:00:00Z","prompt":"checkout page fails for shop 40 after payment","response":"high","rating":5}
        {"timestamp":"2026-03-17T08:00:00Z","prompt":"call me on +44 20 7946 0958 about my parcel","response":"low","rating":1}
        """;

    [Fact]
    public async Task Labeler_IsForbiddenEverywhere()
    {
        var (projectId, _) = await app.CreateFeedbackProjectAsync();
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        using var _ = labeler;

        await StudioAppFactory.UploadLogsAsync(labeler, projectId, Log).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await labeler.GetAsync($"api/projects/{projectId}/drift").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await labeler.GetAsync($"api/projects/{projectId}/retraining").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await labeler.PostAsJsonAsync($"api/projects/{projectId}/logs/promote", new { filter = new { minRating = 1 } }).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        (await app.QueryAsync(db => db.ProductionLogs.CountAsync(l => l.ProjectId == projectId))).ShouldBe(0);
    }

    [Fact]
    public async Task UploadLogs_BadLine_Is400WithTheLineAndNothingImported()
    {
        var (projectId, _) = await app.CreateFeedbackProjectAsync();
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        var response = await StudioAppFactory.UploadLogsAsync(lead, projectId, Log + "\n{\"timestamp\":\"2026-03-18T08:00:00Z\",\"prompt\":42,\"response\":\"low\"}");

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("line 3: prompt: must be a non-empty string, found a number");
        (await app.QueryAsync(db => db.ProductionLogs.CountAsync(l => l.ProjectId == projectId))).ShouldBe(0);
        using (var refused = JsonDocument.Parse(await response.Content.ReadAsStringAsync()))
        {
            refused.RootElement.GetProperty("records_with_problems").GetInt32().ShouldBe(1);
            refused.RootElement.GetProperty("hint").GetString()!.ShouldStartWith("1 line has problems and 2 have none; send invalid=skip");
        }

        var skipped = await StudioAppFactory.UploadLogsAsync(lead, projectId, Log + "\n{\"timestamp\":\"2026-03-18T08:00:00Z\",\"prompt\":42,\"response\":\"low\"}", invalid: "skip");

        await skipped.ShouldHaveStatusAsync(HttpStatusCode.OK);
        using (var json = JsonDocument.Parse(await skipped.Content.ReadAsStringAsync()))
        {
            (json.RootElement.GetProperty("imported").GetInt32(), json.RootElement.GetProperty("invalidRecords").GetInt32()).ShouldBe((2, 1));
            json.RootElement.GetProperty("leftOut")[0].GetProperty("line").GetInt32().ShouldBe(3);
        }

        (await app.QueryAsync(db => db.ProductionLogs.CountAsync(l => l.ProjectId == projectId))).ShouldBe(2);
        await StudioAppFactory.UploadLogsAsync(lead, projectId, Log, invalid: "ignore").ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task UploadDriftPromoteRetraining_AsLead_Work()
    {
        var (projectId, datasetId) = await app.CreateFeedbackProjectAsync();
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        var upload = await StudioAppFactory.UploadLogsAsync(lead, projectId, Log);
        await upload.ShouldHaveStatusAsync(HttpStatusCode.OK);
        using (var imported = JsonDocument.Parse(await upload.Content.ReadAsStringAsync()))
        {
            imported.RootElement.GetProperty("imported").GetInt32().ShouldBe(2);
            imported.RootElement.GetProperty("withPersonalData").GetInt32().ShouldBe(1);
        }

        using (var drift = JsonDocument.Parse(await lead.GetStringAsync($"api/projects/{projectId}/drift")))
        {
            drift.RootElement.GetProperty("report").GetProperty("logCount").GetInt32().ShouldBe(2);
            drift.RootElement.GetProperty("report").GetProperty("trainingCount").GetInt32().ShouldBe(6);
        }

        var promote = await lead.PostAsJsonAsync($"api/projects/{projectId}/logs/promote", new { filter = new { minRating = 4 } });
        await promote.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var drafts = await app.QueryAsync(db => db.Examples.Where(e => e.DatasetId == datasetId && e.Source == ExampleSource.ProductionLog)
            .Select(e => e.Status).ToListAsync());
        drafts.ShouldBe([ExampleStatus.Draft]);

        var logs = await lead.GetStringAsync($"api/projects/{projectId}/logs");
        logs.ShouldContain("call me on [phone] about my parcel");
        logs.ShouldNotContain("7946");

        var retraining = await lead.GetAsync($"api/projects/{projectId}/retraining");
        await retraining.ShouldHaveStatusAsync(HttpStatusCode.OK);
        (await retraining.Content.ReadAsStringAsync()).ShouldContain("No dataset version has been cut yet");
    }
    [Fact]
    public async Task ListLogs_FiltersByRatingDatesIdsNoNeighbourAndCluster()
    {
        var (projectId, datasetId) = await app.CreateFeedbackProjectAsync();
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        await StudioAppFactory.UploadLogsAsync(lead, projectId, """
            {"timestamp":"2026-03-16T08:00:00Z","prompt":"checkout page fails for shop 2 after payment","response":"high","rating":5}
            {"timestamp":"2026-03-17T08:00:00Z","prompt":"the warehouse robot dropped a pallet near the loading dock","response":"low","rating":1}
            {"timestamp":"2026-03-18T08:00:00Z","prompt":"the warehouse robot dropped a pallet near the loading dock","response":"low","rating":2}
            {"timestamp":"2026-03-19T08:00:00Z","prompt":"checkout page fails for shop 4 after payment","response":"high","rating":3}
            """).ShouldHaveStatusAsync(HttpStatusCode.OK);
        var all = await Logs(lead, projectId, "");
        var id = all.ToDictionary(r => r.LoggedAt.Day, r => r.Id);

        (await Logs(lead, projectId, "maxRating=2")).Select(r => r.LoggedAt.Day).Order().ShouldBe([17, 18]);
        (await Logs(lead, projectId, "minRating=3")).Select(r => r.LoggedAt.Day).Order().ShouldBe([16, 19]);
        (await Logs(lead, projectId, "from=2026-03-17&to=2026-03-19")).Select(r => r.LoggedAt.Day).Order().ShouldBe([17, 18]);
        (await Logs(lead, projectId, $"ids={id[16]},{id[19]}")).Select(r => r.LoggedAt.Day).Order().ShouldBe([16, 19]);
        (await Logs(lead, projectId, "noNeighbour=true")).Select(r => r.LoggedAt.Day).Order().ShouldBe([17, 18]);
        (await Logs(lead, projectId, $"cluster=1&dataset={datasetId}")).Select(r => r.LoggedAt.Day).Order().ShouldBe([17, 18]);
        var noCluster = await lead.GetAsync($"api/projects/{projectId}/logs?cluster=2");
        await noCluster.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await noCluster.Content.ReadAsStringAsync()).ShouldContain("has clusters 1 to 1, not 2");

        using (var choices = JsonDocument.Parse(await lead.GetStringAsync($"api/projects/{projectId}/drift/choices")))
        {
            choices.RootElement.GetProperty("defaultDatasetId").GetInt32().ShouldBe(datasetId);
            choices.RootElement.GetProperty("defaultVersion").ValueKind.ShouldBe(JsonValueKind.Null);
        }

        using var since = JsonDocument.Parse(await lead.GetStringAsync($"api/projects/{projectId}/drift?dataset={datasetId}&since=2026-03-18"));
        since.RootElement.GetProperty("report").GetProperty("logCount").GetInt32().ShouldBe(2);
    }

    private sealed record LogRowDto(long Id, DateTime LoggedAt);

    private sealed record LogPageDto(List<LogRowDto> Rows, int Total);

    private static async Task<List<LogRowDto>> Logs(HttpClient client, int projectId, string query)
    {
        var response = await client.GetAsync($"api/projects/{projectId}/logs?{query}");
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var page = (await response.Content.ReadFromJsonAsync<LogPageDto>())!;
        page.Total.ShouldBe(page.Rows.Count);
        return page.Rows;
    }
}
