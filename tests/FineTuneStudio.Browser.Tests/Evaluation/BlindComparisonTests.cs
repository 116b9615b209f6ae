using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Evaluation;

[Collection(BrowserCollection.Name)]
public sealed class BlindComparisonTests(BrowserFixture browser)
{
    [Fact]
    public async Task Reviewer_JudgesFivePairsWithTheKeyboard_DashboardShowsTheWinRate()
    {
        var demo = await browser.App.DemoEvaluationAsync();
        var runName = $"Tuned secret {Guid.NewGuid():N}"[..20];
        var candidate = await browser.App.ImportCandidateRunAsync(runName);
        var comparison = await browser.App.CreateComparisonAsync(demo.BaselineRunId, candidate);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));

        await page.GotoAsync($"projects/{demo.ProjectId}/evaluation/reviews/{comparison}");
        await BrowserFixture.WaitForCircuitAsync(page);
        var keys = page.Locator("[data-testid=review-keys]");
        await keys.WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "evaluation-blind-review");

        // Judge five pairs: b, b, a, t, x, each saved with Enter.
        string[] picks = ["b", "b", "a", "t", "x"];
        for (var i = 0; i < picks.Length; i++)
        {
            await page.Locator("[data-testid=review-progress]").Filter(new() { HasText = $"Pair {i + 1} of 40" }).WaitForAsync();
            var html = await page.ContentAsync();
            html.ShouldNotContain(runName);
            html.ShouldNotContain("tuned-secret-model-x");
            html.ShouldNotContain("Prompted baseline");
            html.ShouldNotContain("gpt-4o-mini");
            await keys.FocusAsync();
            await page.Keyboard.PressAsync(picks[i]);
            await page.Locator("[data-testid=review-next]:not([disabled])").WaitForAsync();
            await keys.FocusAsync();
            await page.Keyboard.PressAsync("Enter");
        }

        await page.Locator("[data-testid=review-progress]").Filter(new() { HasText = "Pair 6 of 40" }).WaitForAsync();

        await page.GotoAsync($"projects/{demo.ProjectId}/evaluation/reviews");
        await BrowserFixture.WaitForCircuitAsync(page);
        var card = page.Locator("[data-testid=comparison]").Filter(new() { HasText = runName });
        (await card.Locator("[data-testid=judged]").InnerTextAsync()).Trim().ShouldBe("5");
        await BrowserFixture.ScreenshotAsync(page, "evaluation-reviews");

        // The dashboard reports the latest comparison with judgements: three decided pairs (b, b, a).
        await page.GotoAsync($"projects/{demo.ProjectId}/evaluation");
        await BrowserFixture.WaitForCircuitAsync(page);
        var winRate = page.Locator("[data-testid=stat-winrate]");
        await winRate.WaitForAsync();
        (await winRate.InnerTextAsync()).ShouldContain("of 3 decided pairs");
        await BrowserFixture.ScreenshotAsync(page, "evaluation-dashboard");

        await page.GotoAsync($"projects/{demo.ProjectId}/evaluation/compare?a={demo.BaselineRunId}&b={candidate}");
        await page.Locator("[data-testid=regression-table]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "evaluation-compare");
        await page.GotoAsync($"projects/{demo.ProjectId}/evaluation/runs");
        await page.Locator("[data-testid=run-table]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "evaluation-runs");
    }
}
