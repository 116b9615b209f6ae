using System.Text;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Feedback;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Feedback;

[Collection(BrowserCollection.Name)]
public sealed class FeedbackPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task Lead_AnalysesDrift_SeesTheAlert_AndABadUploadNamesItsLine()
    {
        var (projectId, _) = await browser.App.CreateFeedbackProjectAsync(approvedExamples: 40);
        // Week 1 looks like training; week 2 is about something the training data never saw.
        var monday = DriftAnalyzer.WeekStart(DateTime.UtcNow).AddDays(-14);
        var log = new StringBuilder();
        for (var i = 0; i < 40; i++)
        {
            log.AppendLine($$"""{"timestamp":"{{monday.AddHours(i):O}}","prompt":"checkout page fails for shop {{100 + i}} after payment","response":"high","rating":{{1 + i % 5}}}""");
        }

        for (var i = 0; i < 40; i++)
        {
            log.AppendLine($$"""{"timestamp":"{{monday.AddDays(7).AddHours(i):O}}","prompt":"the warehouse robot {{i}} dropped a pallet and the forklift battery overheated","response":"low","rating":{{1 + i % 5}}}""");
        }

        await browser.App.ImportTrafficLogAsync(projectId, log.ToString());

        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/feedback");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=retraining-reason]")).ToContainTextAsync("No dataset version");

        await page.ClickAsync("[data-testid=drift-run]");
        await Assertions.Expect(page.Locator("[data-testid=drift-alert]")).ToContainTextAsync("Drift alert");
        await Assertions.Expect(page.Locator("[data-testid=drift-chart]")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "feedback-drift");
        await page.Locator("[data-testid=drift-card]").ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotFolder, "feedback-drift-card.png") });

        var bad = Path.Combine(Path.GetTempPath(), $"bad-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(bad, """
            {"timestamp":"2026-03-16T08:00:00Z","prompt":"fine","response":"high"}
            {"timestamp":"2026-03-16T08:00:00Z","response":"high"}
            """);
        await page.Locator("[data-testid=log-file]").SetInputFilesAsync(bad);
        await Assertions.Expect(page.Locator("[data-testid=error-text]")).ToContainTextAsync("line 2: messages: is missing");
        await Assertions.Expect(page.Locator("[data-testid=log-skip-hint]")).ToHaveTextAsync($"{Path.GetFileName(bad)}: 1 line has problems and 1 has none. Fix the file and choose it again, or:");
        await BrowserFixture.ScreenshotAsync(page, "feedback-bad-upload");

        // The same file again without choosing it again, leaving the bad line out: the good one imports and the left-out line is listed.
        await page.ClickAsync("[data-testid=log-skip-invalid]");
        await Assertions.Expect(page.Locator("[data-testid=import-result]")).ToContainTextAsync("1 request imported, 0 already present, 0 flagged for likely personal data, 1 line with problems left out.");
        await Assertions.Expect(page.Locator("[data-testid=log-left-out]")).ToContainTextAsync("Left out line 2: messages: is missing");
        await Assertions.Expect(page.Locator("[data-testid=error-text]")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "feedback-left-out");

        // The left-out line comes back as it was, to fix and import again.
        await Assertions.Expect(page.Locator("[data-testid=log-download-left-out]")).ToHaveTextAsync("Download the 1 left-out line");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=log-download-left-out]"));
        download.SuggestedFilename.ShouldBe(Path.GetFileNameWithoutExtension(bad) + ".left-out.jsonl");
        (await File.ReadAllTextAsync((await download.PathAsync())!)).ShouldBe("{\"timestamp\":\"2026-03-16T08:00:00Z\",\"response\":\"high\"}\n");
        File.Delete(bad);
    }
    [Fact]
    public async Task Overview_ShiftedTraffic_ShowsTheDriftAlertAndDueDate_AndItsLinkOpensTheSameDriftReport()
    {
        var today = DateTime.UtcNow.Date;
        var (projectId, _) = await browser.App.CreateRetrainingProjectAsync(driftThreshold: 0.3, cadenceDays: 90, versionCutAt: today.AddDays(-10).AddHours(9));
        // 40 requests like the training tickets, then 40 about something training never saw, answered "low".
        var log = StudioAppFactory.TrafficLog(today.AddDays(-6), Enumerable.Range(0, 40).Select(i => (StudioAppFactory.TrainingTicket(i), "high")))
                  + "\n" + StudioAppFactory.TrafficLog(today.AddDays(-3),
                      Enumerable.Range(0, 40).Select(i => ($"the warehouse robot dropped a pallet and the forklift battery overheated in hall {i}", "low")));
        await browser.App.ImportTrafficLogAsync(projectId, log);

        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}");
        await BrowserFixture.WaitForCircuitAsync(page);

        // Training answers were all "high", half the logged ones are "low": total variation 0.50.
        await Assertions.Expect(page.Locator("[data-testid=overview-drift-alert]")).ToContainTextAsync("Label shift (total variation) 0.50 > 0.30");
        await Assertions.Expect(page.Locator("[data-testid=stat-retraining]")).ToContainTextAsync($"now ({today:yyyy-MM-dd})");
        await Assertions.Expect(page.Locator("[data-testid=stat-retraining]")).ToContainTextAsync("logged traffic has drifted from the training data; by the cadence alone it would be");
        await Assertions.Expect(page.Locator("[data-testid=overview-checklist]")).ToContainTextAsync("Cut version 2 and export it");
        await BrowserFixture.ScreenshotAsync(page, "overview-drift-alert");

        await page.ClickAsync("[data-testid=overview-drift-link]");
        await Assertions.Expect(page.Locator("[data-testid=drift-alert]")).ToContainTextAsync("Label shift (total variation) 0.50 > 0.30");
        await Assertions.Expect(page.Locator("[data-testid=drift-basis]")).ToContainTextAsync("version 1. 80 logged requests");
        await BrowserFixture.ScreenshotAsync(page, "feedback-from-overview");
    }
}
