using System.Text;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Imports;

[Collection(BrowserCollection.Name)]
public sealed class ImportPageTests(BrowserFixture browser)
{
    [Fact]
    public async Task Import_FileWithAnError_ShowsTheLineAndChangesNothing_ThenAGoodFileShowsTheCount()
    {
        var (projectId, datasetId) = await browser.App.CreateImportTargetAsync(TaskKind.Classification, ["urgent", "routine"]);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/examples/import");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=page-title]")).ToHaveTextAsync("Import examples");

        // Line 3 carries a label the dataset does not have.
        var bad = "text,category\n\"Server down, all users\",urgent\n\"Printer jam\",whenever\n";
        await page.Locator("[data-testid=import-file]").SetInputFilesAsync(new FilePayload { Name = "tickets.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(bad) });
        await Assertions.Expect(page.Locator("[data-testid=csv-preview]")).ToContainTextAsync("Printer jam");
        await Assertions.Expect(page.Locator("[data-testid=csv-preview] th").First).ToContainTextAsync("user message");
        await BrowserFixture.ScreenshotAsync(page, "import-csv-mapping");

        await page.ClickAsync("[data-testid=import-run]");
        await Assertions.Expect(page.Locator("[data-testid=import-errors]")).ToContainTextAsync("line 3: label: 'whenever' is not one of the dataset's labels");
        await Assertions.Expect(page.Locator("[data-testid=import-error-summary]")).ToHaveTextAsync("1 problem found; nothing was imported.");
        await BrowserFixture.ScreenshotAsync(page, "import-error");
        (await browser.App.ExampleCountAsync(datasetId)).ShouldBe(0);

        var good = "{\"messages\": [{\"role\": \"user\", \"content\": \"Server down\"}], \"label\": \"urgent\"}\n"
            + "{\"messages\": [{\"role\": \"user\", \"content\": \"Printer jam\"}], \"label\": \"routine\"}\n";
        await page.Locator("[data-testid=import-file]").SetInputFilesAsync(new FilePayload { Name = "tickets.jsonl", MimeType = "application/jsonl", Buffer = Encoding.UTF8.GetBytes(good) });
        await Assertions.Expect(page.Locator("[data-testid=import-file-name]")).ToContainTextAsync("tickets.jsonl");
        await Assertions.Expect(page.Locator("[data-testid=csv-mapping]")).ToHaveCountAsync(0);

        await page.ClickAsync("[data-testid=import-dry-run]");
        await Assertions.Expect(page.Locator("[data-testid=import-result]")).ToHaveTextAsync("Dry run: 2 examples would be imported, 0 duplicates skipped. Nothing was changed.");
        (await browser.App.ExampleCountAsync(datasetId)).ShouldBe(0);

        await page.ClickAsync("[data-testid=import-run]");
        await Assertions.Expect(page.Locator("[data-testid=import-result]")).ToHaveTextAsync("Imported 2 examples, 0 duplicates skipped.");
        await BrowserFixture.ScreenshotAsync(page, "import-done");
        (await browser.App.ExampleCountAsync(datasetId)).ShouldBe(2);
        await Assertions.Expect(page.Locator("[data-testid=back-to-examples]")).ToHaveAttributeAsync("href", $"projects/{projectId}/examples");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ImportPage_AsLabeler_IsDenied()
    {
        var (projectId, _) = await browser.App.CreateImportTargetAsync();
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.Labeler));
        await page.GotoAsync($"projects/{projectId}/examples/import");
        await Assertions.Expect(page.Locator("[data-testid=access-denied]").First).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }
}
