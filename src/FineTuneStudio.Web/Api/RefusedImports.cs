using FineTuneStudio.Core;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTuneStudio.Web.Api;

/// <summary>The 400 of an import refused for its records' problems, with what leaving them out would do when that can help.</summary>
internal static class RefusedImports
{
    public static ProblemHttpResult Problem(IReadOnlyList<InputError> errors, int total, bool canSkipInvalid, int invalid, int valid, string problemCounts)
    {
        var problem = StudioExceptionHandler.ToProblem(new StudioValidationException(errors, total));
        if (canSkipInvalid)
        {
            // The counts a client needs to offer the choice the page offers: leave those out, import the rest.
            problem.Extensions["records_with_problems"] = invalid;
            problem.Extensions["records_without_problems"] = valid;
            problem.Extensions["hint"] = $"{problemCounts}; send invalid=skip to import those without problems and leave the others out";
        }

        return TypedResults.Problem(problem);
    }

    /// <summary>The 400 of a line file's refused import (a traffic log, eval items).</summary>
    public static ProblemHttpResult Problem(LineImportResult result) =>
        Problem(result.Errors, result.TotalErrors, result.CanSkipInvalid, result.InvalidRecords, result.ValidRecords, result.ProblemCounts);

    /// <summary>The form's <c>invalid</c> field: <c>refuse</c> (the default) or <c>skip</c>.</summary>
    public static bool SkipInvalid(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "refuse" => false,
        "skip" => true,
        _ => throw new StudioValidationException("invalid", $"'{value}' is not a choice; use refuse or skip"),
    };
}
