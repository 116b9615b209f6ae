using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Infrastructure;

/// <summary>
/// <c>Studio:ForwardedHeaders</c>: whether to believe a reverse proxy's X-Forwarded-For and X-Forwarded-Proto.
/// Off by default, because without a proxy in front anybody could send them.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "Studio:ForwardedHeaders";

    public bool Enabled { get; set; }

    /// <summary>Addresses of the proxies whose headers count, e.g. 10.0.0.5. With neither list set, only loopback (a proxy on this machine).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of such proxies in CIDR form, e.g. 10.0.0.0/8. When either list is set, it replaces the loopback default.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>Applies the settings to the framework's options.</summary>
    public void ApplyTo(ForwardedHeadersOptions options)
    {
        options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        if (KnownProxies.Count == 0 && KnownNetworks.Count == 0)
        {
            return;
        }

        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.Parse(proxy));
        }

        foreach (var network in KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        }
    }

    public bool IsValid() =>
        KnownProxies.All(p => IPAddress.TryParse(p, out _)) && KnownNetworks.All(n => System.Net.IPNetwork.TryParse(n, out _));
}

/// <summary>
/// How the app sits on the network: a reverse proxy's forwarded headers (when configured), and outside
/// Development cookies that only travel over HTTPS plus HSTS. Development keeps plain http working for the
/// local demo.
/// </summary>
public static class StudioTransport
{
    public static IServiceCollection AddStudioTransport(this IServiceCollection services, IWebHostEnvironment environment)
    {
        services.AddOptions<ForwardedHeadersSettings>().BindConfiguration(ForwardedHeadersSettings.Section)
            .ValidateDataAnnotations()
            .Validate(s => s.IsValid(), $"{ForwardedHeadersSettings.Section}: KnownProxies must be IP addresses (10.0.0.5) and KnownNetworks CIDR ranges (10.0.0.0/8).")
            .ValidateOnStart();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((options, settings) => settings.Value.ApplyTo(options));

        var secure = environment.IsDevelopment() ? CookieSecurePolicy.SameAsRequest : CookieSecurePolicy.Always;
        services.ConfigureAll<CookieAuthenticationOptions>(options => options.Cookie.SecurePolicy = secure);
        services.Configure<AntiforgeryOptions>(options => options.Cookie.SecurePolicy = secure);
        return services;
    }

    /// <summary>First in the pipeline, so logs, rate limits, audit and the https checks all see the client's address and scheme.</summary>
    public static WebApplication UseStudioForwardedHeaders(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value.Enabled)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    /// <summary>After the error handler, like the template, so error pages carry the header too.</summary>
    public static WebApplication UseStudioHsts(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            app.UseHsts();
        }

        return app;
    }
}
