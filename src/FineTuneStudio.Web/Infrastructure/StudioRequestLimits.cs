using FineTuneStudio.Core.Imports;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace FineTuneStudio.Web.Infrastructure;

/// <summary>
/// Request body limits that agree with each other: Kestrel and form reading allow the upload limit
/// (<c>Studio:Imports:MaxUploadBytes</c>) plus the multipart envelope; JSON API bodies get a small
/// limit (<c>Studio:Limits:MaxJsonBodyBytes</c>). A body past its limit is answered with a 413 problem.
/// </summary>
public static class StudioRequestLimits
{
    public const string MaxJsonBodyBytesKey = "Studio:Limits:MaxJsonBodyBytes";
    public const long DefaultMaxJsonBodyBytes = 1024 * 1024;

    /// <summary>Room for the multipart boundaries and small form fields beside the file.</summary>
    public const long EnvelopeBytes = 64 * 1024;

    public static long MaxJsonBodyBytes(IConfiguration configuration) =>
        configuration.GetValue<long?>(MaxJsonBodyBytesKey) is { } value and > 0 ? value : DefaultMaxJsonBodyBytes;

    public static IServiceCollection AddStudioRequestLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var uploadLimit = ImportSettings.MaxUploadBytes(configuration) + EnvelopeBytes;
        services.Configure<KestrelServerOptions>(kestrel => kestrel.Limits.MaxRequestBodySize = uploadLimit);
        services.Configure<FormOptions>(form => form.MultipartBodyLengthLimit = uploadLimit);
        return services;
    }

    public static WebApplication UseStudioRequestLimits(this WebApplication app)
    {
        var configuration = app.Configuration;
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (!request.Path.StartsWithSegments("/api") || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            {
                await next(context);
                return;
            }

            var json = request.HasJsonContentType();
            var limit = json ? MaxJsonBodyBytes(configuration) : ImportSettings.MaxUploadBytes(configuration) + EnvelopeBytes;
            if (request.ContentLength > limit)
            {
                await TooLargeAsync(context, json, limit);
                return;
            }

            if (json && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = limit;
            }

            await next(context);
        });
        return app;
    }

    private static Task TooLargeAsync(HttpContext context, bool json, long limit) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: "The request body is too large",
            detail: json
                ? $"JSON request bodies are limited to {ImportSettings.FormatBytes(limit)}; send large data as a file upload."
                : Sentence(ImportSettings.TooLargeMessage(limit - EnvelopeBytes)))
            .ExecuteAsync(context);

    private static string Sentence(string text) => char.ToUpperInvariant(text[0]) + text[1..] + ".";
}
