using System.Net;
using System.Net.Http.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Api;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Tests.Accounts;

[Collection(StudioAppCollection.Name)]
public sealed class AuthorizationTests(StudioAppFactory app)
{
    [Theory]
    [InlineData("/")]
    [InlineData("/projects/1")]
    [InlineData("/admin")]
    [InlineData("/account/profile")]
    public async Task Page_Anonymous_RedirectsToSignIn(string path)
    {
        using var client = app.Anonymous();
        var response = await client.GetAsync(path.TrimStart('/'));
        await response.ShouldHaveStatusAsync(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldContain("/account/login");
    }

    [Theory]
    [InlineData("api/projects")]
    [InlineData("api/datasets?projectId=1")]
    [InlineData("api/me")]
    [InlineData("api/users")]
    public async Task Api_Anonymous_Is401NotARedirect(string path)
    {
        using var client = app.Anonymous();
        var response = await client.GetAsync(path);
        await response.ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SignInPage_HealthAndOpenApi_AreOpenToAnonymous()
    {
        using var client = app.Anonymous();
        await client.GetAsync("account/login").ShouldHaveStatusAsync(HttpStatusCode.OK);
        (await client.GetStringAsync("health")).ShouldBe("Healthy");
        var openApi = await client.GetStringAsync("openapi/v1.json");
        openApi.ShouldContain("/api/projects");
        openApi.ShouldContain("/api/datasets");
        openApi.ShouldContain("bearer");
    }

    [Theory]
    [InlineData(StudioRoles.Labeler, "admin")]
    [InlineData(StudioRoles.Labeler, "projects/1/readiness")]
    [InlineData(StudioRoles.ProductOwner, "projects/1/examples")]
    [InlineData(StudioRoles.MlLead, "admin")]
    public async Task Page_WrongRole_GoesToAccessDenied(string role, string path)
    {
        using var client = await app.SignInAsync(StudioAppFactory.Demo(role));
        var response = await client.GetAsync(path);
        await response.ShouldHaveStatusAsync(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldContain("/account/access-denied");
    }

    [Theory]
    [InlineData(StudioRoles.Admin, "admin")]
    [InlineData(StudioRoles.ProductOwner, "projects/1/readiness")]
    [InlineData(StudioRoles.Labeler, "projects/1/examples")]
    [InlineData(StudioRoles.MlLead, "projects/1/quality")]
    public async Task Page_AllowedRole_Opens(string role, string path)
    {
        using var client = await app.SignInAsync(StudioAppFactory.Demo(role));
        var response = await client.GetAsync(path);
        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Api_WrongRole_Is403()
    {
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        using (labeler)
        {
            await labeler.GetAsync("api/users").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
            await labeler.PostAsJsonAsync("api/projects", new { name = "Not allowed" }).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
            await labeler.GetAsync("api/projects").ShouldHaveStatusAsync(HttpStatusCode.OK);
        }

        (await app.QueryAsync(db => db.Projects.CountAsync(p => p.Name == "Not allowed"))).ShouldBe(0);
    }

    [Fact]
    public async Task ApiToken_Works_UntilRevoked()
    {
        var (client, tokenId, secret) = await app.TokenClientAsync(StudioRoles.MlLead);
        using (client)
        {
            var me = await client.GetFromJsonAsync<MeResponse>("api/me");
            me!.Email.ShouldBe(StudioAppFactory.Demo(StudioRoles.MlLead));
            me.Roles.ShouldBe([StudioRoles.MlLead]);

            await client.DeleteAsync($"api/tokens/{tokenId}").ShouldHaveStatusAsync(HttpStatusCode.NoContent);
            await client.GetAsync("api/me").ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        }

        // The database keeps only a hash of the secret.
        var stored = await app.QueryAsync(db => db.ApiTokens.SingleAsync(t => t.Id == tokenId));
        stored.SecretHash.ShouldNotContain(secret);
        stored.SecretHash.Length.ShouldBe(64);
        stored.RevokedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task ApiToken_Unknown_Is401()
    {
        using var client = app.BearerClient("fts_not-a-real-token");
        await client.GetAsync("api/projects").ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SignIn_WrongPassword_ShowsErrorWithoutSigningIn()
    {
        var (client, response) = await app.PostSignInAsync(StudioAppFactory.Demo(StudioRoles.ProductOwner), "wrong-password-1");
        using (client)
        {
            await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
            (await response.Content.ReadAsStringAsync()).ShouldContain("The e-mail or password is not right.");
            await client.GetAsync("api/me").ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task SignIn_AfterRepeatedFailures_LocksTheAccountOut()
    {
        using var admin = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.Admin));
        var email = $"lockout-{Guid.NewGuid():N}@example.test";
        await admin.PostAsJsonAsync("api/users", new { email, roles = new[] { "Labeler" }, password = "right-pass-1" }).ShouldHaveStatusAsync(HttpStatusCode.Created);

        for (var attempt = 0; attempt < StudioIdentity.MaxFailedSignIns; attempt++)
        {
            var (failed, _) = await app.PostSignInAsync(email, "wrong-pass-1");
            failed.Dispose();
        }

        var (client, response) = await app.PostSignInAsync(email, "right-pass-1");
        using (client)
        {
            await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
            (await response.Content.ReadAsStringAsync()).ShouldContain("locked");
        }
    }
}
