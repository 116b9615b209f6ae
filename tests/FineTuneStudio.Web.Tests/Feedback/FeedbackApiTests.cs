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

        (await StudioAppFactory.UploadLogsAsync(labeler, projectId, Log)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await labeler.GetAsync($"api/projects/{projectId}/drift")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await labeler.GetAsync($"api/projects/{projectId}/retraining")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await labeler.PostAsJsonAsync($"api/projects/{projectId}/logs/promote", new { filter = new { minRating = 1 } })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await app.QueryAsync(db => db.ProductionLogs.CountAsync(l => l.ProjectId == projectId))).ShouldBe(0);
    }

    [Fact]
    public async Task UploadLogs_BadLine_Is400WithTheLineAndNothingImported()
    {
        var (projectId, _) = await app.CreateFeedbackProjectAsync();
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        var response = await StudioAppFactory.UploadLogsAsync(lead, projectId, Log + "\n{\"timestamp\":\"2026-03-18T08:00:00Z\",\"prompt\":42,\"response\":\"low\"}");

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("line 3: prompt: must be a non-empty string, found a number");
        (await app.QueryAsync(db => db.ProductionLogs.CountAsync(l => l.ProjectId == projectId))).ShouldBe(0);
    }

    [Fact]
    public async Task UploadDriftPromoteRetraining_AsLead_Work()
    {
        var (projectId, datasetId) = await app.CreateFeedbackProjectAsync();
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        var upload = await StudioAppFactory.UploadLogsAsync(lead, projectId, Log);
        upload.StatusCode.ShouldBe(HttpStatusCode.OK, await upload.Content.ReadAsStringAsync());
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
        promote.StatusCode.ShouldBe(HttpStatusCode.OK, await promote.Content.ReadAsStringAsync());
        var drafts = await app.QueryAsync(db => db.Examples.Where(e => e.DatasetId == datasetId && e.Source == ExampleSource.ProductionLog)
            .Select(e => e.Status).ToListAsync());
        drafts.ShouldBe([ExampleStatus.Draft]);

        var logs = await lead.GetStringAsync($"api/projects/{projectId}/logs");
        logs.ShouldContain("call me on [phone] about my parcel");
        logs.ShouldNotContain("7946");

        var retraining = await lead.GetAsync($"api/projects/{projectId}/retraining");
        retraining.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await retraining.Content.ReadAsStringAsync()).ShouldContain("No dataset version has been cut yet");
    }
}
