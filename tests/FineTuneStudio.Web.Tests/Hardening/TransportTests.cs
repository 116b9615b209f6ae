using System.Net;
using System.Text.RegularExpressions;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Infrastructure;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Tests.Hardening;

/// <summary>The app as deployed: Production, behind a reverse proxy on this machine (127.0.0.1) that terminates TLS.</summary>
public sealed class ProxiedProductionAppFactory : StudioAppFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Production");
        builder.UseSetting("Studio:ForwardedHeaders:Enabled", "true");
        builder.UseSetting("Studio:ForwardedHeaders:KnownProxies:0", "127.0.0.1");
    }
}

public sealed class ProxiedProductionTransportTests(ProxiedProductionAppFactory app) : IClassFixture<ProxiedProductionAppFactory>
{
    [Fact]
    public async Task SignIn_ThroughAnHttpsProxy_SetsSecureCookiesAndHstsAndAuditsTheClientsAddress()
    {
        var since = await TransportSignIn.LastAuditIdAsync(app);
        using var browser = new TransportSignIn(app.BaseAddress, forwardedProto: "https", forwardedFor: "203.0.113.7");

        var (page, signIn) = await browser.SignInAsync(StudioAppFactory.Demo(StudioRoles.Admin), StudioAppFactory.DemoPassword);

        await signIn.ShouldHaveStatusAsync(HttpStatusCode.Redirect);
        TransportSignIn.SetCookie(page, ".AspNetCore.Antiforgery.").ShouldContain("secure", Case.Insensitive);
        TransportSignIn.SetCookie(signIn, "fts.auth=").ShouldContain("secure", Case.Insensitive);
        TransportSignIn.Hsts(page).ShouldNotBeNull().ShouldStartWith("max-age=");
        TransportSignIn.Hsts(signIn).ShouldNotBeNull().ShouldStartWith("max-age=");
        (await TransportSignIn.SignInSummariesSinceAsync(app, since)).ShouldBe(["signin.success from 203.0.113.7"]);
    }

    [Fact]
    public void Cookies_InProduction_AreSecureEvenOnAPlainHttpRequest()
    {
        // Over the forwarded https above SameAsRequest would look the same; this is what holds if a request ever arrives as http.
        TransportSignIn.SignInCookiePolicy(app).ShouldBe(CookieSecurePolicy.Always);
        app.AntiforgeryCookieSecurePolicy().ShouldBe(CookieSecurePolicy.Always);
    }
}

[Collection(StudioAppCollection.Name)]
public sealed class DevelopmentTransportTests(StudioAppFactory app)
{
    [Fact]
    public async Task SignIn_InDevelopmentWithForwardingOff_WorksOverHttpAndIgnoresForwardedHeaders()
    {
        var since = await TransportSignIn.LastAuditIdAsync(app);
        using var browser = new TransportSignIn(app.BaseAddress, forwardedProto: "https", forwardedFor: "198.51.100.23");

        var (page, signIn) = await browser.SignInAsync(StudioAppFactory.Demo(StudioRoles.Labeler), StudioAppFactory.DemoPassword);

        // Plain http keeps working for the local demo; the forwarded scheme and address are not believed.
        await signIn.ShouldHaveStatusAsync(HttpStatusCode.Redirect);
        TransportSignIn.SetCookie(signIn, "fts.auth=").ShouldNotContain("secure", Case.Insensitive);
        TransportSignIn.Hsts(page).ShouldBeNull();
        TransportSignIn.Hsts(signIn).ShouldBeNull();
        (await TransportSignIn.SignInSummariesSinceAsync(app, since)).ShouldBe(["signin.success from 127.0.0.1"]);
        TransportSignIn.SignInCookiePolicy(app).ShouldBe(CookieSecurePolicy.SameAsRequest);
    }
}

public sealed class ForwardedHeadersSettingsTests
{
    [Fact]
    public void ApplyTo_WithAProxyListed_TrustsOnlyThatProxyInsteadOfLoopback()
    {
        var options = new ForwardedHeadersOptions();
        new ForwardedHeadersSettings { Enabled = true, KnownProxies = ["10.0.0.5"], KnownNetworks = ["192.168.0.0/16"] }.ApplyTo(options);

        options.KnownProxies.ShouldBe([IPAddress.Parse("10.0.0.5")]);
        options.KnownIPNetworks.Select(n => n.ToString()).ShouldBe(["192.168.0.0/16"]);
    }

    [Fact]
    public void ApplyTo_WithNothingListed_KeepsTheLoopbackDefault()
    {
        var options = new ForwardedHeadersOptions();
        new ForwardedHeadersSettings { Enabled = true }.ApplyTo(options);

        options.KnownProxies.ShouldContain(IPAddress.IPv6Loopback);
        options.KnownIPNetworks.Select(n => n.ToString()).ShouldContain("127.0.0.0/8");
    }

    [Theory]
    [InlineData("proxy.internal", "10.0.0.0/8")]
    [InlineData("10.0.0.5", "10.0.0.0")]
    public void IsValid_NamesOrBadRanges_AreRefused(string proxy, string network) =>
        new ForwardedHeadersSettings { KnownProxies = [proxy], KnownNetworks = [network] }.IsValid().ShouldBeFalse();
}

/// <summary>
/// Signs in the way a browser behind a proxy does, keeping cookies by hand: HttpClient's cookie jar would not
/// send a Secure cookie back over the http hop between the proxy and the app.
/// </summary>
internal sealed partial class TransportSignIn(Uri baseAddress, string forwardedProto, string forwardedFor) : IDisposable
{
    private readonly HttpClient _client = new(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = baseAddress };
    private readonly Dictionary<string, string> _cookies = [];

    public async Task<(HttpResponseMessage Page, HttpResponseMessage SignIn)> SignInAsync(string email, string password)
    {
        var page = await SendAsync(new HttpRequestMessage(HttpMethod.Get, "account/login"));
        await page.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var token = AntiforgeryField().Match(await page.Content.ReadAsStringAsync()).Groups["token"].Value;
        var signIn = await SendAsync(new HttpRequestMessage(HttpMethod.Post, "account/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "login",
                ["__RequestVerificationToken"] = token,
                ["Input.Email"] = email,
                ["Input.Password"] = password,
            }),
        });
        return (page, signIn);
    }

    public void Dispose() => _client.Dispose();

    public static string SetCookie(HttpResponseMessage response, string prefix) =>
        response.Headers.TryGetValues("Set-Cookie", out var values) && values.FirstOrDefault(v => v.StartsWith(prefix, StringComparison.Ordinal)) is { } cookie
            ? cookie
            : throw new ShouldAssertException($"no Set-Cookie {prefix}… on {response.RequestMessage?.RequestUri}");

    public static string? Hsts(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Strict-Transport-Security", out var values) ? values.Single() : null;

    public static CookieSecurePolicy SignInCookiePolicy(StudioAppFactory app) =>
        app.SignInCookieSecurePolicy();

    public static async Task<long> LastAuditIdAsync(StudioAppFactory app) =>
        await app.QueryAsync(db => db.AuditEvents.MaxAsync(a => (long?)a.Id)) ?? 0;

    public static Task<List<string>> SignInSummariesSinceAsync(StudioAppFactory app, long since) =>
        app.QueryAsync(db => db.AuditEvents.Where(a => a.Id > since && a.Action.StartsWith("signin.")).OrderBy(a => a.Id)
            .Select(a => a.Action + " " + a.Summary).ToListAsync());

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        // A public host name: HSTS is never sent for localhost or 127.0.0.1.
        request.Headers.Host = "studio.example.test";
        request.Headers.Add("X-Forwarded-Proto", forwardedProto);
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (_cookies.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
        }

        var response = await _client.SendAsync(request);
        foreach (var cookie in response.Headers.TryGetValues("Set-Cookie", out var values) ? values : [])
        {
            var pair = cookie.Split(';')[0].Split('=', 2);
            _cookies[pair[0]] = pair[1];
        }

        return response;
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\"[^>]*value=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
