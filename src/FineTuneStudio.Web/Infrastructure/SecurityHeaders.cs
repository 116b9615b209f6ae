using System.Security.Cryptography;

namespace FineTuneStudio.Web.Infrastructure;

/// <summary>
/// Security headers on every response (pages, API, static files): a content-security policy that
/// Blazor Server and MudBlazor run under, no MIME sniffing, no framing, and a strict referrer policy.
/// </summary>
public static class SecurityHeaders
{
    private const string NonceKey = "fts.csp-nonce";

    /// <summary>
    /// Scripts only from our origin, plus the one inline import map Blazor renders (it carries the
    /// per-request nonce). MudBlazor sets inline styles, so styles allow 'unsafe-inline'; styles
    /// cannot run code. 'self' covers the circuit's WebSocket on the same origin.
    /// </summary>
    public static string PagePolicy(string nonce) =>
        "default-src 'self'; " +
        $"script-src 'self' 'nonce-{nonce}'; " +
        "style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data:; " +
        "font-src 'self' data:; " +
        "connect-src 'self'; " +
        "object-src 'none'; " +
        "base-uri 'self'; " +
        "form-action 'self'; " +
        "frame-ancestors 'none'";

    /// <summary>
    /// The API reference page (Scalar) is a single-page app with inline bootstrapping and styles;
    /// it reads only our own OpenAPI document and still may not be framed.
    /// </summary>
    public const string ApiDocsPolicy =
        "default-src 'self'; " +
        "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; " +
        "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; " +
        "img-src 'self' data: https:; " +
        "font-src 'self' data: https://fonts.scalar.com https://cdn.jsdelivr.net https://fonts.gstatic.com; " +
        "connect-src 'self'; " +
        "object-src 'none'; " +
        "base-uri 'self'; " +
        "frame-ancestors 'none'";

    /// <summary>The nonce of this response's policy, for the import map in App.razor.</summary>
    public static string? NonceOf(HttpContext? context) => context?.Items[NonceKey] as string;

    public static WebApplication UseStudioSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            // Hex, so the value needs no escaping in the header or the HTML attribute.
            var nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            context.Items[NonceKey] = nonce;
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
                headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments("/api-docs")
                    ? ApiDocsPolicy
                    : PagePolicy(nonce);
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }
}
