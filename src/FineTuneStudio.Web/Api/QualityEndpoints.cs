using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Quality;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTuneStudio.Web.Api;

public static class QualityEndpoints
{
    public static void MapQualityEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/datasets/{id:int}/quality").WithTags("Quality").InProject(ScopeKind.Dataset, "id").RequireAuthorization(StudioPolicies.Curate);

        group.MapGet("/", async (int id, QualityJobRunner runner, CancellationToken ct) =>
            TypedResults.Ok(await runner.OverviewAsync(id, ct)))
            .WithSummary("The latest stored quality report of a dataset, whether it is stale, and any analysis under way");

        group.MapPost("/runs", async Task<Accepted<QualityProgress>> (int id, QualityJobRunner runner, HttpContext http, CancellationToken ct) =>
            {
                var started = await runner.StartAsync(id, http.User.ToActor(), ct);
                return TypedResults.Accepted($"/api/datasets/{id}/quality/runs/{started.RunId}", started);
            })
            .WithSummary("Start an analysis in the background (or return the one already running)");

        group.MapGet("/runs/{runId:int}", async (int id, int runId, QualityService quality, CancellationToken ct) =>
            TypedResults.Ok(await quality.GetRunAsync(id, runId, ct)))
            .WithSummary("The status of one analysis run");

        group.MapPost("/actions/reject-duplicates", async (int id, QualityActionRequest request, QualityFixes fixes, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(new QualityActionResult(await fixes.RejectDuplicatesAsync(id, request.ExampleIds ?? [], request.Reason, http.User.ToActor(), ct))))
            .WithSummary("Reject duplicate examples");

        group.MapPost("/actions/adjudicate", async (int id, QualityActionRequest request, QualityFixes fixes, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(new QualityActionResult(await fixes.SendToAdjudicationAsync(id, request.ExampleIds ?? [], http.User.ToActor(), ct))))
            .WithSummary("Send conflicting examples to adjudication");

        group.MapPost("/actions/apply-canonical-prompt", async (int id, QualityActionRequest request, QualityFixes fixes, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(new QualityActionResult(await fixes.ApplyCanonicalPromptAsync(id, request.ExampleIds ?? [], http.User.ToActor(), ct))))
            .WithSummary("Give examples the dataset's canonical system prompt");
    }
}
