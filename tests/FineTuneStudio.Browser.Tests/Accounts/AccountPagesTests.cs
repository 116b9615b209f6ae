using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Accounts;

/// <summary>The profile's password and token forms, and the admin's view of everyone's tokens.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AccountPagesTests(BrowserFixture browser)
{
    private const string Password = "profile-pass-1";

    [Fact]
    public async Task User_MakesAWeekLongToken_AndChangesTheirPassword_ThenAnAdminRevokesTheToken()
    {
        var email = $"profile-{Guid.NewGuid():N}"[..20] + "@example.test";
        await browser.App.CreateUserAsync(email, [StudioRoles.Labeler], Password, displayName: "Pat Profile");

        var page = await browser.SignedInPageAsync(email, Password);
        await page.GotoAsync("account/profile");
        await BrowserFixture.WaitForCircuitAsync(page);

        await Field(page, "token-name").FillAsync("weekly sync");
        await page.ClickAsync("[data-testid=token-days]");
        await page.Locator(".mud-popover-open .mud-list-item", new PageLocatorOptions { HasText = "7 days" }).ClickAsync();
        // The choice reaches the server in its own round trip: under load a create sent before it lands would keep the default 90 days.
        await Assertions.Expect(page.Locator(".mud-popover-open")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".mud-select", new() { Has = page.Locator("[data-testid=token-days]") }).First).ToContainTextAsync("7 days");
        await page.ClickAsync("[data-testid=token-create]");
        await Assertions.Expect(page.Locator("[data-testid=token-secret]")).ToContainTextAsync(ApiTokenService.SecretPrefix);
        await Assertions.Expect(page.Locator("[data-testid=token-table]")).ToContainTextAsync($"{DateTime.UtcNow.AddDays(7):yyyy-MM-dd}");

        await Field(page, "password-current").FillAsync("not-my-password-1");
        await Field(page, "password-new").FillAsync("profile-pass-2");
        await page.ClickAsync("[data-testid=password-change]");
        await Assertions.Expect(page.Locator(".mud-alert, .error-text, [role=alert]").Filter(new LocatorFilterOptions { HasText = "current password is not right" })).ToHaveCountAsync(1);
        await BrowserFixture.ScreenshotAsync(page, "profile-token-and-password");
        await Field(page, "password-current").FillAsync(Password);
        await page.ClickAsync("[data-testid=password-change]");

        // The stamp is renewed: this tab ends too (at its next check, a second in tests) and the new password signs in.
        await page.WaitForURLAsync("**/account/login**", new PageWaitForURLOptions { Timeout = 15_000 });
        var again = await browser.SignedInPageAsync(email, "profile-pass-2");
        await Assertions.Expect(again.Locator("[data-testid=no-projects]")).ToContainTextAsync("not a member of any project yet");

        var admin = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.Admin));
        await admin.GotoAsync("admin");
        await BrowserFixture.WaitForCircuitAsync(admin);
        await admin.ClickAsync("text=API tokens");
        var row = admin.Locator("[data-testid=token-table] tr", new PageLocatorOptions { HasText = email });
        await Assertions.Expect(row).ToContainTextAsync("weekly sync");
        await row.Locator("button", new LocatorLocatorOptions { HasText = "Revoke" }).ClickAsync();
        await Assertions.Expect(row).ToContainTextAsync("revoked");
        await BrowserFixture.ScreenshotAsync(admin, "admin-tokens");
    }

    private static ILocator Field(IPage page, string testId) =>
        page.Locator($"[data-testid={testId}] input, input[data-testid={testId}]").First;
}
