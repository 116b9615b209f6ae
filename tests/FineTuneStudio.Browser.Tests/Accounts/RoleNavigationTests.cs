using FineTuneStudio.Browser.Tests.Support;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;

namespace FineTuneStudio.Browser.Tests.Accounts;

[Collection(BrowserCollection.Name)]
public sealed class RoleNavigationTests(BrowserFixture browser)
{
    public static TheoryData<string, string[], string[], string?> Roles => new()
    {
        { StudioRoles.Admin, ["overview", "readiness", "examples", "quality", "versions", "feedback", "evaluation", "reviews", "admin"], [], null },
        { StudioRoles.ProductOwner, ["overview", "readiness", "evaluation"], ["examples", "quality", "versions", "feedback", "reviews", "admin"], "examples" },
        { StudioRoles.MlLead, ["overview", "readiness", "examples", "quality", "versions", "feedback", "evaluation", "reviews"], ["admin"], "admin" },
        // The domain experts judge blind A/B pairs, without the evaluation pages that name the runs.
        { StudioRoles.Labeler, ["overview", "examples", "reviews"], ["readiness", "quality", "versions", "feedback", "evaluation", "admin"], "readiness" },
    };

    [Theory]
    [MemberData(nameof(Roles))]
    public async Task DemoRole_SignsIn_OpensEveryItemItMaySee_AndIsDeniedTheRest(string role, string[] visible, string[] hidden, string? forbidden)
    {
        var projectId = await browser.App.QueryAsync(db => db.Projects.Where(p => p.Name == "Support ticket triage").Select(p => p.Id).SingleAsync());
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(role));

        await page.Locator("[data-testid=project-card]").First.WaitForAsync();
        await BrowserFixture.ScreenshotAsync(page, $"{role}-projects");

        await page.ClickAsync($"[data-testid=project-card]:has-text('Support ticket triage') [data-testid=open-project]");
        await page.WaitForURLAsync($"**/projects/{projectId}");
        await Assertions.Expect(page.Locator("[data-testid=page-title]")).ToHaveTextAsync("Support ticket triage");
        // The retraining card fills in after the other figures.
        await Assertions.Expect(page.Locator("[data-testid=stat-retraining]")).Not.ToContainTextAsync("checking drift");

        foreach (var item in visible)
        {
            await page.ClickAsync($"[data-testid=nav-{item}]");
            var title = item switch
            {
                "overview" => "Support ticket triage",
                "feedback" => "Production feedback",
                "reviews" => "Blind reviews",
                _ => char.ToUpperInvariant(item[0]) + item[1..],
            };
            await Assertions.Expect(page.Locator("[data-testid=page-title]")).ToHaveTextAsync(title);
            await Assertions.Expect(page.Locator("[data-testid=access-denied]")).ToHaveCountAsync(0);
            await BrowserFixture.ScreenshotAsync(page, $"{role}-{item}");
        }

        if (visible.Contains("quality"))
        {
            // Reviewers reach the import page from the example list.
            await page.GotoAsync($"projects/{projectId}/examples");
            await BrowserFixture.WaitForCircuitAsync(page);
            await page.ClickAsync("[data-testid=open-import]");
            await Assertions.Expect(page.Locator("[data-testid=page-title]")).ToHaveTextAsync("Import examples");
        }

        foreach (var item in hidden)
        {
            await Assertions.Expect(page.Locator($"[data-testid=nav-{item}]")).ToHaveCountAsync(0);
        }

        if (forbidden is not null)
        {
            var path = forbidden == "admin" ? "admin" : $"projects/{projectId}/{forbidden}";
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator("[data-testid=access-denied]").First).ToBeVisibleAsync();
            await BrowserFixture.ScreenshotAsync(page, $"{role}-denied-{forbidden}");
        }

        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignIn_WithWrongPassword_ShowsAnErrorAndStaysOnTheForm()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync("account/login");
        await page.FillAsync("#email", StudioAppFactory.Demo(StudioRoles.Labeler));
        await page.FillAsync("#password", "not-the-password-1");
        await page.ClickAsync("[data-testid=sign-in]");
        await Assertions.Expect(page.Locator("[data-testid=login-error]")).ToContainTextAsync("not right");
        await BrowserFixture.ScreenshotAsync(page, "sign-in-error");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SignOut_FromTheAccountMenu_ReturnsToSignIn()
    {
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.ClickAsync("[data-testid=account-menu] button");
        await page.ClickAsync("[data-testid=sign-out]");
        await page.WaitForURLAsync("**/account/login");
        await page.GotoAsync("");
        await page.WaitForURLAsync("**/account/login**");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Profile_CreatesAndRevokesAnApiToken()
    {
        var page = await browser.SignedInPageAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        await page.GotoAsync("account/profile");
        await BrowserFixture.WaitForCircuitAsync(page);
        await page.FillAsync("input[data-testid=token-name], [data-testid=token-name] input", "nightly export");
        await page.ClickAsync("[data-testid=token-create]");
        var secret = await page.Locator("[data-testid=token-secret]").InnerTextAsync();
        secret.ShouldStartWith("fts_");
        await Assertions.Expect(page.Locator("[data-testid=token-table]")).ToContainTextAsync("nightly export");
        await BrowserFixture.ScreenshotAsync(page, "profile-token");

        using (var client = browser.App.BearerClient(secret))
        {
            await client.GetAsync("api/me").ShouldSucceedAsync();
            await page.ClickAsync("[data-testid=token-table] button:has-text('Revoke')");
            await Assertions.Expect(page.Locator("[data-testid=token-table]")).ToContainTextAsync("revoked");
            (await client.GetAsync("api/me")).StatusCode.ShouldBe(System.Net.HttpStatusCode.Unauthorized);
        }

        await page.Context.CloseAsync();
    }
}
