using FineTuneStudio.Core.Domain;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Quality;

[Collection(BrowserCollection.Name)]
public sealed class QualityFindingsFilterTests(BrowserFixture browser)
{
    [Fact]
    public async Task MlLead_FiltersTheExampleListByAFindingType_AndSeesOnlyThoseExamples()
    {
        var (projectId, datasetId) = await browser.App.QueryAsync(async db => await db.Datasets.Where(d => d.Name == "Ticket urgency")
            .Select(d => new ValueTuple<int, int>(d.ProjectId, d.Id)).SingleAsync());
        var result = await browser.App.RunQualityChecksAsync(datasetId);
        var conflicts = result.Report.Find(FindingType.ConflictingAnswers)!;
        var expected = conflicts.Groups!.SelectMany(g => g).Order().ToList();
        expected.Count.ShouldBe(conflicts.Count);

        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/examples?dataset={datasetId}");
        await BrowserFixture.WaitForCircuitAsync(page);
        await page.Locator("[data-testid=finding-filter]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "Conflicting answers" }).ClickAsync();

        await Assertions.Expect(page.Locator("[data-testid=finding-filter-note]")).ToContainTextAsync("conflicting answers");
        await Assertions.Expect(page.GetByText($"1-{expected.Count} of {expected.Count}")).ToBeVisibleAsync();
        var shown = (await page.Locator("[data-testid=example-link]").AllInnerTextsAsync()).Select(int.Parse).Order().ToList();
        shown.ShouldBe(expected);
        await BrowserFixture.ScreenshotAsync(page, "MlLead-examples-with-conflicting-answers");
    }
}
