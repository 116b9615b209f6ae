using FineTuneStudio.Core;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FineTuneStudio.Web.Infrastructure;

/// <summary>Turns Core's typed exceptions into ProblemDetails for API callers.</summary>
internal sealed class StudioExceptionHandler(ILogger<StudioExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // The middleware has already pointed Request.Path at the error page; the feature keeps the original.
        var path = httpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path ?? httpContext.Request.Path.Value;
        if (path is null || !path.StartsWith("/api/", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var problem = ToProblem(exception);
        if (problem.Status == StatusCodes.Status500InternalServerError)
        {
            logger.LogError(exception, "Unhandled API error on {Path}", path);
        }

        // Written directly rather than through IProblemDetailsService, which declines when the
        // client's Accept header does not name JSON and would leave the caller with an HTML page.
        await TypedResults.Problem(problem).ExecuteAsync(httpContext);
        return true;
    }

    public static ProblemDetails ToProblem(Exception exception) => exception switch
    {
        StudioValidationException validation => ValidationProblem(validation),
        NotFoundException notFound => new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not found", Detail = notFound.Message },
        ForbiddenException forbidden => new ProblemDetails { Status = StatusCodes.Status403Forbidden, Title = "Forbidden", Detail = forbidden.Message },
        ConflictException conflict => new ProblemDetails { Status = StatusCodes.Status409Conflict, Title = "Conflict", Detail = conflict.Message },
        DbUpdateConcurrencyException => new ProblemDetails
        {
            Status = StatusCodes.Status409Conflict, Title = "Conflict",
            Detail = "Someone else changed or removed this while it was being saved; load it again and retry.",
        },
        // Two saves racing for the same unique value (or a row removed under a reference): the loser is told, not given a 500.
        DbUpdateException { InnerException: SqliteException { SqliteErrorCode: SqliteConstraint } or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation } } =>
            new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict, Title = "Conflict",
                Detail = "This conflicts with data saved at the same time (the same name or item twice, or something it refers to was removed); load it again and retry.",
            },
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } tooLarge => new ProblemDetails { Status = tooLarge.StatusCode, Title = "The request body is too large", Detail = tooLarge.Message },
        BadHttpRequestException { InnerException: System.Text.Json.JsonException json } bad =>
            new ProblemDetails { Status = bad.StatusCode, Title = "Bad request", Detail = $"{bad.Message} {JsonProblem(json)}" },
        BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = "Bad request", Detail = bad.Message },
        _ => new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = "Something went wrong", Detail = "The error was logged." },
    };

    /// <summary>
    /// Where the body went wrong and why: the serializer's own messages already name the path; a converter's reason
    /// (a NUL, a lone surrogate) is given with the path it was read at. Neither holds the value itself.
    /// </summary>
    private static string JsonProblem(System.Text.Json.JsonException json) =>
        json.Message.Contains("Path:", StringComparison.Ordinal) || json.Path is null ? json.Message : $"{json.Path}: {json.Message}";

    /// <summary>SQLITE_CONSTRAINT: unique, primary key and foreign key violations.</summary>
    private const int SqliteConstraint = 19;

    private static ProblemDetails ValidationProblem(StudioValidationException validation)
    {
        var problem = new HttpValidationProblemDetails(validation.Errors
            .GroupBy(e => e.Line is { } line ? $"{e.LineUnit} {line}: {e.Field}" : e.Field)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()))
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The input is not valid",
            Detail = validation.Message,
        };
        problem.Extensions["errors_total"] = validation.TotalCount;
        problem.Extensions["problems"] = validation.Errors.Select(e => e.ToString()).ToArray();
        return problem;
    }

    /// <summary>For endpoints that want to return a validation problem without throwing.</summary>
    public static ProblemHttpResult Problem(Exception exception) => TypedResults.Problem(ToProblem(exception));
}
