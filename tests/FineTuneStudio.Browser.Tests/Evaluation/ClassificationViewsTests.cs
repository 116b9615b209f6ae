using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Evaluation;

[Collection(BrowserCollection.Name)]
public sealed class ClassificationViewsTests(BrowserFixture browser)
{
    // t1..t8 expect high (odd) or low (even). The baseline misses t2 (says high), t3 (says low) and t7 (says "medium");
    // the candidate misses only t3.
    private const string BaselineCsv = "id,output\nt1,high\nt2,high\nt3,low\nt4,low\nt5,high\nt6,low\nt7,medium\nt8,low\n";
    private const string CandidateCsv = "id,output\nt1,high\nt2,low\nt3,low\nt4,low\nt5,high\nt6,low\nt7,high\nt8,low\n";

    [Fact]
    public async Task Lead_ReadsTheConfusionMatrix_OpensACell_AndComparesPerLabelScores()
    {
        var (projectId, setId) = await browser.App.CreateGenerationSetAsync(items: 8);
        var baseline = await browser.App.ImportRunAsync(setId, "Prompted baseline", BaselineCsv, "baseline.csv");
        var candidate = await browser.App.ImportRunAsync(setId, "Tuned v1", CandidateCsv, "candidate.csv");
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));

        await page.GotoAsync($"projects/{projectId}/evaluation/runs/{baseline}");
        var matrix = page.Locator("[data-testid=confusion-matrix]");
        // Rows high [2, 1, 1] and low [1, 3, 0] over the columns high, low, (other).
        await Assertions.Expect(matrix.Locator("tbody tr").Nth(0)).ToContainTextAsync("high (4)");
        await Assertions.Expect(matrix.Locator("tbody tr").Nth(0).Locator("td")).ToHaveTextAsync(["2", "1", "1"]);
        await Assertions.Expect(matrix.Locator("tbody tr").Nth(1).Locator("td")).ToHaveTextAsync(["1", "3", "0"]);
        await Assertions.Expect(matrix.Locator("thead th").Last).ToHaveTextAsync("(other)");

        // high: answered 3 times, 2 right of 4 -> P 0.667, R 0.500, F1 0.571; low: P 0.750, R 0.750, F1 0.750; macro 0.661.
        var scores = page.Locator("[data-testid=class-scores] tbody tr");
        await Assertions.Expect(scores.Nth(0).Locator("td")).ToHaveTextAsync(["high", "4", "3", "0.667", "0.500", "0.571"]);
        await Assertions.Expect(scores.Nth(1).Locator("td")).ToHaveTextAsync(["low", "4", "4", "0.750", "0.750", "0.750"]);
        await Assertions.Expect(scores.Nth(2)).ToContainTextAsync("0.661");

        await page.Locator("[data-testid=confusion-cell][data-row=high][data-column=low]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=cell-filter]")).ToContainTextAsync("expected high, answered low: 1");
        await Assertions.Expect(page.Locator("[data-testid=result-item]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=result-item]")).ToContainTextAsync("t3");
        await BrowserFixture.ScreenshotAsync(page, "evaluation-run-confusion");

        await page.Locator("[data-testid=confusion-cell][data-row=high][data-column='(other)']").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=result-item]")).ToHaveTextAsync([new System.Text.RegularExpressions.Regex("^t7")]);

        // Compare: candidate high P 1, R 0.75, F1 0.857 (+0.286); low P 0.8, R 1, F1 0.889 (+0.139).
        await page.GotoAsync($"projects/{projectId}/evaluation/compare?a={baseline}&b={candidate}");
        var compared = page.Locator("[data-testid=class-scores-compared] tbody tr");
        await Assertions.Expect(compared.Nth(0).Locator("td")).ToHaveTextAsync(["high", "4", "0.667 / 0.500 / 0.571", "1.000 / 0.750 / 0.857", "+0.286"]);
        await Assertions.Expect(compared.Nth(1).Locator("td")).ToHaveTextAsync(["low", "4", "0.750 / 0.750 / 0.750", "0.800 / 1.000 / 0.889", "+0.139"]);
        await Assertions.Expect(page.Locator("[data-testid=confusion-matrix]")).ToHaveCountAsync(2);
        await BrowserFixture.ScreenshotAsync(page, "evaluation-compare-labels");

        // The candidate's cell opens the candidate's run page with that cell's items.
        await page.Locator("[data-testid=confusion-matrix]").Nth(1).Locator("[data-testid=confusion-cell][data-row=high][data-column=low]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=page-title]")).ToHaveTextAsync("Tuned v1");
        await Assertions.Expect(page.Locator("[data-testid=result-item]")).ToHaveTextAsync([new System.Text.RegularExpressions.Regex("^t3")]);
    }
}
