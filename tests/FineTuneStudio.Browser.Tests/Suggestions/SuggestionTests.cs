using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Suggestions;

[Collection(BrowserCollection.Name)]
public sealed class SuggestionTests(BrowserFixture browser)
{
    [Fact]
    public async Task Labeler_AcceptsTheSuggestedLabelWithY_AndTheQualityPageComparesWithAndWithout()
    {
        var (projectId, datasetId) = await browser.App.CreateImportTargetAsync(TaskKind.Classification, ["critical", "high", "normal", "low"]);
        var suggested = await browser.App.SeedExampleAsync(datasetId, StudioAppFactory.TicketInput("Payments fail for every customer"));
        var plain = await browser.App.SeedExampleAsync(datasetId, StudioAppFactory.TicketInput("Typo on the pricing page"));

        // The ML lead gives the suggestion from the quality page, as their own model's predictions file.
        var lead = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await lead.GotoAsync($"projects/{projectId}/quality");
        await BrowserFixture.WaitForCircuitAsync(lead);
        await lead.Locator("[data-testid=suggestion-file]").SetInputFilesAsync(new FilePayload
        {
            Name = "model.jsonl", MimeType = "application/jsonl",
            Buffer = System.Text.Encoding.UTF8.GetBytes($$"""{"example_id": {{suggested.Id}}, "label": "critical", "confidence": 0.9}"""),
        });
        await lead.Locator("[data-testid=suggestion-import]").ClickAsync();
        await Assertions.Expect(lead.Locator("[data-testid=suggestion-result]")).ToContainTextAsync("1 suggestions stored from file model.jsonl");
        await Assertions.Expect(lead.Locator("[data-testid=suggestion-progress]")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(lead, "suggestions-sources");

        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.Labeler));
        await page.GotoAsync($"projects/{projectId}/examples/queue?dataset={datasetId}");
        await page.Locator("[data-testid=queue-ready]").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("[data-testid=queue-example]")).ToContainTextAsync($"Example {suggested.Id} ");
        // The suggested chip is the selected one and says where it came from.
        var chip = page.Locator("[data-testid=queue-labels] .mud-chip", new() { HasText = "critical" });
        await Assertions.Expect(chip).ToContainTextAsync("suggested (file model.jsonl)");
        await Assertions.Expect(chip).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-chip-selected"));
        await Assertions.Expect(page.Locator("[data-testid=suggestion]")).ToContainTextAsync("Accept and submit (y)");
        await BrowserFixture.ScreenshotAsync(page, "suggestions-queue-preselected");

        await page.Keyboard.PressAsync("?");
        await Assertions.Expect(page.Locator("[data-testid=shortcut-help]")).ToContainTextAsync("accept the suggested label and submit");
        await page.Keyboard.PressAsync("Escape");
        await page.Keyboard.PressAsync("y");

        // The next example has no suggestion: nothing is pre-selected; the labeler picks "low" (key 4).
        await Assertions.Expect(page.Locator("[data-testid=queue-example]")).ToContainTextAsync($"Example {plain.Id} ");
        await Assertions.Expect(page.Locator("[data-testid=suggestion]")).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("4");
        await page.Keyboard.PressAsync("Control+Enter");
        await page.Locator("[data-testid=queue-empty]").WaitForAsync();

        var annotations = await browser.App.QueryAsync(db => db.Annotations.Where(a => a.ExampleId == suggested.Id || a.ExampleId == plain.Id)
            .OrderBy(a => a.ExampleId).Select(a => new { a.Label, a.SuggestedLabel, a.SuggestionSource, a.Submitted }).ToListAsync());
        annotations.ShouldBe([
            new { Label = (string?)"critical", SuggestedLabel = (string?)"critical", SuggestionSource = (string?)"file model.jsonl", Submitted = true },
            new { Label = (string?)"low", SuggestedLabel = (string?)null, SuggestionSource = (string?)null, Submitted = true },
        ]);

        await browser.App.RunQualityChecksAsync(datasetId);
        await lead.GotoAsync($"projects/{projectId}/quality");
        await BrowserFixture.WaitForCircuitAsync(lead);
        var comparison = lead.Locator("[data-testid=suggestion-comparison]");
        await Assertions.Expect(comparison.Locator("[data-testid=suggestion-accepted]")).ToContainTextAsync("1 of 1");
        await Assertions.Expect(comparison.Locator("[data-testid=suggestion-table] tbody tr").First).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"Submitted annotations\s*1\s*1"));
        await BrowserFixture.ScreenshotAsync(lead, "suggestions-quality-comparison");
    }
}
