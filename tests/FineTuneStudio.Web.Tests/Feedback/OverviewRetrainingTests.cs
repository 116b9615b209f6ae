using System.Globalization;
using System.Net;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Feedback;

/// <summary>The Overview's retraining card and drift alert, read from the page as the server renders it.</summary>
[Collection(StudioAppCollection.Name)]
public sealed class OverviewRetrainingTests(StudioAppFactory app)
{
    private const string ShiftedRequest = "the warehouse robot dropped a pallet and the forklift battery overheated";

    private static string Day(DateTime at) => at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Overview_LogsLikeTraining_NoAlert_ThenShiftedLogs_AlertWithReasonDueTodayAndLinkToDrift()
    {
        var today = DateTime.UtcNow.Date;
        var versionCut = today.AddDays(-10).AddHours(9);
        var (projectId, datasetId) = await app.CreateRetrainingProjectAsync(driftThreshold: 0.3, cadenceDays: 90, versionCutAt: versionCut);
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        using var reader = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        using var owner = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.ProductOwner));

        // Requests drawn from the training inputs themselves: nothing drifts.
        var alike = StudioAppFactory.TrafficLog(today.AddDays(-6), Enumerable.Range(0, 40).Select(i => (StudioAppFactory.TrainingTicket(i), "high")));
        await StudioAppFactory.UploadLogsAsync(lead, projectId, alike).ShouldHaveStatusAsync(HttpStatusCode.OK);

        var calm = await reader.GetStringAsync($"projects/{projectId}");
        // Cut 10 days ago + 90 days of cadence = due in 80 days.
        var cadenceDue = Day(versionCut.Date.AddDays(90));
        calm.ShouldContain($"Version 1 was cut on {Day(versionCut)}; a retraining every 90 days (project setting) makes the next one due on {cadenceDue}.");
        calm.ShouldContain($"every 90 days (project setting) since version 1, cut {Day(versionCut)}");
        calm.ShouldNotContain("overview-drift-alert");
        calm.ShouldContain("No drift above the threshold (0.30) in the 40 requests logged since");

        // 40 more requests about something the training data never saw.
        var shifted = StudioAppFactory.TrafficLog(today.AddDays(-3), Enumerable.Range(0, 40).Select(i => ($"{ShiftedRequest} in hall {i}", "low")));
        await StudioAppFactory.UploadLogsAsync(lead, projectId, shifted).ShouldHaveStatusAsync(HttpStatusCode.OK);

        var alerted = await reader.GetStringAsync($"projects/{projectId}");
        alerted.ShouldContain("overview-drift-alert");
        alerted.ShouldContain("Drift alert.");
        alerted.ShouldContain("Requests logged since " + Day(today.AddDays(-28)) + " (80) have moved away from the training data");
        // Half the logged answers are "low" where training was all "high": total variation 0.50 > 0.30.
        alerted.ShouldContain("Label shift (total variation) 0.50 &gt; 0.30");
        alerted.ShouldContain($"logged traffic has drifted from the training data; by the cadence alone it would be {cadenceDue}");
        // Drift brings the due date forward to today.
        alerted.ShouldContain($"now ({Day(today)})");
        alerted.ShouldContain($"href=\"projects/{projectId}/feedback?dataset={datasetId}&amp;version=1&amp;days=28#drift\"");

        // A product owner reads the same alert but gets no link to a page only ML leads and admins may open.
        var ownerView = await owner.GetStringAsync($"projects/{projectId}");
        ownerView.ShouldContain("Label shift (total variation) 0.50 &gt; 0.30");
        ownerView.ShouldNotContain("overview-drift-link");
    }

    [Fact]
    public async Task Overview_EveryFigureLinksToItsPage_OnlyWhereTheReaderMayGo()
    {
        var (projectId, datasetId) = await app.CreateRetrainingProjectAsync(driftThreshold: 0.3, cadenceDays: 90, versionCutAt: DateTime.UtcNow.AddDays(-1));
        using var lead = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        using var owner = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.ProductOwner));

        var html = await lead.GetStringAsync($"projects/{projectId}");
        var ownerHtml = await owner.GetStringAsync($"projects/{projectId}");

        foreach (var page in new[] { "readiness", "examples", "quality", "versions", "evaluation", "feedback" })
        {
            html.ShouldContain($"href=\"projects/{projectId}/{page}\"");
        }

        html.ShouldContain($"href=\"projects/{projectId}/examples?dataset={datasetId}&amp;status=Approved\"");
        html.ShouldContain($"href=\"projects/{projectId}/examples?dataset={datasetId}&amp;status=Draft\"");
        // The retraining checklist links where each step is done.
        html.ShouldContain($"href=\"projects/{projectId}/examples?status=Approved\"");

        // Product owners open Readiness and Evaluation only; the other figures are shown without a dead link.
        ownerHtml.ShouldContain($"href=\"projects/{projectId}/readiness\"");
        ownerHtml.ShouldContain($"href=\"projects/{projectId}/evaluation\"");
        foreach (var page in new[] { "examples", "quality", "versions", "feedback" })
        {
            ownerHtml.ShouldNotContain($"href=\"projects/{projectId}/{page}");
        }

        ownerHtml.ShouldContain("Retraining due");
    }
}
