using System.Text;
using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Datasets;

/// <summary>An ML lead sets a dataset up on the Datasets page and takes it to a version; a labeler's view shows the label guides.</summary>
[Collection(BrowserCollection.Name)]
public sealed class DatasetsPageTests(BrowserFixture browser)
{
    private static ILocator Field(IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], textarea[data-testid={testId}], [data-testid={testId}] input, [data-testid={testId}] textarea").First;

    private static async Task PickAsync(IPage page, string selectTestId, string item)
    {
        await page.Locator($"[data-testid={selectTestId}]").ClickAsync();
        await page.Locator(".mud-popover-open .mud-list-item", new() { HasText = item }).ClickAsync();
    }

    [Fact]
    public async Task MlLead_CreatesADatasetWithLabelGuides_ImportsLabelsOneAndCutsAVersion()
    {
        var (projectId, _) = await browser.App.CreateImportTargetAsync();
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync($"projects/{projectId}/datasets");
        await BrowserFixture.WaitForCircuitAsync(page);

        await page.ClickAsync("[data-testid=datasets-new]");
        // Saved empty: each problem shows beside its field.
        await page.ClickAsync("[data-testid=dataset-create-save]");
        await Assertions.Expect(page.Locator(".mud-input-control", new() { Has = Field(page, "dataset-name") }).Locator(".mud-input-helper-text.mud-input-error"))
            .ToContainTextAsync("a dataset needs a name");
        await Assertions.Expect(page.Locator("[data-testid=dataset-labels-error]")).ToContainTextAsync("at least two labels");
        await Field(page, "dataset-name").FillAsync("Urgency");
        await Assertions.Expect(page.Locator(".mud-input-helper-text.mud-input-error", new() { HasText = "a dataset needs a name" })).ToHaveCountAsync(0);
        (string Label, string Description)[] labels =
        [
            ("urgent", "Money or safety is at stake today"),
            ("normal", "Needs an answer this week"),
            ("low", "A wish or a question that can wait"),
        ];
        for (var i = 0; i < labels.Length; i++)
        {
            await Field(page, $"label-name-{i + 1}").FillAsync(labels[i].Label);
            await Field(page, $"label-description-{i + 1}").FillAsync(labels[i].Description);
        }

        await Field(page, "label-example-1").FillAsync("My card was charged twice");
        await Field(page, "dataset-guidelines").FillAsync("# Urgency rules\n\nReply **today** when money is at stake.");
        // The preview follows the typing; the guidelines' h1 sits under the page title as h3, as in the editor.
        await Assertions.Expect(page.Locator("[data-testid=guidelines-preview] h3")).ToHaveTextAsync("Urgency rules");
        await Assertions.Expect(page.Locator("[data-testid=guidelines-preview] strong")).ToHaveTextAsync("today");
        await BrowserFixture.ScreenshotAsync(page, "MlLead-datasets-new-with-guides");
        await page.ClickAsync("[data-testid=dataset-create-save]");
        await Assertions.Expect(page.Locator("[data-testid=dataset-create]")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid=datasets-table] tr", new() { HasText = "Urgency" })).ToContainTextAsync("Classification");
        await BrowserFixture.ScreenshotAsync(page, "MlLead-datasets-list");

        // The error fixed above is gone; renaming a label on the edit form keeps its guide.
        await page.Locator("[data-testid=datasets-table] tr", new() { HasText = "Urgency" }).Locator("[data-testid=dataset-edit]").ClickAsync();
        await Assertions.Expect(Field(page, "label-description-3")).ToHaveValueAsync("A wish or a question that can wait");
        await Field(page, "label-name-3").FillAsync("later");
        await page.ClickAsync("[data-testid=dataset-create-save]");
        await Assertions.Expect(page.Locator("[data-testid=dataset-create]")).ToHaveCountAsync(0);
        var guides = await browser.App.QueryAsync(db => db.Datasets.Where(d => d.ProjectId == projectId && d.Name == "Urgency").Select(d => d.LabelGuides).SingleAsync());
        guides["later"].Description.ShouldBe("A wish or a question that can wait");
        guides.ShouldNotContainKey("low");
        labels[2] = ("later", labels[2].Description);

        // Fifteen approved rows, enough for a version with a validation split.
        var csv = new StringBuilder("text,category\n");
        for (var i = 0; i < 15; i++)
        {
            csv.Append($"ticket {i} about the invoice,").Append(labels[i % 3].Label).Append('\n');
        }

        await page.GotoAsync($"projects/{projectId}/examples/import");
        await BrowserFixture.WaitForCircuitAsync(page);
        await PickAsync(page, "import-dataset", "Urgency");
        await page.Locator("[data-testid=import-file]").SetInputFilesAsync(new FilePayload { Name = "tickets.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv.ToString()) });
        await Assertions.Expect(page.Locator("[data-testid=csv-preview]")).ToContainTextAsync("ticket 1 about the invoice");
        await PickAsync(page, "import-status", "Approved");
        await page.ClickAsync("[data-testid=import-run]");
        await Assertions.Expect(page.Locator("[data-testid=import-result]")).ToHaveTextAsync("Imported 15 examples, 0 duplicates skipped.");

        var exampleId = await browser.App.QueryAsync(db => db.Examples.Where(e => e.Dataset!.ProjectId == projectId && e.Dataset.Name == "Urgency")
            .OrderBy(e => e.Id).Select(e => e.Id).FirstAsync());
        await page.GotoAsync($"projects/{projectId}/examples/{exampleId}");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=label-guides]")).ToContainTextAsync("Money or safety is at stake today");
        await Assertions.Expect(page.Locator("[data-testid=label-guides]")).ToContainTextAsync("My card was charged twice");
        var normal = page.Locator("[data-testid=label-chips] .mud-chip", new() { HasText = "normal" });
        await normal.HoverAsync();
        await Assertions.Expect(page.Locator(".mud-tooltip", new() { HasText = "Needs an answer this week" })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "MlLead-editor-label-guides");
        await normal.ClickAsync();
        await page.ClickAsync("[data-testid=save]");
        await Assertions.Expect(page.Locator(".mud-snackbar", new() { HasText = "Saved" }).First).ToBeVisibleAsync();
        (await browser.App.QueryAsync(db => db.Examples.Where(e => e.Id == exampleId).Select(e => e.Label).SingleAsync())).ShouldBe("normal");

        await page.GotoAsync($"projects/{projectId}/versions");
        await BrowserFixture.WaitForCircuitAsync(page);
        await PickAsync(page, "dataset-select", "Urgency");
        await page.ClickAsync("[data-testid=cut-version]");
        await Assertions.Expect(page.Locator("[data-testid=version-link-1]")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "MlLead-datasets-version-cut");

        // Archived, the dataset leaves the list; behind "show archived" it can come back.
        await page.GotoAsync($"projects/{projectId}/datasets");
        await BrowserFixture.WaitForCircuitAsync(page);
        var urgency = page.Locator("[data-testid=datasets-table] tr", new() { HasText = "Urgency" });
        await urgency.Locator("[data-testid=dataset-archive]").ClickAsync();
        await Assertions.Expect(urgency).ToHaveCountAsync(0);
        await Field(page, "datasets-show-archived").CheckAsync();
        await Assertions.Expect(urgency.Locator("[data-testid=dataset-archived]")).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "MlLead-datasets-archived");
        await urgency.Locator("[data-testid=dataset-restore]").ClickAsync();
        await Assertions.Expect(urgency.Locator("[data-testid=dataset-archived]")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}
