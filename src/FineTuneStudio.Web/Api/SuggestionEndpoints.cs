using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Core.Suggestions;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Api;

public static class SuggestionEndpoints
{
    /// <summary>An HTTP request waits for its batch, so a batch without a limit asks this many examples at most.</summary>
    public const int DefaultEndpointBatch = 100;

    public static void MapSuggestionEndpoints(this IEndpointRouteBuilder app)
    {
        // Storing suggestions is the ML lead's (as quality and imports are); labelers read the one of an example they label.
        var datasets = app.MapGroup("/api/datasets/{id:int}/suggestions").WithTags("Suggestions").InProject(ScopeKind.Dataset, "id")
            .RequireAuthorization(StudioPolicies.Curate);

        datasets.MapPost("/from-run/{runId:int}", FromRunAsync)
            .InProject(ScopeKind.EvalRun, "runId")
            .WithSummary("Suggest labels from an eval run's outputs (each replaces the example's suggestion)")
            .WithDescription("Items made from an example name it; other items match examples by the text of their user turns. Outputs that are none of the dataset's labels are counted in notALabel, items no example matches in unmatched.");

        datasets.MapPost("/import", ImportAsync)
            .Accepts<IFormFile>("multipart/form-data")
            .DisableAntiforgery()
            .WithSummary("Suggest labels from a predictions file: JSONL {example_id, label, confidence?} or CSV with those columns (all or nothing)")
            .WithDescription("Multipart form: file. A line naming an example outside the dataset or a label outside its label set fails the whole file with its line. Past the upload limit: 413.");

        datasets.MapPost("/from-endpoint", FromEndpointAsync)
            .WithSummary("Ask a configured endpoint for the label of each example in the queue without a suggestion")
            .WithDescription($"endpoint: a name under Studio:Evaluation:Generation:Endpoints; model: the endpoint's first model when left out; limit: at most this many examples (default {DefaultEndpointBatch}). Answers that are none of the labels are dropped and counted.");

        app.MapGet("/api/examples/{id:int}/suggestion", GetForExampleAsync)
            .WithTags("Suggestions").InProject(ScopeKind.Example, "id").RequireAuthorization(StudioPolicies.Label)
            .WithSummary("The label suggested for an example (204 when it has none)");
    }

    private static async Task<Ok<SuggestionResult>> FromRunAsync(int id, int runId, LabelSuggestionService suggestions, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await suggestions.FromRunAsync(id, runId, http.User.ToActor(), ct));

    private static async Task<Ok<SuggestionResult>> ImportAsync(int id, LabelSuggestionService suggestions, HttpContext http, IOptionsMonitor<UploadLimitOptions> uploads,
        CancellationToken ct)
    {
        await using var upload = await Uploads.ReadFormAsync(http, uploads, ct);
        using var predictions = new StreamReader(upload.File, leaveOpen: true);
        return TypedResults.Ok(await suggestions.ImportAsync(id, predictions, upload.FileName, http.User.ToActor(), ct));
    }

    private static async Task<Ok<SuggestionResult>> FromEndpointAsync(int id, EndpointSuggestionRequest request, EndpointSuggester suggester, HttpContext http,
        CancellationToken ct) =>
        TypedResults.Ok(await suggester.SuggestAsync(id, request with { Limit = request.Limit ?? DefaultEndpointBatch }, http.User.ToActor(), null, ct));

    private static async Task<Results<Ok<SuggestionView>, NoContent>> GetForExampleAsync(int id, LabelSuggestionService suggestions, CancellationToken ct) =>
        await suggestions.ForExampleAsync(id, ct) is { } suggestion ? TypedResults.Ok(suggestion) : TypedResults.NoContent();
}
