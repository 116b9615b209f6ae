using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Tests.Support;

public partial class StudioAppFactory
{
    /// <summary>Where the host's Serilog file sink writes (one JSON event a line).</summary>
    public string LogFolder => Path.Combine(_folder, "logs");

    /// <summary>Every line the file sink has written so far; the host keeps the file open, so it is shared for reading.</summary>
    public async Task<string> ReadLogsAsync()
    {
        var text = new System.Text.StringBuilder();
        if (!Directory.Exists(LogFolder))
        {
            return "";
        }

        foreach (var file in Directory.GetFiles(LogFolder))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            text.Append(await reader.ReadToEndAsync());
        }

        return text.ToString();
    }

    /// <summary>Every route the app maps (API, pages, plumbing), read from the app itself so a new one is covered the day it is added.</summary>
    public IReadOnlyList<RouteEndpoint> RouteEndpoints() =>
        Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();

    /// <summary>When the sign-in cookie is marked Secure, as the host configured it.</summary>
    public CookieSecurePolicy SignInCookieSecurePolicy() =>
        Services.GetRequiredService<IOptionsMonitor<CookieAuthenticationOptions>>().Get(IdentityConstants.ApplicationScheme).Cookie.SecurePolicy;

    /// <summary>When the antiforgery cookie is marked Secure, as the host configured it.</summary>
    public CookieSecurePolicy AntiforgeryCookieSecurePolicy() =>
        Services.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.Cookie.SecurePolicy;
}
