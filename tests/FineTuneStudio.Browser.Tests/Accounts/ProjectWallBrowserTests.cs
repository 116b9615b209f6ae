using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Demo;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Accounts;

/// <summary>The walls between projects and the end of a disabled account, as people meet them in the browser.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ProjectWallBrowserTests(BrowserFixture browser)
{
    [Fact]
    public async Task Contractor_SeesOnlyTheirProject_AndAnotherProjectsAddressReadsNotFound()
    {
        var support = await ProjectIdAsync(DemoSeeder.SupportProjectName);
        var page = await browser.SignedInPageAsync("contractor@demo.local");

        await Assertions.Expect(page.Locator("[data-testid=project-card]")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("[data-testid=project-card]")).ToContainTextAsync(DemoSeeder.BrandProjectName);
        await BrowserFixture.ScreenshotAsync(page, "wall-contractor-projects");

        await page.GotoAsync($"projects/{support}/examples");
        await BrowserFixture.WaitForCircuitAsync(page);
        await Assertions.Expect(page.Locator("[data-testid=wall-not-found]")).ToContainTextAsync($"Project {support} was not found.");
        await Assertions.Expect(page.Locator("body")).Not.ToContainTextAsync("Ticket urgency");
        await BrowserFixture.ScreenshotAsync(page, "wall-contractor-other-project");
    }

    [Fact]
    public async Task Lead_AddsAMemberOnTheMembersPage_AndTheyFindTheProjectOnTheirNextVisit()
    {
        var email = await NewLabelerAsync();
        var brand = await ProjectIdAsync(DemoSeeder.BrandProjectName);
        var lead = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await lead.GotoAsync($"projects/{brand}");
        await BrowserFixture.WaitForCircuitAsync(lead);

        await lead.ClickAsync("[data-testid=nav-members]");
        await Assertions.Expect(lead.Locator("[data-testid=page-title]")).ToHaveTextAsync("Members");
        await Field(lead, "member-email").FillAsync(email);
        await lead.ClickAsync("[data-testid=member-add]");

        await Assertions.Expect(lead.Locator("[data-testid=member-table]")).ToContainTextAsync(email);
        await Assertions.Expect(lead.Locator("[data-testid=member-table]")).ToContainTextAsync("contractor@demo.local");
        await BrowserFixture.ScreenshotAsync(lead, "wall-members-page");
        var newcomer = await browser.SignedInPageAsync(email, "browser-pass-1");
        await Assertions.Expect(newcomer.Locator("[data-testid=project-card]")).ToContainTextAsync(DemoSeeder.BrandProjectName);
        await Assertions.Expect(newcomer.Locator("[data-testid=project-card]")).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Admin_DisablesAUser_TheirOpenTabEndsOnTheSignInPage_AndSignInIsRefused()
    {
        var brand = await ProjectIdAsync(DemoSeeder.BrandProjectName);
        var email = await NewLabelerAsync(joinProject: brand);
        var victim = await browser.SignedInPageAsync(email, "browser-pass-1");
        await victim.GotoAsync($"projects/{brand}/examples");
        await BrowserFixture.WaitForCircuitAsync(victim);
        await Assertions.Expect(victim.Locator("[data-testid=page-title]")).ToHaveTextAsync("Examples");

        var admin = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.Admin));
        await admin.GotoAsync("admin");
        await BrowserFixture.WaitForCircuitAsync(admin);
        await admin.ClickAsync($"[data-testid='user-disable-{email}']");
        await Assertions.Expect(admin.Locator($"[data-testid='user-status-{email}']")).ToHaveTextAsync("disabled");
        await BrowserFixture.ScreenshotAsync(admin, "wall-admin-disabled-user");

        // The open tab is re-checked every second in tests (every minute in production) and sent to sign in.
        await victim.WaitForURLAsync("**/account/login**", new PageWaitForURLOptions { Timeout = 15_000 });
        await victim.FillAsync("#email", email);
        await victim.FillAsync("#password", "browser-pass-1");
        await victim.ClickAsync("[data-testid=sign-in]");
        await Assertions.Expect(victim.Locator("[data-testid=login-error]")).ToContainTextAsync("This account is disabled");
        await BrowserFixture.ScreenshotAsync(victim, "wall-disabled-sign-in");
    }

    private Task<int> ProjectIdAsync(string name) =>
        browser.App.QueryAsync(db => db.Projects.Where(p => p.Name == name).Select(p => p.Id).SingleAsync());

    /// <summary>A labeler of the brand project, made for one test so disabling them touches nobody else.</summary>
    private async Task<string> NewLabelerAsync(int? joinProject = null)
    {
        var email = $"tab-{Guid.NewGuid():N}"[..16] + "@example.test";
        await browser.App.CreateUserAsync(email, [StudioRoles.Labeler], "browser-pass-1", displayName: "Tab Tester");
        if (joinProject is { } project)
        {
            await browser.App.AddMemberAsync(project, email);
        }

        return email;
    }

    private static ILocator Field(IPage page, string testId) =>
        page.Locator($"[data-testid={testId}] input, input[data-testid={testId}]").First;
}
