using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Demo;
using FineTuneStudio.Core.Tests.Evaluation;
using FineTuneStudio.Core.Tests.Judges;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Evaluation;

[Collection(BrowserCollection.Name)]
public sealed class JudgeCalibrationTests(BrowserFixture browser)
{
    private static ILocator Field(IPage page, string testId) => page.Locator($"input[data-testid={testId}], textarea[data-testid={testId}], [data-testid={testId}] input, [data-testid={testId}] textarea").First;

    [Fact]
    public async Task Lead_RunsAnAlwaysAJudge_AndTheCalibrationSaysNotTrusted_ForItsPositionBias()
    {
        var setup = await browser.App.CreateReviewedComparisonAsync();
        await using var server = ScriptedChatServer.Start(ScriptedJudges.AlwaysA);
        var judgeId = await browser.App.CreateJudgeAsync(setup.ProjectId, "First is best", browser.App.AddGenerationEndpoint(server.BaseUrl));
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));

        await page.GotoAsync($"projects/{setup.ProjectId}/evaluation/judges/{judgeId}");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=trust-banner]")).ToContainTextAsync("Not trusted: no pair it judged has a blind human verdict yet");
        await page.ClickAsync("[data-testid=start-judge-run]");

        // The run ends, the page reloads its calibration by itself.
        await Assertions.Expect(page.Locator("[data-testid=position-bias]")).ToContainTextAsync("100.0%");
        var banner = page.Locator("[data-testid=trust-banner]");
        await Assertions.Expect(banner).ToContainTextAsync("Not trusted: kappa 0.00 against the people is below 0.60; its verdict flips with the order on 100% of pairs");
        await Assertions.Expect(page.Locator("[data-testid=kappa]")).ToContainTextAsync("0.00");
        await Assertions.Expect(page.Locator("[data-testid=agreement]")).ToHaveTextAsync("0.0% (0 of 12 pairs)");
        // People picked baseline on 4 and candidate on 8 pairs; the judge's verdicts were all position-dependent ties.
        var confusion = page.Locator("[data-testid=confusion] tbody tr");
        await Assertions.Expect(confusion.Nth(0)).ToContainTextAsync("people: baseline004");
        await Assertions.Expect(confusion.Nth(1)).ToContainTextAsync("people: candidate008");
        await Assertions.Expect(page.Locator("[data-testid=disagreement]")).ToHaveCountAsync(12);
        await Assertions.Expect(page.Locator("[data-testid=disagreement]").First).ToContainTextAsync("position-dependent");
        await Assertions.Expect(page.Locator("[data-testid=disagreement-review]").First)
            .ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex($"projects/{setup.ProjectId}/evaluation/reviews/{setup.ComparisonId}\\?item=\\d+"));
        await Assertions.Expect(page.Locator("[data-testid=judge-run-row]")).ToContainTextAsync("Completed");
        await BrowserFixture.ScreenshotAsync(page, "judge-calibration-not-trusted");
    }

    [Fact]
    public async Task Dashboard_ShowsPeopleBesideATrustedJudge_AndGreysTheUntrustedOneWithItsReason()
    {
        var setup = await browser.App.CreateReviewedComparisonAsync();
        await using var longer = ScriptedChatServer.Start(ScriptedJudges.PrefersLonger);
        await using var first = ScriptedChatServer.Start(ScriptedJudges.AlwaysA);
        await browser.App.RunJudgeAsync(await browser.App.CreateJudgeAsync(setup.ProjectId, "Longer is better", browser.App.AddGenerationEndpoint(longer.BaseUrl)), setup.ComparisonId);
        await browser.App.RunJudgeAsync(await browser.App.CreateJudgeAsync(setup.ProjectId, "First is best", browser.App.AddGenerationEndpoint(first.BaseUrl)), setup.ComparisonId);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.ProductOwner));

        await page.GotoAsync($"projects/{setup.ProjectId}/evaluation");
        await BrowserFixture.WaitForCircuitAsync(page);

        var panel = page.Locator("[data-testid=judge-verdicts]");
        await Assertions.Expect(panel.Locator("[data-testid=verdicts-people]")).ToContainTextAsync("66.7%");
        var judges = panel.Locator("[data-testid=verdicts-judge]");
        await Assertions.Expect(judges).ToHaveCountAsync(2);
        await Assertions.Expect(judges.Nth(0)).ToContainTextAsync("First is best v1");
        await Assertions.Expect(judges.Nth(0)).ToContainTextAsync("not trusted");
        await Assertions.Expect(judges.Nth(0)).ToContainTextAsync("no verdict picked a side · 12 of 12 position-dependent");
        await Assertions.Expect(judges.Nth(0)).ToContainTextAsync("kappa 0.00 against the people is below 0.60");
        await Assertions.Expect(judges.Nth(0)).ToHaveCSSAsync("opacity", "0.6");
        await Assertions.Expect(judges.Nth(1)).ToContainTextAsync("Longer is better v1");
        await Assertions.Expect(judges.Nth(1)).ToContainTextAsync("trusted");
        await Assertions.Expect(judges.Nth(1)).ToContainTextAsync("66.7% (");
        await panel.ScrollIntoViewIfNeededAsync();
        await BrowserFixture.ScreenshotAsync(page, "judge-dashboard-people-and-judges");

        await page.GotoAsync($"projects/{setup.ProjectId}/evaluation/judges");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=judge-row]")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("[data-testid=judge-form]")).ToHaveCountAsync(0); // product owners read, they do not create
        await BrowserFixture.ScreenshotAsync(page, "judges-list");
    }

    [Fact]
    public async Task Demo_BrandProject_OpensWithATrustedJudge_ItsDisagreements_AndPeopleBesideItOnTheDashboard()
    {
        var brand = await browser.App.QueryAsync(db => db.Projects.Where(p => p.Name == DemoSeeder.BrandProjectName).Select(p => p.Id).SingleAsync());
        var judgeId = await browser.App.QueryAsync(db => db.Judges.Where(j => j.ProjectId == brand && j.Name == "Brand voice").Select(j => j.Id).SingleAsync());
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));

        await page.GotoAsync($"projects/{brand}/evaluation/judges/{judgeId}");
        await BrowserFixture.WaitForCircuitAsync(page);
        // The figures of the seeded table, worked by hand in DemoSeederTests: 21 of 24 agree, kappa 228/300.
        await Assertions.Expect(page.Locator("[data-testid=trust-banner]")).ToContainTextAsync("Trusted: kappa 0.76 against the people over 24 pairs");
        await Assertions.Expect(page.Locator("[data-testid=agreement]")).ToHaveTextAsync("87.5% (21 of 24 pairs)");
        await Assertions.Expect(page.Locator("[data-testid=position-bias]")).ToContainTextAsync("8.3%");
        await Assertions.Expect(page.Locator("[data-testid=disagreement]")).ToHaveCountAsync(3);
        // A fresh install has no "openai" endpoint: the recorded run reads, a new one cannot start, and the page says why.
        await Assertions.Expect(page.Locator("[data-testid=judge-endpoint-missing]")).ToContainTextAsync("Studio:Evaluation:Generation:Endpoints:openai:BaseUrl");
        await Assertions.Expect(page.Locator("[data-testid=start-judge-run]")).ToBeDisabledAsync();
        await BrowserFixture.ScreenshotAsync(page, "demo-brand-judge-trusted");

        // The recorded run: every pair with the judge's reasoning in both orders.
        await page.ClickAsync("[data-testid=judge-run-row] a");
        await Assertions.Expect(page.Locator("[data-testid=verdict]")).ToHaveCountAsync(24);
        await Assertions.Expect(page.Locator("[data-testid=judge-tallies]")).ToHaveTextAsync("5 / 15 · 4");
        await Assertions.Expect(page.Locator("[data-testid=verdict] td").First).ToHaveCSSAsync("white-space", "nowrap");
        await BrowserFixture.ScreenshotAsync(page, "demo-brand-judge-run");

        await page.GotoAsync($"projects/{brand}/evaluation");
        await BrowserFixture.WaitForCircuitAsync(page);
        var panel = page.Locator("[data-testid=judge-verdicts]");
        // Ties left out. People, per judgement: Kim picked the candidate 17 times and the baseline 4, Noor 16 and 5,
        // so 33 of 42. The judge, per pair: the candidate on 15, the baseline on 5, so 15 of 20.
        await Assertions.Expect(panel.Locator("[data-testid=verdicts-people]")).ToContainTextAsync("78.6% (64.1–88.3%, n = 42)");
        await Assertions.Expect(panel.Locator("[data-testid=verdicts-judge]")).ToContainTextAsync("75.0%");
        await Assertions.Expect(panel.Locator("[data-testid=verdicts-judge]")).ToContainTextAsync("Brand voice v1");
        await Assertions.Expect(panel.Locator("[data-testid=verdicts-judge]")).ToContainTextAsync("trusted");
        await BrowserFixture.ScreenshotAsync(page, "demo-brand-dashboard-judge");
    }

    [Fact]
    public async Task Demo_BrandReview_IsFinishedForTheCopywriters_AndWaitsForLabeler1()
    {
        var brand = await browser.App.QueryAsync(db => db.Projects.Where(p => p.Name == DemoSeeder.BrandProjectName).Select(p => p.Id).SingleAsync());

        var kim = await browser.SignedInPageAsync("labeler3@demo.local");
        await kim.GotoAsync($"projects/{brand}/reviews");
        await BrowserFixture.WaitForCircuitAsync(kim);
        await Assertions.Expect(kim.Locator("[data-testid=review-mine]")).ToContainTextAsync("You judged 24 of 24 pairs");
        await Assertions.Expect(kim.Locator("[data-testid=judge-pairs]")).ToContainTextAsync("Done · look again");

        var lena = await browser.SignedInPageAsync("labeler1@demo.local");
        await lena.GotoAsync($"projects/{brand}/reviews");
        await BrowserFixture.WaitForCircuitAsync(lena);
        await Assertions.Expect(lena.Locator("[data-testid=review-mine]")).ToContainTextAsync("You judged 0 of 24 pairs");
        await Assertions.Expect(lena.Locator("[data-testid=judge-pairs]")).ToContainTextAsync("Judge pairs");
        // Blind: neither the review's name nor a run's appears to a reviewer.
        await Assertions.Expect(lena.Locator("body")).Not.ToContainTextAsync("Fine-tuned");
        await BrowserFixture.ScreenshotAsync(lena, "demo-brand-review-waiting");

        await lena.ClickAsync("[data-testid=judge-pairs]");
        await Assertions.Expect(lena.Locator("[data-testid=review-progress]")).ToContainTextAsync("24");
        await Assertions.Expect(lena.Locator("[data-testid=output-a]")).Not.ToBeEmptyAsync();
        await Assertions.Expect(lena.Locator("[data-testid=output-b]")).Not.ToBeEmptyAsync();
        // The two answers differ in length (a care leaflet against two sentences) but stand in boxes of one height.
        var left = (await lena.Locator("[data-testid=output-a]").BoundingBoxAsync())!;
        var right = (await lena.Locator("[data-testid=output-b]").BoundingBoxAsync())!;
        right.Height.ShouldBe(left.Height, 1.0);
        await BrowserFixture.ScreenshotAsync(lena, "demo-brand-review-pair");
    }

    [Fact]
    public async Task Lead_CreatesAJudgeOnThePage_AndLandsOnItsPage()
    {
        var setup = await browser.App.CreateReviewedComparisonAsync();
        await using var server = ScriptedChatServer.Start(ScriptedJudges.PrefersLonger);
        browser.App.AddGenerationEndpoint(server.BaseUrl);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));

        await page.GotoAsync($"projects/{setup.ProjectId}/evaluation/judges");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=no-judges]")).ToBeVisibleAsync();
        await page.ClickAsync("[data-testid=create-judge]");
        await Assertions.Expect(page.Locator("[data-testid=error-text]")).ToContainTextAsync("name");

        await Field(page, "judge-name").FillAsync("Refund rubric");
        await Field(page, "judge-rubric").FillAsync("- Names the refund period\n- Polite");
        await Field(page, "judge-rubric").PressAsync("Tab");
        // The labels float up with a CSS transition: the picture waits for it to end.
        await page.EvaluateAsync("() => Promise.all(document.getAnimations().filter(a => a instanceof CSSTransition).map(a => a.finished.catch(() => null)))");
        await BrowserFixture.ScreenshotAsync(page, "judge-create-form");
        await page.ClickAsync("[data-testid=create-judge]");

        await page.WaitForURLAsync("**/evaluation/judges/*");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=page-title]")).ToHaveTextAsync("Refund rubric");
        await Assertions.Expect(page.Locator("[data-testid=judge-versions]")).ToContainTextAsync("v1 · Pairwise A/B");
    }
}
