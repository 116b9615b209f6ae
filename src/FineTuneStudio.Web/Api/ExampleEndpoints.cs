using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Quality;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FineTuneStudio.Web.Api;

public static class ExampleEndpoints
{
    public static void MapExampleEndpoints(this IEndpointRouteBuilder app)
    {
        var datasets = app.MapGroup("/api/datasets/{datasetId:int}").WithTags("Examples").InProject(ScopeKind.Dataset, "datasetId")
            .RequireAuthorization(StudioPolicies.Label).AddEndpointFilter(ConflictFilter);
        var examples = app.MapGroup("/api/examples/{id:int}").WithTags("Examples").InProject(ScopeKind.Example, "id")
            .RequireAuthorization(StudioPolicies.Label).AddEndpointFilter(ConflictFilter);

        datasets.MapGet("/examples", async (int datasetId, ExampleList service, CancellationToken ct,
                ExampleStatus? status, string? label, string? tag, string? labeler, SplitPin? split, string? q,
                bool? needsAdjudication, ExampleSort? sort, bool? desc, int? page, int? pageSize, string? ids, bool? hasFindings, FindingType? finding) =>
            TypedResults.Ok(await service.ListAsync(new ExampleQuery(datasetId, status, label, tag, labeler, split, q,
                needsAdjudication ?? false, sort ?? ExampleSort.Id, desc ?? false, page ?? 0, pageSize ?? 50,
                ExampleQuery.ParseIds(ids), hasFindings ?? false, finding), ct)))
            .WithSummary("List a dataset's examples, a page at a time, with filters and full-text search (q)")
            .WithDescription("hasFindings=true keeps the examples with a finding in the latest quality run; finding=NearDuplicate (or another finding type) keeps those with that finding. A search (q) with no other filter, sorted by id, counts at most Studio:Examples:SearchCountCap matches (2,000 unless configured): totalIsLowerBound is then true and total reads \"more than\".");

        datasets.MapPost("/examples", async Task<Created<ExampleDetail>> (int datasetId, ExampleInput input, ExampleEditor service, HttpContext http, CancellationToken ct) =>
            {
                var created = await service.CreateAsync(datasetId, input, http.User.ToExampleCaller(), ct);
                return TypedResults.Created($"/api/examples/{created.Id}", created);
            })
            .WithSummary("Create an example (Submit: true to submit it at once)");

        datasets.MapGet("/queue/next", async Task<Results<Ok<QueueItem>, NoContent>> (int datasetId, int? after, Annotations service, HttpContext http, CancellationToken ct) =>
            await service.NextForLabelerAsync(datasetId, http.User.ToExampleCaller().UserId, ct, after) is { } item
                ? TypedResults.Ok(item)
                : TypedResults.NoContent())
            .WithSummary("The next example that still needs the caller's annotation (204 when the queue is empty)");

        datasets.MapGet("/disagreements", async (int datasetId, int? take, ExampleReview service, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await service.DisagreementsAsync(datasetId, http.User.ToExampleCaller(), take ?? 50, ct)))
            .RequireAuthorization(StudioPolicies.Review)
            .WithSummary("Examples whose required annotations disagree, with every annotation");

        datasets.MapPost("/examples/bulk", async (int datasetId, BulkInput input, ExampleReview service, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await service.BulkAsync(datasetId, input, http.User.ToExampleCaller(), ct)))
            .RequireAuthorization(StudioPolicies.Review)
            .WithSummary("Approve, reject, tag, untag or pin the split of many examples at once: all or none")
            .WithDescription("versions maps each example id to the version you loaded; required to approve or reject. A stale version answers 409 and changes nothing.");

        examples.MapGet("/", async (int id, ExampleEditor service, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await service.GetAsync(id, http.User.ToExampleCaller(), ct)))
            .WithSummary("Get an example with its messages, token counts and the annotations the caller may see");

        examples.MapPut("/", async (int id, ExampleInput input, ExampleEditor service, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await service.UpdateAsync(id, input, http.User.ToExampleCaller(), ct)))
            .WithSummary("Update an example; send the version you loaded (409 with both versions when it is stale)");

        examples.MapDelete("/", async (int id, ExampleEditor service, HttpContext http, CancellationToken ct) =>
            {
                await service.DeleteAsync(id, http.User.ToExampleCaller(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Delete an example (labelers: their own drafts only)");

        examples.MapGet("/annotations", async (int id, Annotations service, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await service.AnnotationsAsync(id, http.User.ToExampleCaller(), ct)))
            .WithSummary("Annotations of an example: all for reviewers; for labelers their own, and others' once theirs is submitted");

        examples.MapPut("/annotations/mine", async (int id, AnnotationInput input, Annotations service, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await service.SaveMyAnnotationAsync(id, input, http.User.ToExampleCaller(), ct)))
            .WithSummary("Save or submit the caller's own annotation");

        examples.MapPost("/review", async (int id, ReviewInput input, ExampleReview service, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await service.ReviewAsync(id, input, http.User.ToExampleCaller(), ct)))
            .RequireAuthorization(StudioPolicies.Review)
            .WithSummary("Approve, reject (with a reason) or adjudicate an example; send the version you reviewed (409 with the stored one when it is stale)");
    }

    /// <summary>A stale save answers 409 with the stored version and the one sent, so the client can choose or merge.</summary>
    private static async ValueTask<object?> ConflictFilter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (ExampleConflictException conflict)
        {
            var problem = new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "Conflict",
                Detail = conflict.Message,
            };
            problem.Extensions["current"] = conflict.Current;
            problem.Extensions["yours"] = conflict.Yours;
            return TypedResults.Problem(problem);
        }
    }
}
