using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Infrastructure;

/// <summary>
/// Cross-site request forgery guard for the whole API. A browser attaches the sign-in cookie to any request,
/// even one a foreign page starts (a form post, a multipart upload, a body-less POST), but only our own pages
/// can read an antiforgery token. So a state-changing call under <c>/api</c> that is authenticated by anything
/// but an API token must carry a valid token in the <c>RequestVerificationToken</c> header, or it is refused
/// with a 400 problem. Bearer calls are exempt: a browser never adds an Authorization header on its own.
/// Runs as middleware rather than per endpoint so a new route cannot forget it.
/// </summary>
public static class ApiAntiforgery
{
    public const string ProblemTitle = "Antiforgery token missing or invalid";

    /// <summary>After authorization, so callers who may not call the route at all still get 401/403.</summary>
    public static WebApplication UseStudioApiAntiforgery(this WebApplication app)
    {
        var antiforgery = app.Services.GetRequiredService<IAntiforgery>();
        var header = app.Services.GetRequiredService<IOptions<AntiforgeryOptions>>().Value.HeaderName!;
        app.Use(async (context, next) =>
        {
            if (NeedsToken(context) && !await HasValidHeaderTokenAsync(context, antiforgery, header))
            {
                await TypedResults.Problem(
                        statusCode: StatusCodes.Status400BadRequest,
                        title: ProblemTitle,
                        detail: $"A call that changes data with the sign-in cookie must send the page's antiforgery token in the {header} header. "
                            + "Scripts and tools should authenticate with an API token (Authorization: Bearer fts_...) instead.")
                    .ExecuteAsync(context);
                return;
            }

            await next(context);
        });
        return app;
    }

    private static bool NeedsToken(HttpContext context)
    {
        var method = context.Request.Method;
        if (!context.Request.Path.StartsWithSegments("/api")
            || HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method))
        {
            return false;
        }

        // The scheme that actually authenticated the request; anonymous calls are left to authorization.
        var ticket = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Ticket;
        return ticket is not null && ticket.AuthenticationScheme != ApiTokenAuthenticationHandler.SchemeName;
    }

    /// <summary>
    /// Only the header counts: without it the antiforgery library would fall back to reading the form, which
    /// would buffer a whole upload before the endpoint streams it.
    /// </summary>
    private static async Task<bool> HasValidHeaderTokenAsync(HttpContext context, IAntiforgery antiforgery, string header) =>
        !string.IsNullOrEmpty(context.Request.Headers[header]) && await antiforgery.IsRequestValidAsync(context);
}
