using System.Text;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Feedback;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
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

        await browser.App.Services.GetRequiredService<FeedbackService>()
            .ImportLogsAsync(projectId, new MemoryStream(Encoding.UTF8.GetBytes(log.ToString())), Actor.System, default);

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
        await BrowserFixture.ScreenshotAsync(page, "feedback-bad-upload");
        File.Delete(bad);
    }
}
