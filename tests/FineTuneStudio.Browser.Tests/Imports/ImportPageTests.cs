using System.Text;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
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
    public async Task Import_SomeBadLines_RefusalOffersToLeaveThemOut_WhichImportsTheRestAndListsThem()
    {
        var (projectId, datasetId) = await browser.App.CreateImportTargetAsync(TaskKind.Classification, ["urgent", "routine"]);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/examples/import");
        await BrowserFixture.WaitForCircuitAsync(page);
        // Line 2 is cut off, line 4 names a label the dataset lacks; lines 1, 3 and 5 are fine.
        var file = "{\"text\": \"Server down for everyone\", \"label\": \"urgent\"}\n"
            + "{\"text\": \"Printer\n"
            + "{\"text\": \"Password reset please\", \"label\": \"routine\"}\n"
            + "{\"text\": \"Coffee machine empty\", \"label\": \"whenever\"}\n"
            + "{\"text\": \"Payments failing at checkout\", \"label\": \"urgent\"}\n";
        await page.Locator("[data-testid=import-file]").SetInputFilesAsync(new FilePayload { Name = "tickets.jsonl", MimeType = "application/jsonl", Buffer = Encoding.UTF8.GetBytes(file) });
        await Assertions.Expect(page.Locator("[data-testid=import-file-name]")).ToContainTextAsync("tickets.jsonl");

        await page.ClickAsync("[data-testid=import-dry-run]");

        await Assertions.Expect(page.Locator("[data-testid=import-error-summary]")).ToHaveTextAsync("2 problems found; nothing was imported.");
        await Assertions.Expect(page.Locator("[data-testid=import-skip-hint]")).ToHaveTextAsync("2 records have problems and 3 have none. Fix the file and choose it again, or:");
        await Assertions.Expect(page.Locator("[data-testid=import-skip-invalid]")).ToHaveTextAsync("Leave them out and import 3 records");
        await BrowserFixture.ScreenshotAsync(page, "import-offer-to-leave-out");
        (await browser.App.ExampleCountAsync(datasetId)).ShouldBe(0);

        await page.ClickAsync("[data-testid=import-skip-invalid]");

        await Assertions.Expect(page.Locator("[data-testid=import-result]")).ToHaveTextAsync("Imported 3 examples, 0 duplicates skipped, 2 records with problems left out.");
        await Assertions.Expect(page.Locator("[data-testid=import-invalid]")).ToContainTextAsync("Leave them out");
        // The dataset list shows the new count.
        await Assertions.Expect(page.Locator("[data-testid=import-dataset]")).ToContainTextAsync("3 examples");
        await page.ClickAsync("[data-testid=import-left-out]");
        await Assertions.Expect(page.GetByText("line 4: label: 'whenever' is not one of the dataset's labels")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=import-left-out]")).ToContainTextAsync("line 2: record: the record ends before its JSON is complete");
        // The panel slides open; the screenshot waits until it has.
        await Assertions.Expect(page.Locator("[data-testid=import-left-out] .mud-collapse-entered")).ToHaveCountAsync(1);
        await BrowserFixture.ScreenshotAsync(page, "import-left-out");
        var stored = await browser.App.QueryAsync(db => db.Examples.Where(e => e.DatasetId == datasetId).OrderBy(e => e.Id).Select(e => e.Label).ToListAsync());
        stored.ShouldBe(["urgent", "routine", "urgent"]);

        // The two left-out lines come back as a file of their own, as they were, to fix and import again.
        await Assertions.Expect(page.Locator("[data-testid=download-left-out]")).ToHaveTextAsync("Download the 2 left-out records");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("[data-testid=download-left-out]"));
        download.SuggestedFilename.ShouldBe("tickets.left-out.jsonl");
        (await File.ReadAllTextAsync((await download.PathAsync())!)).ShouldBe("{\"text\": \"Printer\n{\"text\": \"Coffee machine empty\", \"label\": \"whenever\"}\n");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Import_ExcelUnicodeText_IsReadAsTabSeparatedUtf16_AndKeepsItsAccents()
    {
        // What Excel's "Save as Unicode Text" writes: UTF-16 little-endian with a byte order mark, tabs, CRLF.
        var (projectId, datasetId) = await browser.App.CreateImportTargetAsync(TaskKind.Classification, ["refund", "card_arrival"]);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/examples/import");
        await BrowserFixture.WaitForCircuitAsync(page);
        var text = "text\tcategory\r\nRemboursé deux fois, merci\trefund\r\nOù est ma carte ?\tcard_arrival\r\n";
        byte[] file = [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(text)];

        await page.Locator("[data-testid=import-file]").SetInputFilesAsync(new FilePayload { Name = "export.txt", MimeType = "text/plain", Buffer = file });

        await Assertions.Expect(page.Locator("[data-testid=csv-preview]")).ToContainTextAsync("Remboursé deux fois, merci");
        await Assertions.Expect(page.Locator("[data-testid=csv-preview-caption]")).ToHaveTextAsync("The first 2 rows of the file, read as tab-separated.");
        await BrowserFixture.ScreenshotAsync(page, "import-excel-unicode-text");
        await page.ClickAsync("[data-testid=import-run]");
        await Assertions.Expect(page.Locator("[data-testid=import-result]")).ToHaveTextAsync("Imported 2 examples, 0 duplicates skipped.");
        var stored = await browser.App.QueryAsync(db => db.Examples.Where(e => e.DatasetId == datasetId).OrderBy(e => e.Id)
            .Select(e => e.Messages.Single().Content + " [" + e.Label + "]").ToListAsync());
        stored.ShouldBe(["Remboursé deux fois, merci [refund]", "Où est ma carte ? [card_arrival]"]);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Import_DollyCsv_ContextColumnIsMappedAsTheInput_AndFollowsTheInstruction()
    {
        var (projectId, datasetId) = await browser.App.CreateImportTargetAsync(TaskKind.Chat, []);
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/examples/import");
        await BrowserFixture.WaitForCircuitAsync(page);
        // The format list names the public shapes it reads.
        await page.ClickAsync("[data-testid=import-format]");
        await Assertions.Expect(page.Locator(".mud-popover-open .mud-list-item", new() { HasTextString = "Instructions (Alpaca, Dolly, OpenOrca, GSM8K)" })).ToBeVisibleAsync();
        // The list fades in; the screenshot waits until it is opaque.
        await page.WaitForFunctionAsync("() => getComputedStyle(document.querySelector('.mud-popover-open')).opacity === '1'");
        await BrowserFixture.ScreenshotAsync(page, "import-format-choices");
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
        var csv = "instruction,context,response,category\r\n"
            + "\"When did the ferry line start?\",\"The line opened in May 1998.\r\nA second boat came in 2004.\",\"In May 1998.\",closed_qa\r\n";

        await page.Locator("[data-testid=import-file]").SetInputFilesAsync(new FilePayload { Name = "dolly.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });

        await Assertions.Expect(page.Locator("[data-testid=csv-preview] th").Nth(1)).ToContainTextAsync("after the user message");
        await Assertions.Expect(page.Locator("[data-testid=map-input]")).ToContainTextAsync("context");
        await BrowserFixture.ScreenshotAsync(page, "import-dolly-csv-mapping");
        await page.ClickAsync("[data-testid=import-run]");
        await Assertions.Expect(page.Locator("[data-testid=import-result]")).ToHaveTextAsync("Imported 1 example, 0 duplicates skipped.");
        var stored = await browser.App.QueryAsync(db => db.Examples.Where(e => e.DatasetId == datasetId)
            .Select(e => e.Messages.OrderBy(m => m.Position).Select(m => m.Content).ToList()).SingleAsync());
        stored.ShouldBe(["When did the ferry line start?\n\nThe line opened in May 1998.\r\nA second boat came in 2004.", "In May 1998."]);
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
