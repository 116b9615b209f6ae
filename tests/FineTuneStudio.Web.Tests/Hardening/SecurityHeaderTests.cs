using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Hardening;

[Collection(StudioAppCollection.Name)]
public sealed class SecurityHeaderTests(StudioAppFactory app)
{
    [Theory]
    [InlineData("account/login")]
    [InlineData("api/projects")]
    [InlineData("health")]
    [InlineData("openapi/v1.json")]
    [InlineData("favicon.svg")]
    [InlineData("no-such-page")]
    public async Task AnyResponse_CarriesTheSecurityHeaders(string path)
    {
        using var client = app.Anonymous();
        var response = await client.GetAsync(path);

        Header(response, "X-Content-Type-Options").ShouldBe("nosniff");
        Header(response, "X-Frame-Options").ShouldBe("DENY");
        Header(response, "Referrer-Policy").ShouldBe("strict-origin-when-cross-origin");
        var csp = Header(response, "Content-Security-Policy");
        csp.ShouldContain("frame-ancestors 'none'");
        csp.ShouldContain("object-src 'none'");
    }

    [Fact]
    public async Task Page_PolicyAllowsOnlyOwnScriptsAndANewNonceEachTime()
    {
        using var client = app.Anonymous();
        var first = await client.GetAsync("account/login");
        var second = await client.GetAsync("account/login");

        var csp = Header(first, "Content-Security-Policy");
        csp.ShouldContain("default-src 'self'");
        csp.ShouldNotContain("unsafe-eval");
        var scripts = csp.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("script-src", StringComparison.Ordinal));
        scripts.ShouldNotContain("unsafe-inline");
        scripts.ShouldContain("'nonce-");

        // The import map is the only inline script, and it carries the nonce of its own response.
        var nonce = scripts.Split(' ').Single(s => s.StartsWith("'nonce-", StringComparison.Ordinal))["'nonce-".Length..^1];
        (await first.Content.ReadAsStringAsync()).ShouldContain($"nonce=\"{nonce}\"");
        Header(second, "Content-Security-Policy").ShouldNotContain(nonce);
    }

    [Fact]
    public async Task ApiDocs_HasItsOwnPolicyAndStillCannotBeFramed()
    {
        using var client = app.Anonymous();
        var response = await client.GetAsync("api-docs/");

        await response.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var csp = Header(response, "Content-Security-Policy");
        csp.ShouldContain("frame-ancestors 'none'");
        csp.ShouldNotContain("'nonce-");
    }

    [Fact]
    public async Task SignInPost_WithoutAntiforgeryToken_IsRejectedAndSignsNobodyIn()
    {
        using var client = app.Anonymous();
        var response = await client.PostAsync("account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "login",
            ["Input.Email"] = StudioAppFactory.Demo(StudioRoles.Admin),
            ["Input.Password"] = StudioAppFactory.DemoPassword,
        }));

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        response.Headers.Contains("Set-Cookie").ShouldBeFalse();
        await client.GetAsync("api/me").ShouldHaveStatusAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task SignOutPost_WithoutAntiforgeryToken_IsRejectedAndKeepsTheSession()
    {
        using var client = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.Labeler));
        var response = await client.PostAsync("account/logout", new FormUrlEncodedContent(new Dictionary<string, string>()));

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        await client.GetAsync("api/me").ShouldHaveStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task JsonBody_PastTheLimit_Is413WithAClearProblem()
    {
        var (client, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using (client)
        {
            // 1 MB is the JSON limit; a 1.5 MB project name is refused before it is read.
            var body = new StringContent(JsonSerializer.Serialize(new { name = new string('x', 1_500_000) }), Encoding.UTF8, "application/json");
            var response = await client.PostAsync("api/projects", body);

            await response.ShouldHaveStatusAsync(HttpStatusCode.RequestEntityTooLarge);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            problem.GetProperty("title").GetString().ShouldBe("The request body is too large");
            problem.GetProperty("detail").GetString().ShouldBe("JSON request bodies are limited to 1 MB; send large data as a file upload.");
        }
    }

    [Fact]
    public async Task Upload_PastTheUploadLimit_Is413WithTheImportMessage()
    {
        var (client, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using (client)
        {
            HttpResponseMessage response;
            // 1 KB limit plus the 64 KB envelope: a 100 KB file is over it on any upload endpoint.
            using (app.UploadLimit(1024))
            {
                using var form = new MultipartFormDataContent { { new ByteArrayContent(new byte[100 * 1024]), "file", "big.jsonl" } };
                response = await client.PostAsync("api/export/validate?target=openai-chat", form);
            }

            await response.ShouldHaveStatusAsync(HttpStatusCode.RequestEntityTooLarge);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            problem.GetProperty("detail").GetString().ShouldBe("The file is larger than the upload limit of 1 KB; split it into smaller files or import it with the fts command line.");
        }
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : throw new ShouldAssertException($"{name} is missing on {response.RequestMessage?.RequestUri} ({(int)response.StatusCode})");
}
