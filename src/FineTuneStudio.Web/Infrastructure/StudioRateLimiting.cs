using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Infrastructure;

/// <summary>Rate limits, from <c>Studio:RateLimits</c> in appsettings.json.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Studio:RateLimits";

    /// <summary>Sign-in form posts per client address per minute.</summary>
    [Range(1, int.MaxValue, ErrorMessage = Section + ":SignInPerMinute must be at least 1")]
    public int SignInPerMinute { get; set; } = 10;

    /// <summary>API requests per user (cookie or token owner) per minute; anonymous callers count per address. 0 turns the limit off.</summary>
    [Range(0, int.MaxValue, ErrorMessage = Section + ":ApiPerMinute must be 0 (no limit) or more")]
    public int ApiPerMinute { get; set; } = 6000;
}

/// <summary>
/// One global limiter that picks a partition by request: sign-in posts per address, API calls per
/// user. Everything else (pages, the circuit, static files) is not limited.
/// </summary>
public static class StudioRateLimiting
{
    public const string SignInPath = "/account/login";

    public static IServiceCollection AddStudioRateLimiting(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (rejected, ct) => RejectAsync(rejected.HttpContext, rejected.Lease, ct);
        });
        // The limits are fixed when the limiter is built at start-up, as windows already counted cannot change size.
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, settings) =>
        {
            var options = settings.Value;
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, options));
        });
        return services;
    }

    /// <summary>After authentication, so API calls count against their user.</summary>
    public static WebApplication UseStudioRateLimiting(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    private static RateLimitPartition<string> Partition(HttpContext context, RateLimitOptions options)
    {
        var request = context.Request;
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (HttpMethods.IsPost(request.Method) && request.Path.Equals(SignInPath, StringComparison.OrdinalIgnoreCase))
        {
            return PerMinute("sign-in:" + address, options.SignInPerMinute);
        }

        if (request.Path.StartsWithSegments("/api") && options.ApiPerMinute > 0)
        {
            var user = context.User.UserId();
            return PerMinute(user is null ? "api-anon:" + address : "api-user:" + user, options.ApiPerMinute);
        }

        return RateLimitPartition.GetNoLimiter("none");
    }

    private static RateLimitPartition<string> PerMinute(string key, int permits) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = Math.Max(1, permits),
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });

    private static async ValueTask RejectAsync(HttpContext context, RateLimitLease lease, CancellationToken ct)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var signIn = context.Request.Path.Equals(SignInPath, StringComparison.OrdinalIgnoreCase);
        var detail = signIn
            ? $"Too many sign-in attempts from your address. Wait {seconds} seconds and try again."
            : $"Too many API requests for this account. Wait {seconds} seconds and try again.";
        if (signIn)
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(detail, ct);
            return;
        }

        await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests", detail: detail).ExecuteAsync(context);
    }
}
