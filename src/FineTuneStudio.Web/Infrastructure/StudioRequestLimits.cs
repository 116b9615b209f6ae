using System.ComponentModel.DataAnnotations;
using FineTuneStudio.Core.Imports;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Infrastructure;

/// <summary><c>Studio:Limits</c>: how large a JSON API body may be.</summary>
public sealed class RequestLimitOptions
{
    public const string Section = "Studio:Limits";
    public const long DefaultMaxJsonBodyBytes = 1024 * 1024;

    [Range(1, long.MaxValue, ErrorMessage = Section + ":MaxJsonBodyBytes must be at least 1 byte")]
    public long MaxJsonBodyBytes { get; set; } = DefaultMaxJsonBodyBytes;
}

/// <summary>
/// Request body limits that agree with each other: Kestrel and form reading allow the upload limit
/// (<c>Studio:Imports:MaxUploadBytes</c>) plus the multipart envelope; JSON API bodies get a small
/// limit (<c>Studio:Limits:MaxJsonBodyBytes</c>). A body past its limit is answered with a 413 problem.
/// </summary>
public static class StudioRequestLimits
{
    /// <summary>Room for the multipart boundaries and small form fields beside the file.</summary>
    public const long EnvelopeBytes = 64 * 1024;

    public static IServiceCollection AddStudioRequestLimits(this IServiceCollection services)
    {
        services.AddOptions<RequestLimitOptions>().BindConfiguration(RequestLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Kestrel and form reading take the limit at start-up; each request then narrows it to the current one.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<UploadLimitOptions>>((kestrel, uploads) =>
            kestrel.Limits.MaxRequestBodySize = uploads.Value.MaxUploadBytes + EnvelopeBytes);
        services.AddOptions<FormOptions>().Configure<IOptions<UploadLimitOptions>>((form, uploads) =>
            form.MultipartBodyLengthLimit = uploads.Value.MaxUploadBytes + EnvelopeBytes);
        return services;
    }

    public static WebApplication UseStudioRequestLimits(this WebApplication app)
    {
        var json = app.Services.GetRequiredService<IOptionsMonitor<RequestLimitOptions>>();
        var uploads = app.Services.GetRequiredService<IOptionsMonitor<UploadLimitOptions>>();
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (!request.Path.StartsWithSegments("/api") || HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            {
                await next(context);
                return;
            }

            var isJson = request.HasJsonContentType();
            var limit = isJson ? json.CurrentValue.MaxJsonBodyBytes : uploads.CurrentValue.MaxUploadBytes + EnvelopeBytes;
            if (request.ContentLength > limit)
            {
                await TooLargeAsync(context, isJson, limit);
                return;
            }

            if (isJson && context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
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
