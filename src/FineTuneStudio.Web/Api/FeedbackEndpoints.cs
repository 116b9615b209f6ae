using FineTuneStudio.Core;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Feedback;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using FineTuneStudio.Core.Imports;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Api;

public static class FeedbackEndpoints
{
    public static void MapFeedbackEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{id:int}").WithTags("Feedback").InProject(ScopeKind.Project, "id").RequireAuthorization(StudioPolicies.Curate);

        // Token-authenticated API: no browser form, so no antiforgery token either.
        group.MapPost("/logs", async Task<Results<Ok<LogImportResult>, ProblemHttpResult>> (
                int id, TrafficLogs logs, HttpContext http, IOptionsMonitor<UploadLimitOptions> uploads, CancellationToken ct) =>
            {
                await using var upload = await Uploads.ReadFormAsync(http, uploads, ct);
                var skipInvalid = RefusedImports.SkipInvalid(upload.Field("invalid"));
                var result = await logs.ImportLogsAsync(id, upload.File, http.User.ToActor(), ct, skipInvalid: skipInvalid);
                return result.Succeeded
                    ? TypedResults.Ok(result)
                    : RefusedImports.Problem(result);
            })
            .Accepts<IFormFile>("multipart/form-data")
            .DisableAntiforgery()
            .WithSummary("Import a production traffic log (JSONL, multipart field 'file'); all or nothing, errors by line, 413 past the upload limit")
            .WithDescription("Optional field invalid: refuse (the default: any line with a problem stops the import, and the 400 says how many lines have none) "
                + "or skip (such lines are left out and listed in leftOut; a file with no good line is still refused).");

        group.MapGet("/logs", async (int id, int? minRating, int? maxRating, DateTime? from, DateTime? to, bool? notPromoted, string? ids,
                bool? noNeighbour, int? cluster, int? dataset, int? version, int? skip, int? take, TrafficLogs logs, CancellationToken ct) =>
            TypedResults.Ok(await logs.ListLogsAsync(id,
                new LogFilter
                {
                    MinRating = minRating, MaxRating = maxRating, From = Utc(from), To = Utc(to), NotPromotedOnly = notPromoted ?? false,
                    Ids = LogFilter.ParseIds(ids), Cluster = cluster,
                    // A cluster's requests all lack a near neighbour, so naming the version this way narrows nothing more.
                    NoNeighbourInVersion = noNeighbour == true || (cluster is not null && version is not null) ? version ?? 0 : null,
                    DriftDatasetId = dataset,
                },
                skip ?? 0, take ?? 50, ct)))
            .WithSummary("List logged requests (personal data masked)")
            .WithDescription("Filters: rating (minRating, maxRating), dates (from inclusive, to exclusive, UTC), ids (comma separated), notPromoted, "
                + "and from the drift report against dataset/version (default: the latest version of the dataset last exported): "
                + "noNeighbour=true (no near neighbour in training) and cluster=N (one new-topic cluster of that report).");

        group.MapGet("/drift", async (int id, int? version, int? dataset, DateTime? since, DriftReports drift, CancellationToken ct) =>
            TypedResults.Ok(await drift.DriftAsync(id, dataset, version, Utc(since), ct)))
            .WithSummary("Drift of the logged requests against the training side of a dataset version")
            .WithDescription("dataset defaults to the dataset last exported (else the project's first), version to its latest; since (UTC) limits the logs compared.");

        group.MapGet("/drift/choices", async (int id, DriftReports drift, CancellationToken ct) =>
            TypedResults.Ok(await drift.DriftChoicesAsync(id, ct)))
            .WithSummary("The datasets and versions drift can be measured against, and the default");

        group.MapPost("/logs/promote", async (int id, PromoteRequest request, LogPromotion promotion, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await promotion.PromoteAsync(id, request, http.User.ToActor(), ct)))
            .WithSummary("Promote the chosen logged requests to Draft examples (source ProductionLog)");

        group.MapPost("/synthetic", async (int id, SyntheticRequest request, SyntheticDrafts synthetic, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await synthetic.GenerateSyntheticAsync(id, request, http.User.ToActor(), ct)))
            .WithSummary("Generate synthetic Draft examples from a template and seed examples");

        group.MapGet("/retraining", async (int id, RetrainingSchedule retraining, CancellationToken ct) =>
            TypedResults.Ok(await retraining.RetrainingDueAsync(id, ct)))
            .WithSummary("When the next retraining is due, why, and the checklist");
    }

    private static DateTime? Utc(DateTime? value) => value is { } v ? v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : v.ToUniversalTime() : null;
}
