using System.Net;
using System.Text;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Api;

/// <summary>A JSON body that leaves every field out is bad input: 400 naming the fields, never a 500.</summary>
[Collection(StudioAppCollection.Name)]
public sealed class EmptyBodyTests(StudioAppFactory app)
{
    [Theory]
    [InlineData("api/tokens", "{}", "name")]
    [InlineData("api/users", "{}", "email")]
    [InlineData("api/datasets", "{\"projectId\": PROJECT}", "dataset")]
    public async Task FieldsLeftOut_Are400NamingThem(string url, string body, string field)
    {
        var (admin, _, _) = await app.TokenClientAsync(StudioRoles.Admin);
        using var _ = admin;
        // api/tokens needs a signed-in session; the others take the admin's token.
        using var session = url == "api/tokens" ? await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.Admin)) : null;

        body = body.Replace("PROJECT", (await app.TicketProjectIdAsync()).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var response = await (session ?? admin).PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"));

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain(field);
    }
}
