using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Admin;

/// <summary>An admin adds a training target with its price; the ML lead's cut form offers it and prices the cut with it.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TrainingTargetsBrowserTests(BrowserFixture browser)
{
    [Fact]
    public async Task Admin_AddsATarget_AndTheCutFormPricesWithIt()
    {
        var admin = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.Admin));
        await admin.GotoAsync("admin");
        await BrowserFixture.WaitForCircuitAsync(admin);
        await admin.GetByRole(AriaRole.Tab, new() { Name = "Training targets" }).ClickAsync();
        await admin.Locator("[data-testid=add-target]").ClickAsync();
        await admin.Locator("input[data-testid=target-key], [data-testid=target-key] input").FillAsync("acme-browser");
        await admin.Locator("input[data-testid=target-name], [data-testid=target-name] input").FillAsync("Acme browser chat");
        await admin.Locator("input[data-testid=target-price], [data-testid=target-price] input").FillAsync("40");
        await BrowserFixture.ScreenshotAsync(admin, "admin-add-target");
        await admin.Locator("[data-testid=save-target]").ClickAsync();
        var row = admin.Locator("[data-testid=target-table] tr", new() { HasText = "acme-browser" });
        await Assertions.Expect(row).ToContainTextAsync("openai-chat");
        await Assertions.Expect(row).ToContainTextAsync("40.00");

        var projectId = await browser.App.QueryAsync(db => db.Projects.Where(p => p.Name == "Support ticket triage").Select(p => p.Id).SingleAsync());
        var lead = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await lead.GotoAsync($"projects/{projectId}/versions");
        await BrowserFixture.WaitForCircuitAsync(lead);
        await BrowserFixture.ChooseTargetAsync(lead, "Acme browser chat");

        await Assertions.Expect(lead.Locator("[data-testid=target-format]")).ToContainTextAsync("openai-chat rules");
        await Assertions.Expect(lead.Locator("[data-testid=cut-estimate]")).ToContainTextAsync("at 40 USD per million training tokens");
        await BrowserFixture.ScreenshotAsync(lead, "versions-added-target");
    }
}
