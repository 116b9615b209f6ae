using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Examples;

/// <summary>A labeler working the queue reads what each label means beside the guidelines and on the chip itself.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LabelGuideTests(BrowserFixture browser)
{
    [Fact]
    public async Task Labeler_InTheQueue_SeesTheLabelGuidesListAndTheChipTooltip()
    {
        var dataset = await browser.App.CreateUrgencyDatasetAsync(requiredAnnotations: 1, labelGuides: new Dictionary<string, LabelGuide>
        {
            ["critical"] = new("An outage or lost money for many users", "Payments fail for everyone"),
            ["low"] = new("Cosmetic; no one is blocked", ""),
        });
        await browser.App.SeedExampleAsync(dataset.Id, StudioAppFactory.TicketInput("Payments fail for all users"));

        var page = await browser.SignedInPageAsync("labeler1@demo.local");
        await page.GotoAsync($"projects/{dataset.ProjectId}/examples/queue?dataset={dataset.Id}");
        await page.Locator("[data-testid=queue-ready]").WaitForAsync(new() { State = WaitForSelectorState.Attached });

        var guides = page.Locator("[data-testid=label-guide]");
        await Assertions.Expect(guides).ToHaveCountAsync(2);
        await Assertions.Expect(guides.First).ToContainTextAsync("critical");
        await Assertions.Expect(guides.First).ToContainTextAsync("For example: Payments fail for everyone");
        await page.Locator("[data-testid=queue-labels] .mud-chip", new() { HasText = "low" }).HoverAsync();
        await Assertions.Expect(page.Locator(".mud-tooltip", new() { HasText = "Cosmetic; no one is blocked" })).ToBeVisibleAsync();
        await BrowserFixture.ScreenshotAsync(page, "Labeler-queue-label-guides");
        await page.Context.CloseAsync();
    }
}
