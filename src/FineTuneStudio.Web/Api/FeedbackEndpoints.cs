using FineTuneStudio.Core;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Feedback;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using FineTuneStudio.Core.Imports;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Api;

public static class FeedbackEndpoints
{
    public static void MapFeedbackEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects/{id:int}").WithTags("Feedback").InProject(ScopeKind.Project, "id").RequireAuthorization(StudioPolicies.Curate);

        // Token-authenticated API: no browser form, so no antiforgery token either.
        group.MapPost("/logs", async (int id, FeedbackService feedback, HttpContext http, IOptionsMonitor<UploadLimitOptions> uploads, CancellationToken ct) =>
            {
                await using var upload = await Uploads.ReadFormAsync(http, uploads, ct);
                return TypedResults.Ok((await feedback.ImportLogsAsync(id, upload.File, http.User.ToActor(), ct)).EnsureSucceeded());
            })
            .Accepts<IFormFile>("multipart/form-data")
            .DisableAntiforgery()
            .WithSummary("Import a production traffic log (JSONL, multipart field 'file'); all or nothing, errors by line, 413 past the upload limit");

        group.MapGet("/logs", async (int id, int? minRating, int? maxRating, DateTime? from, DateTime? to, bool? notPromoted, string? ids,
                bool? noNeighbour, int? cluster, int? dataset, int? version, int? skip, int? take, FeedbackService feedback, CancellationToken ct) =>
            TypedResults.Ok(await feedback.ListLogsAsync(id,
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

        group.MapGet("/drift", async (int id, int? version, int? dataset, DateTime? since, FeedbackService feedback, CancellationToken ct) =>
            TypedResults.Ok(await feedback.DriftAsync(id, dataset, version, Utc(since), ct)))
            .WithSummary("Drift of the logged requests against the training side of a dataset version")
            .WithDescription("dataset defaults to the dataset last exported (else the project's first), version to its latest; since (UTC) limits the logs compared.");

        group.MapGet("/drift/choices", async (int id, FeedbackService feedback, CancellationToken ct) =>
            TypedResults.Ok(await feedback.DriftChoicesAsync(id, ct)))
            .WithSummary("The datasets and versions drift can be measured against, and the default");

        group.MapPost("/logs/promote", async (int id, PromoteRequest request, FeedbackService feedback, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await feedback.PromoteAsync(id, request, http.User.ToActor(), ct)))
            .WithSummary("Promote the chosen logged requests to Draft examples (source ProductionLog)");

        group.MapPost("/synthetic", async (int id, SyntheticRequest request, FeedbackService feedback, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await feedback.GenerateSyntheticAsync(id, request, http.User.ToActor(), ct)))
            .WithSummary("Generate synthetic Draft examples from a template and seed examples");

        group.MapGet("/retraining", async (int id, FeedbackService feedback, CancellationToken ct) =>
            TypedResults.Ok(await feedback.RetrainingDueAsync(id, ct)))
            .WithSummary("When the next retraining is due, why, and the checklist");
    }

    private static DateTime? Utc(DateTime? value) => value is { } v ? v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : v.ToUniversalTime() : null;
}
