using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Hardening;

[Collection(StudioAppCollection.Name)]
public sealed class ApiTokenRoleChangeTests(StudioAppFactory app)
{
    [Fact]
    public async Task RoleChange_AppliesToTheUsersTokenOnTheNextCall()
    {
        using var admin = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.Admin));
        var email = $"roles-{Guid.NewGuid():N}@example.test";
        var created = await admin.PostAsJsonAsync("api/users", new { email, roles = new[] { StudioRoles.Labeler }, password = "roles-pass-1" });
        var userId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var cookie = await app.SignInAsync(email, "roles-pass-1");
        var token = (await (await cookie.PostAsJsonAsync("api/tokens", new { name = "roles" })).Content.ReadFromJsonAsync<CreatedApiToken>())!;
        using var client = app.BearerClient(token.Secret);

        await client.GetAsync("api/users").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await admin.PutAsJsonAsync($"api/users/{userId}/roles", new { roles = new[] { StudioRoles.Admin } }).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await client.GetAsync("api/users").ShouldHaveStatusAsync(HttpStatusCode.OK);
        await admin.PutAsJsonAsync($"api/users/{userId}/roles", new { roles = new[] { StudioRoles.Labeler } }).ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await client.GetAsync("api/users").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
    }
}
