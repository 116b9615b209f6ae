using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Tests.Accounts;

/// <summary>Every password sign-in leaves an audit event; the page never tells whether an e-mail has an account.</summary>
[Collection(StudioAppCollection.Name)]
public sealed partial class SignInAuditTests(StudioAppFactory app)
{
    [Fact]
    public async Task SignIn_RightPassword_IsAuditedAsSuccessUnderTheUserWithTheAddress()
    {
        var email = StudioAppFactory.Demo(StudioRoles.ProductOwner);
        var since = await LastAuditIdAsync();

        using var client = await app.SignInAsync(email);

        var userId = await app.QueryAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync());
        var audit = (await SignInsSinceAsync(since)).ShouldHaveSingleItem();
        audit.Action.ShouldBe("signin.success");
        audit.UserId.ShouldBe(userId);
        audit.UserName.ShouldBe(email);
        audit.EntityType.ShouldBe(nameof(StudioUser));
        audit.EntityId.ShouldBe(userId);
        audit.Summary.ShouldBe("from 127.0.0.1");
    }

    [Fact]
    public async Task SignIn_WrongPassword_IsAuditedAsFailureUnderTheUser()
    {
        var email = StudioAppFactory.Demo(StudioRoles.MlLead);
        var since = await LastAuditIdAsync();

        var (client, _) = await app.PostSignInAsync(email, "not-the-password-1");
        client.Dispose();

        var audit = (await SignInsSinceAsync(since)).ShouldHaveSingleItem();
        audit.Action.ShouldBe("signin.failure");
        audit.UserName.ShouldBe(email);
        audit.UserId.ShouldNotBeNull();
        audit.Summary.ShouldBe("wrong password, from 127.0.0.1");
    }

    [Fact]
    public async Task SignIn_UnknownEmail_IsAuditedUnderTheEmailTriedNormalized()
    {
        var tried = $"Nobody-{Guid.NewGuid():N}@Example.TEST";
        var since = await LastAuditIdAsync();

        var (client, _) = await app.PostSignInAsync(tried, "not-the-password-1");
        client.Dispose();

        var audit = (await SignInsSinceAsync(since)).ShouldHaveSingleItem();
        audit.Action.ShouldBe("signin.failure");
        audit.UserId.ShouldBeNull();
        audit.UserName.ShouldBe(tried.ToLowerInvariant());
        audit.Summary.ShouldBe("unknown account, from 127.0.0.1");
    }

    [Fact]
    public async Task SignIn_LockedAccount_IsAuditedAsLockoutAndReadsLikeAnUnknownEmail()
    {
        var email = $"locked-{Guid.NewGuid():N}@example.test";
        var (admin, _, _) = await app.TokenClientAsync(StudioRoles.Admin);
        using (admin)
        {
            await admin.PostAsJsonAsync("api/users", new { email, roles = new[] { "Labeler" }, password = "right-pass-1" }).ShouldHaveStatusAsync(HttpStatusCode.Created);
        }

        var since = await LastAuditIdAsync();
        var wrongPassword = "";
        for (var attempt = 0; attempt < StudioIdentity.MaxFailedSignIns; attempt++)
        {
            wrongPassword = await SignInErrorAsync(email, "wrong-pass-1");
        }

        var locked = await SignInErrorAsync(email, "right-pass-1");
        var unknown = await SignInErrorAsync($"nobody-{Guid.NewGuid():N}@example.test", "right-pass-1");

        var actions = (await SignInsSinceAsync(since)).Where(a => a.UserName == email).Select(a => a.Action).ToList();
        actions.ShouldBe([.. Enumerable.Repeat("signin.failure", StudioIdentity.MaxFailedSignIns - 1), "signin.lockout", "signin.lockout"]);
        // A stranger cannot tell a locked account from a wrong password or an e-mail with no account.
        locked.ShouldBe(unknown);
        wrongPassword.ShouldBe(unknown);
        unknown.ShouldContain("locked");
    }

    /// <summary>Posts the form, checks that nobody got signed in, and returns the error the page shows.</summary>
    private async Task<string> SignInErrorAsync(string email, string password)
    {
        var (client, response) = await app.PostSignInAsync(email, password);
        using (client)
        {
            await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
            await client.GetAsync("api/me").ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
            var error = LoginError().Match(await response.Content.ReadAsStringAsync()).Groups["text"].Value;
            error.ShouldNotBeNullOrWhiteSpace();
            return error;
        }
    }

    private async Task<long> LastAuditIdAsync() => await app.QueryAsync(db => db.AuditEvents.MaxAsync(a => (long?)a.Id)) ?? 0;

    private Task<List<AuditEvent>> SignInsSinceAsync(long since) =>
        app.QueryAsync(db => db.AuditEvents.AsNoTracking().Where(a => a.Id > since && a.Action.StartsWith("signin.")).OrderBy(a => a.Id).ToListAsync());

    [GeneratedRegex("data-testid=\"login-error\">(?<text>[^<]*)<")]
    private static partial Regex LoginError();
}
