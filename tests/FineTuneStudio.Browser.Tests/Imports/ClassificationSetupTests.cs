using System.Text;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Imports;

/// <summary>An ML lead sets up a classification dataset with many labels in the browser, imports a labelled CSV, and sees the answer the model will learn.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ClassificationSetupTests(BrowserFixture browser)
{
    private static ILocator Field(IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], textarea[data-testid={testId}], [data-testid={testId}] input, [data-testid={testId}] textarea").First;

    private static string Label(int i) => $"intent_{i:D2}";

    [Fact]
    public async Task MlLead_CreatesADatasetWith40Labels_ImportsACsv_AndTheEditorShowsTheTemplatedAnswer()
    {
        var (projectId, _) = await browser.App.CreateImportTargetAsync();
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/examples/import");
        await BrowserFixture.WaitForCircuitAsync(page);

        await page.ClickAsync("[data-testid=dataset-new]");
        await Field(page, "dataset-name").FillAsync("Intents");
        await Field(page, "dataset-labels").FillAsync(string.Join("\n", Enumerable.Range(0, 40).Select(Label)));
        await page.Locator("[data-testid=dataset-answer-style]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = "A sentence with {label}" }).ClickAsync();
        await Field(page, "dataset-answer-template").FillAsync("Intent: {label}");
        await Assertions.Expect(page.Locator("[data-testid=dataset-answer-preview]")).ToHaveTextAsync("For 'intent_00' the model learns: Intent: intent_00");
        await BrowserFixture.ScreenshotAsync(page, "MlLead-new-classification-dataset");
        await page.ClickAsync("[data-testid=dataset-create-save]");
        await Assertions.Expect(page.Locator("[data-testid=import-dataset-labels]")).ToContainTextAsync("40 labels in this dataset: intent_00, intent_01");
        await Assertions.Expect(page.Locator("[data-testid=dataset-create]")).ToHaveCountAsync(0);

        // Two rows per label, one of them with a comma and a line break inside its quoted text; the last row repeats the first.
        var csv = new StringBuilder("text,category\n");
        for (var i = 0; i < 80; i++)
        {
            csv.Append(i == 3 ? "\"Card blocked, again\nplease help\"" : $"question {i}").Append(',').Append(Label(i % 40)).Append('\n');
        }

        csv.Append("question 0,intent_00\n");
        await page.Locator("[data-testid=import-file]").SetInputFilesAsync(new FilePayload { Name = "intents.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv.ToString()) });
        await Assertions.Expect(page.Locator("[data-testid=csv-preview]")).ToContainTextAsync("question 1");
        await page.ClickAsync("[data-testid=import-run]");
        await Assertions.Expect(page.Locator("[data-testid=import-result]")).ToHaveTextAsync("Imported 80 examples, 1 duplicate skipped.");
        await page.Locator("[data-testid=import-skipped]").ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=import-skipped]")).ToContainTextAsync("Line 83: duplicate: the same content appears earlier in this file");
        await BrowserFixture.ScreenshotAsync(page, "MlLead-import-with-skipped-line");

        var exampleId = await browser.App.QueryAsync(db => db.Examples.Where(e => e.Dataset!.ProjectId == projectId && e.Dataset.Name == "Intents" && e.Label == "intent_03")
            .OrderBy(e => e.Id).Select(e => e.Id).FirstAsync());
        await page.GotoAsync($"projects/{projectId}/examples/{exampleId}");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=learned-answer]")).ToContainTextAsync("The model learns this answer: Intent: intent_03");
        // Forty labels are too many for chips: a search box holds the current one.
        await Assertions.Expect(Field(page, "label-search")).ToHaveValueAsync("intent_03");
        await BrowserFixture.ScreenshotAsync(page, "MlLead-editor-learned-answer");
        await page.Context.CloseAsync();
    }
}
