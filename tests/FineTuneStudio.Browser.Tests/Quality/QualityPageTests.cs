using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Quality;

[Collection(BrowserCollection.Name)]
public sealed class QualityPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task MlLead_RunsTheAnalysisOnTheDemo_AndSeesDuplicateAndPersonalDataCards()
    {
        var projectId = await browser.App.QueryAsync(db => db.Projects.Where(p => p.Name == "Support ticket triage").Select(p => p.Id).SingleAsync());
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));

        await page.GotoAsync($"projects/{projectId}/quality");
        await BrowserFixture.WaitForCircuitAsync(page);
        var run = page.Locator("[data-testid=run-analysis]");
        await Assertions.Expect(run).ToBeEnabledAsync();
        await run.ClickAsync();

        await page.Locator("[data-testid=quality-current]").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-testid=finding-ExactDuplicate]")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=finding-PersonalData]").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=agreement-heatmap]")).ToBeVisibleAsync();
        var open = page.Locator("[data-testid=finding-ExactDuplicate] [data-testid=open-examples]");
        var href = (await open.GetAttributeAsync("href"))!;
        href.ShouldStartWith($"projects/{projectId}/examples?dataset=");
        var chosen = href[(href.IndexOf("ids=", StringComparison.Ordinal) + 4)..].Split(',').Length;
        await BrowserFixture.ScreenshotAsync(page, "MlLead-quality-report");

        // One click rejects the copies; the report then says it is stale.
        await page.ClickAsync("[data-testid=action-ExactDuplicate]");
        await page.Locator("[data-testid=quality-stale]").WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, "MlLead-quality-stale");

        // Reopening the page shows the stored result at once, without a new run.
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("[data-testid=quality-stale]")).ToBeVisibleAsync();

        // A finding opens the example list filtered to exactly its examples.
        await page.Locator("[data-testid=finding-ExactDuplicate] [data-testid=open-examples]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=ids-filter]")).ToContainTextAsync($"Showing {chosen} chosen example(s)");
        await Assertions.Expect(page.GetByText($"1-{chosen} of {chosen}")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "MlLead-examples-from-finding");
    }

    [Fact]
    public async Task MlLead_SeesHowFarLabelersAgreeOnTheirOneToFiveRatings()
    {
        var (projectId, datasetId) = await browser.App.CreateImportTargetAsync(FineTuneStudio.Core.Domain.TaskKind.Classification, ["high", "low"]);
        // Two labelers rate three tickets: close (4, 5), the same (2, 2) and far apart (1, 5).
        var ratings = new[] { (4, 5), (2, 2), (1, 5) };
        for (var i = 0; i < ratings.Length; i++)
        {
            var example = await browser.App.SeedExampleAsync(datasetId, StudioAppFactory.TicketInput($"Ticket {i} for rating"));
            await browser.App.SaveAnnotationAsAsync("labeler1@demo.local", example.Id, new FineTuneStudio.Core.Examples.AnnotationInput("high", Rating: ratings[i].Item1, Submit: true, SecondsSpent: 10));
            await browser.App.SaveAnnotationAsAsync("labeler2@demo.local", example.Id, new FineTuneStudio.Core.Examples.AnnotationInput("high", Rating: ratings[i].Item2, Submit: true, SecondsSpent: 12));
        }

        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/quality");
        await BrowserFixture.WaitForCircuitAsync(page);
        await page.Locator("[data-testid=run-analysis]").ClickAsync();
        await page.Locator("[data-testid=quality-current]").WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });

        var text = page.Locator("[data-testid=rating-agreement]");
        await Assertions.Expect(text).ToContainTextAsync("6 ratings by 2 labelers on 3 examples (3 rated by two or more)");
        await Assertions.Expect(text).ToContainTextAsync("Krippendorff's alpha, ordinal");
        await BrowserFixture.ScreenshotAsync(page, "MlLead-quality-rating-agreement");
    }
}
