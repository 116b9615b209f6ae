using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Evaluation;

[Collection(BrowserCollection.Name)]
public sealed class LabelerBlindReviewTests(BrowserFixture browser)
{
    [Fact]
    public async Task Labeler_JudgesFromTheMenu_SeesNoRunNames_AndSeesTheResultsOnceTheLeadCloses()
    {
        var setup = await browser.App.CreateReviewedComparisonAsync();
        var q1 = await browser.App.QueryAsync(db => db.EvalItems.Where(i => i.EvalSetId == setup.SetId && i.ExternalId == "q1").Select(i => i.Id).SingleAsync());
        var labeler = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.Labeler));

        await labeler.GotoAsync($"projects/{setup.ProjectId}");
        await BrowserFixture.WaitForCircuitAsync(labeler);
        await labeler.ClickAsync("[data-testid=nav-reviews]");
        await Assertions.Expect(labeler.Locator("[data-testid=page-title]")).ToHaveTextAsync("Blind reviews");
        await Assertions.Expect(labeler.Locator("[data-testid=review-mine]")).ToContainTextAsync("You judged 0 of 12 pairs");
        await labeler.ClickAsync("[data-testid=judge-pairs]");

        await labeler.Locator("[data-testid=review-progress]").Filter(new() { HasText = "Pair 1 of 12" }).WaitForAsync();
        await Assertions.Expect(labeler.Locator("[data-testid=evaluation-nav]")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(labeler, "labeler-blind-review");
        await labeler.ClickAsync("[data-testid=pick-a]");
        await labeler.ClickAsync("[data-testid=review-next]");
        await labeler.Locator("[data-testid=review-progress]").Filter(new() { HasText = "Pair 2 of 12" }).WaitForAsync();
        var html = await labeler.ContentAsync();
        html.ShouldNotContain("Prompted");
        html.ShouldNotContain("Tuned v1");

        // A link from a judge's disagreement opens that pair again.
        await labeler.GotoAsync($"projects/{setup.ProjectId}/evaluation/reviews/{setup.ComparisonId}?item={q1}");
        await BrowserFixture.WaitForCircuitAsync(labeler);
        await Assertions.Expect(labeler.Locator("[data-testid=review-progress]")).ToContainTextAsync("Looking again at pair");
        await Assertions.Expect(labeler.Locator("[data-testid=review-input]")).ToContainTextAsync("question 1");
        await BrowserFixture.ScreenshotAsync(labeler, "labeler-blind-review-again");

        // The pair judged first opens with the labeler's own pick on it.
        var labelerEmail = StudioAppFactory.Demo(StudioRoles.Labeler).ToUpperInvariant();
        var judged = await browser.App.QueryAsync(db => db.Judgements
            .Where(j => j.ComparisonId == setup.ComparisonId && db.Users.Any(u => u.Id == j.ReviewerId && u.NormalizedEmail == labelerEmail)).Select(j => j.EvalItemId).SingleAsync());
        await labeler.GotoAsync($"projects/{setup.ProjectId}/evaluation/reviews/{setup.ComparisonId}?item={judged}");
        await BrowserFixture.WaitForCircuitAsync(labeler);
        await Assertions.Expect(labeler.Locator("[data-testid=review-progress]")).ToContainTextAsync("your earlier pick is shown");
        await Assertions.Expect(labeler.Locator("[data-testid=pick-a]")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-button-filled"));
        await Assertions.Expect(labeler.Locator("[data-testid=review-next]")).ToBeEnabledAsync();

        var lead = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await lead.GotoAsync($"projects/{setup.ProjectId}/evaluation/reviews");
        await BrowserFixture.WaitForCircuitAsync(lead);
        var card = lead.Locator("[data-testid=comparison]").Filter(new() { HasText = "Tuned v1 vs prompted" });
        await card.Locator("[data-testid=close-review]").ClickAsync();
        await Assertions.Expect(card.Locator("[data-testid=comparison-closed]")).ToContainTextAsync("Closed");
        await Assertions.Expect(card.Locator("[data-testid=reopen-review]")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(lead, "lead-review-closed");
        await lead.Context.CloseAsync();

        await labeler.GotoAsync($"projects/{setup.ProjectId}/reviews");
        await BrowserFixture.WaitForCircuitAsync(labeler);
        await Assertions.Expect(labeler.Locator("[data-testid=review-closed]")).ToHaveTextAsync("Closed");
        await Assertions.Expect(labeler.Locator("[data-testid=review-mine]")).ToContainTextAsync("You judged 1 of 12 pairs");
        // Two reviewers judged all 12 pairs and the labeler one: 25 judgements, 16 of them for the candidate's longer answers on q1-q8.
        var results = labeler.Locator("[data-testid=review-results]");
        await Assertions.Expect(results).ToContainTextAsync("Tuned v1 (candidate) against Prompted (baseline)");
        await Assertions.Expect(results).ToContainTextAsync("25 judgements");
        await BrowserFixture.ScreenshotAsync(labeler, "labeler-reviews-closed");

        await labeler.GotoAsync($"projects/{setup.ProjectId}/evaluation/reviews/{setup.ComparisonId}");
        await BrowserFixture.WaitForCircuitAsync(labeler);
        await Assertions.Expect(labeler.Locator("[data-testid=review-closed]")).ToContainTextAsync("This review is closed");
        await labeler.Context.CloseAsync();
    }
}
