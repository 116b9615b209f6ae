using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Api;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Tests.Accounts;

/// <summary>Disabling, re-enabling, passwords and tokens, as an admin and the user would meet them.</summary>
[Collection(StudioAppCollection.Name)]
public sealed class AccountLifecycleTests(StudioAppFactory app)
{
    private const string Password = "life-pass-1";

    [Fact]
    public async Task Disable_StopsTokensAtOnce_TheCookieWithinTheCheck_AndSignIn_ThenEnableLetsThemBackWithoutOldTokens()
    {
        var (userId, email) = await NewUserAsync();
        using var admin = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.Admin));
        using var session = await app.SignInAsync(email, Password);
        var secret = await NewTokenAsync(session, "pipeline");
        using var bearer = app.BearerClient(secret);
        await bearer.GetAsync("api/me").ShouldHaveStatusAsync(HttpStatusCode.OK);
        await session.GetAsync("api/me").ShouldHaveStatusAsync(HttpStatusCode.OK);

        var disabled = await PostAsync(admin, $"api/users/{userId}/disable");

        await disabled.ShouldHaveStatusAsync(HttpStatusCode.OK);
        (await disabled.Content.ReadFromJsonAsync<UserSummary>())!.Disabled.ShouldBeTrue();
        await bearer.GetAsync("api/me").ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        (await WaitForStatusAsync(session, "api/me", HttpStatusCode.Unauthorized)).ShouldBeTrue("the signed-in cookie should stop at its next check");
        (await app.QueryAsync(db => db.ApiTokens.Where(t => t.UserId == userId).AllAsync(t => t.RevokedAt != null))).ShouldBeTrue();
        var (_, rightPassword) = await app.PostSignInAsync(email, Password);
        await rightPassword.ShouldHaveStatusAsync(HttpStatusCode.OK);
        (await rightPassword.Content.ReadAsStringAsync()).ShouldContain("This account is disabled");
        var (_, wrongPassword) = await app.PostSignInAsync(email, "not-the-password-1");
        (await wrongPassword.Content.ReadAsStringAsync()).ShouldNotContain("disabled", Case.Insensitive);

        await PostAsync(admin, $"api/users/{userId}/enable").ShouldHaveStatusAsync(HttpStatusCode.OK);

        using var again = await app.SignInAsync(email, Password);
        await again.GetAsync("api/me").ShouldHaveStatusAsync(HttpStatusCode.OK);
        await bearer.GetAsync("api/me").ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        var actions = await app.QueryAsync(db => db.AuditEvents.Where(a => a.EntityId == userId).Select(a => a.Action).ToListAsync());
        actions.ShouldContain("user.disable");
        actions.ShouldContain("user.enable");
    }

    [Fact]
    public async Task Disable_YourOwnAccount_Is400()
    {
        using var admin = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.Admin));
        var adminId = await app.QueryAsync(db => db.Users.Where(u => u.Email == StudioAppFactory.Demo(StudioRoles.Admin)).Select(u => u.Id).SingleAsync());

        var response = await PostAsync(admin, $"api/users/{adminId}/disable");

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("your own account");
    }

    [Fact]
    public async Task ChangePassword_NeedsTheCurrentOne_AndASession_ThenOnlyTheNewOneSignsIn_AndOtherSessionsEnd()
    {
        var (_, email) = await NewUserAsync();
        using var session = await app.SignInAsync(email, Password);
        using var otherTab = await app.SignInAsync(email, Password);
        using var bearer = app.BearerClient(await NewTokenAsync(session, "script"));

        var byToken = await bearer.PostAsJsonAsync("api/me/password", new { currentPassword = Password, newPassword = "taken-over-1" });
        var wrong = await PostJsonAsync(session, "api/me/password", new { currentPassword = "guess-1234", newPassword = "new-pass-22" });
        var weak = await PostJsonAsync(session, "api/me/password", new { currentPassword = Password, newPassword = "short" });
        var changed = await PostJsonAsync(session, "api/me/password", new { currentPassword = Password, newPassword = "new-pass-22" });

        await byToken.ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        (await byToken.Content.ReadAsStringAsync()).ShouldContain("signed-in session");
        await wrong.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await wrong.Content.ReadAsStringAsync()).ShouldContain("currentPassword");
        await weak.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await weak.Content.ReadAsStringAsync()).ShouldContain("newPassword");
        await changed.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        (await app.PostSignInAsync(email, Password)).Response.StatusCode.ShouldBe(HttpStatusCode.OK, "the old password shows the form again");
        await (await app.PostSignInAsync(email, "new-pass-22")).Response.ShouldHaveStatusAsync(HttpStatusCode.Redirect);
        (await WaitForStatusAsync(otherTab, "api/me", HttpStatusCode.Unauthorized)).ShouldBeTrue("a session made with the old password should end");
    }

    [Fact]
    public async Task AdminReset_GivesANewPasswordOnce_ThatSignsIn_AndTheOldOneNoLonger()
    {
        var (userId, email) = await NewUserAsync();
        using var admin = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.Admin));

        var reset = await PostAsync(admin, $"api/users/{userId}/password-reset");

        await reset.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var password = (await reset.Content.ReadFromJsonAsync<PasswordResetResponse>())!.Password;
        password.Length.ShouldBeGreaterThanOrEqualTo(16);
        await (await app.PostSignInAsync(email, password)).Response.ShouldHaveStatusAsync(HttpStatusCode.Redirect);
        await (await app.PostSignInAsync(email, Password)).Response.ShouldHaveStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Tokens_ExpireAfterTheirDays_AreMadeOnlyFromASession_AndAdminsListAndRevokeAnyone()
    {
        var (_, email) = await NewUserAsync();
        using var session = await app.SignInAsync(email, Password);
        var created = await PostJsonAsync(session, "api/tokens", new { name = "default life" });
        var token = (await created.Content.ReadFromJsonAsync<CreatedApiToken>())!;
        var tooLong = await PostJsonAsync(session, "api/tokens", new { name = "forever", expiresInDays = 366 });
        using var bearer = app.BearerClient(token.Secret);
        var minted = await bearer.PostAsJsonAsync("api/tokens", new { name = "minted by a token" });

        (token.Token.ExpiresAt - token.Token.CreatedAt).ShouldBe(TimeSpan.FromDays(90));
        await tooLong.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await tooLong.Content.ReadAsStringAsync()).ShouldContain("expiresInDays");
        await minted.ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await bearer.GetAsync("api/me").ShouldHaveStatusAsync(HttpStatusCode.OK);

        using var admin = app.BearerClient(await NewTokenAsync(await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.Admin)), "admin review"));
        var all = (await admin.GetFromJsonAsync<List<ApiTokenSummary>>("api/admin/tokens"))!;
        all.ShouldContain(t => t.Id == token.Token.Id && t.OwnerEmail == email && t.LastUsedAt != null);
        await admin.DeleteAsync($"api/admin/tokens/{token.Token.Id}").ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await bearer.GetAsync("api/me").ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);

        var short1 = (await (await PostJsonAsync(session, "api/tokens", new { name = "short", expiresInDays = 1 })).Content.ReadFromJsonAsync<CreatedApiToken>())!;
        using var shortLived = app.BearerClient(short1.Secret);
        await shortLived.GetAsync("api/me").ShouldHaveStatusAsync(HttpStatusCode.OK);
        await app.QueryAsync(db => db.ApiTokens.Where(t => t.Id == short1.Token.Id).ExecuteUpdateAsync(t => t.SetProperty(x => x.ExpiresAt, DateTime.UtcNow.AddSeconds(-1))));
        (await shortLived.GetAsync("api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "an expired token stops");
    }

    [Fact]
    public async Task RoleChange_EndsTheOpenSessionWithinTheCheck_AndTheNextSignInHasTheNewRole()
    {
        var (userId, email) = await NewUserAsync();
        using var session = await app.SignInAsync(email, Password);
        using var admin = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.Admin));
        await session.GetAsync("api/users").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);

        await PutJsonAsync(admin, $"api/users/{userId}/roles", new { roles = new[] { StudioRoles.Admin } }).ShouldHaveStatusAsync(HttpStatusCode.NoContent);

        (await WaitForStatusAsync(session, "api/users", HttpStatusCode.Unauthorized)).ShouldBeTrue("the session with the old role should end");
        using var again = await app.SignInAsync(email, Password);
        await again.GetAsync("api/users").ShouldHaveStatusAsync(HttpStatusCode.OK);
    }

    // ---- helpers ----

    private async Task<(string Id, string Email)> NewUserAsync()
    {
        var email = $"life-{Guid.NewGuid():N}@example.test";
        return (await app.CreateUserAsync(email, [StudioRoles.Labeler], Password), email);
    }

    private static async Task<string> NewTokenAsync(HttpClient session, string name)
    {
        var response = await PostJsonAsync(session, "api/tokens", new { name });
        await response.ShouldSucceedAsync();
        return (await response.Content.ReadFromJsonAsync<CreatedApiToken>())!.Secret;
    }

    /// <summary>Polls until the check interval (a second in tests) has passed and the answer changed; false after 15 s.</summary>
    private static async Task<bool> WaitForStatusAsync(HttpClient client, string url, HttpStatusCode wanted)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await client.GetAsync(url);
            if (response.StatusCode == wanted)
            {
                return true;
            }

            await Task.Delay(200);
        }

        return false;
    }

    // Cookie sessions send the antiforgery header the app's pages send, so these calls pass whatever antiforgery rule applies.
    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string url) => client.PostAsync(url, null);

    private static Task<HttpResponseMessage> PostJsonAsync(HttpClient client, string url, object body) => client.PostAsJsonAsync(url, body);

    private static Task<HttpResponseMessage> PutJsonAsync(HttpClient client, string url, object body) => client.PutAsJsonAsync(url, body);
}
