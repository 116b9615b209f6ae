using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Readiness;

[Collection(BrowserCollection.Name)]
public sealed class ReadinessWizardTests(BrowserFixture browser)
{
    [Fact]
    public async Task ProductOwner_CompletesTheWizard_SeesTheVerdict_AndDownloadsTheReport()
    {
        var projectId = await browser.App.QueryAsync(db => db.Projects.Where(p => p.Name == "Support ticket triage").Select(p => p.Id).SingleAsync());
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.ProductOwner));
        await page.GotoAsync($"projects/{projectId}/readiness/assess");
        await BrowserFixture.WaitForCircuitAsync(page);
        await page.Locator("[data-testid=wizard-step]").WaitForAsync();

        // Task fit: keyboard-reachable controls, answered by clicking their labels.
        await page.ClickAsync("[data-testid='opt-task.nature-output_format']");
        await page.ClickAsync("[data-testid='opt-task.scope-narrow']");
        await BrowserFixture.ScreenshotAsync(page, "readiness-wizard");
        await page.ClickAsync("[data-testid=wizard-next]");
        await Assertions.Expect(page.Locator("[data-testid=wizard-status]")).ToContainTextAsync("Step 2 of 8");
        await Assertions.Expect(page.Locator("[data-testid=draft-saved]")).ToBeVisibleAsync();

        await page.ClickAsync("[data-testid='opt-simpler.prompting-system_and_few_shot']");
        for (var step = 3; step <= 8; step++)
        {
            await page.ClickAsync("[data-testid=wizard-next]");
            await Assertions.Expect(page.Locator("[data-testid=wizard-status]")).ToContainTextAsync($"Step {step} of 8");
            if (step == 3)
            {
                // Data step: the project's own count is shown beside the question.
                await Assertions.Expect(page.Locator("[data-testid=measured-hint]").First).ToBeVisibleAsync();
                await BrowserFixture.ScreenshotAsync(page, "readiness-wizard-data");
            }
        }

        await page.Locator("[data-testid=review-step]").WaitForAsync();
        await page.ClickAsync("[data-testid=wizard-submit]");
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex($"/projects/{projectId}/readiness/\\d+$"));
        await Assertions.Expect(page.Locator("[data-testid=verdict]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=measured-badge]").First).ToBeVisibleAsync();
        var verdict = (await page.Locator("[data-testid=verdict]").InnerTextAsync()).Trim();
        await BrowserFixture.ScreenshotAsync(page, "readiness-verdict");

        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=download-report]"));
        download.SuggestedFilename.ShouldStartWith("readiness-support-ticket-triage-");
        var markdown = await File.ReadAllTextAsync((await download.PathAsync())!);
        markdown.ShouldStartWith("# Readiness assessment: Support ticket triage");
        markdown.ShouldContain($"## Verdict: {verdict}");
        markdown.ShouldContain("## Next steps");

        await page.ClickAsync("[data-testid=print-link]");
        await Assertions.Expect(page.Locator("[data-testid=page-title]")).ToHaveTextAsync("Readiness report");
        await BrowserFixture.ScreenshotAsync(page, "readiness-report");

        await page.GotoAsync($"projects/{projectId}/readiness");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=history-table]")).ToContainTextAsync(verdict);
        await BrowserFixture.ScreenshotAsync(page, "readiness-history");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Demo_OpensOnAReadinessHistory_AndTheBrandVerdictSendsItBackToPrompting()
    {
        var (tickets, brand) = await browser.App.QueryAsync(async db => (
            await db.Projects.Where(p => p.Name == "Support ticket triage").Select(p => p.Id).SingleAsync(),
            await db.Projects.Where(p => p.Name == "Brand voice assistant").Select(p => p.Id).SingleAsync()));
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.ProductOwner));

        await page.GotoAsync($"projects/{tickets}/readiness");
        await BrowserFixture.WaitForCircuitAsync(page);
        // The first two rows are the demo's own (five weeks apart); other tests may have added newer ones above them.
        await Assertions.Expect(page.Locator("[data-testid=history-chart]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=history-table] tbody tr").Last).ToContainTextAsync("Priya Product");
        await Assertions.Expect(page.Locator("[data-testid=history-table] tbody tr").Last).ToContainTextAsync("Run a fine-tuning pilot");

        var brandAssessment = await browser.App.QueryAsync(db => db.Assessments.Where(a => a.ProjectId == brand).OrderBy(a => a.Id).Select(a => a.Id).FirstAsync());
        await page.GotoAsync($"projects/{brand}/readiness/{brandAssessment}");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=verdict]")).ToHaveTextAsync("Use prompt engineering");
        await Assertions.Expect(page.Locator("[data-testid=next-steps]")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "demo-brand-readiness-verdict");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Labeler_CannotOpenTheWizard()
    {
        var projectId = await browser.App.QueryAsync(db => db.Projects.Where(p => p.Name == "Support ticket triage").Select(p => p.Id).SingleAsync());
        var before = await browser.App.QueryAsync(db => db.Assessments.CountAsync());
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.Labeler));

        await page.GotoAsync($"projects/{projectId}/readiness/assess");

        await Assertions.Expect(page.Locator("[data-testid=access-denied]").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=wizard-submit]")).ToHaveCountAsync(0);
        (await browser.App.QueryAsync(db => db.Assessments.CountAsync())).ShouldBe(before);
        await page.Context.CloseAsync();
    }
}
