using FineTuneStudio.Core;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using FineTuneStudio.Core.Imports;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Api;

public sealed record FromExamplesRequest(string Name, string? Description, IReadOnlyList<string>? Metrics, int DatasetId, IReadOnlyList<int> ExampleIds);

public sealed record ComparisonRequest(int RunAId, int RunBId, string? Name);

public sealed record JudgementRequest(int ItemId, BlindPick Pick, string? Reason);

/// <summary>
/// Eval sets, runs, results, comparisons, blind judgements and training curves. Reads need
/// ViewEvaluation, writes Evaluate. File uploads are multipart with a "file" part; the API is used
/// with bearer tokens, so it does not take antiforgery tokens.
/// </summary>
public static class EvaluationEndpoints
{
    public static void MapEvaluationEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Evaluation").RequireAuthorization(StudioPolicies.ViewEvaluation);

        api.MapGet("/projects/{projectId:int}/evaluation", async (int projectId, EvaluationDashboardService dashboard, CancellationToken ct) =>
            TypedResults.Ok(await dashboard.GetAsync(projectId, ct)))
            .InProject(ScopeKind.Project, "projectId")
            .WithSummary("The evaluation dashboard of a project");

        api.MapGet("/projects/{projectId:int}/eval-sets", async (int projectId, EvalSets sets, CancellationToken ct) =>
            TypedResults.Ok(await sets.ListSetsAsync(projectId, ct)))
            .InProject(ScopeKind.Project, "projectId")
            .WithSummary("List eval sets");

        api.MapPost("/projects/{projectId:int}/eval-sets", async Task<Created<EvalSetSummary>> (int projectId, EvalSetInput input, EvalSets sets, HttpContext http, CancellationToken ct) =>
            {
                var created = await sets.CreateSetAsync(projectId, input, http.User.ToActor(), ct);
                return TypedResults.Created($"/api/eval-sets/{created.Id}", created);
            })
            .InProject(ScopeKind.Project, "projectId")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Create an empty eval set");

        api.MapPost("/projects/{projectId:int}/eval-sets/from-examples", async Task<Created<EvalSetSummary>> (int projectId, FromExamplesRequest input, EvalSets sets, HttpContext http, CancellationToken ct) =>
            {
                var created = await sets.CreateFromExamplesAsync(projectId, new EvalSetInput(input.Name, input.Description, input.Metrics), input.DatasetId, input.ExampleIds ?? [], http.User.ToActor(), ct);
                return TypedResults.Created($"/api/eval-sets/{created.Id}", created);
            })
            .InProject(ScopeKind.Project, "projectId")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Create an eval set from chosen examples of a dataset");

        api.MapPost("/versions/{versionId:int}/eval-set", async Task<Created<EvalSetSummary>> (int versionId, EvalSetInput input, EvalSets sets, HttpContext http, CancellationToken ct) =>
            {
                var created = await sets.CreateFromTestSplitAsync(versionId, input, http.User.ToActor(), ct);
                return TypedResults.Created($"/api/eval-sets/{created.Id}", created);
            })
            .InProject(ScopeKind.Version, "versionId")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Create an eval set from the test split of a dataset version");

        api.MapGet("/eval-sets/{id:int}", async (int id, EvalSets sets, CancellationToken ct) =>
            TypedResults.Ok(await sets.GetSetAsync(id, ct)))
            .InProject(ScopeKind.EvalSet, "id")
            .WithSummary("Get an eval set");

        api.MapPut("/eval-sets/{id:int}", async (int id, EvalSetInput input, EvalSets sets, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await sets.UpdateSetAsync(id, input, http.User.ToActor(), ct)))
            .InProject(ScopeKind.EvalSet, "id")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Rename an eval set or change its metrics");

        api.MapDelete("/eval-sets/{id:int}", async (int id, EvalSets sets, HttpContext http, CancellationToken ct) =>
            {
                await sets.DeleteSetAsync(id, http.User.ToActor(), ct);
                return TypedResults.NoContent();
            })
            .InProject(ScopeKind.EvalSet, "id")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Delete an eval set with its runs");

        api.MapGet("/eval-sets/{id:int}/export", async (int id, string? format, string? model, string? systemPrompt, double? temperature, int? maxTokens,
                EvalSetExport export, HttpContext http, CancellationToken ct) =>
            {
                // Checked before the first byte, so a bad request still gets a 400 with its reason.
                await using var buffer = new MemoryStream();
                await export.WriteAsync(id, format ?? EvalSetExport.BatchFormat, model, systemPrompt, temperature, buffer, ct, maxTokens);
                return TypedResults.File(buffer.ToArray(), "application/jsonl", EvalSetExport.FileName(id, format));
            })
            .InProject(ScopeKind.EvalSet, "id")
            .WithSummary("The set as a batch input JSONL (format=batch, model=M: OpenAI Batch API, vLLM run_batch; format=bedrock-claude or bedrock-nova, maxTokens=N: Bedrock batch inference; format=vertex-gemini or gemini-batch, maxTokens=N: Vertex AI batch prediction, Gemini API batch mode) or LLaMA-Factory alpaca lines (format=llamafactory)");

        api.MapGet("/eval-sets/{id:int}/bedrock-job", async (int id, string? format, EvalSetExport export, CancellationToken ct) =>
            {
                var job = await export.BedrockJobAsync(id, format ?? EvalSetExport.BedrockClaudeFormat, ct);
                return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(job.Json), "application/json", job.FileName);
            })
            .InProject(ScopeKind.EvalSet, "id")
            .WithSummary("The CreateModelInvocationJob body for the set's Bedrock batch input (format=bedrock-claude or bedrock-nova); replace the bucket and role placeholders before sending it");

        api.MapGet("/eval-sets/{id:int}/items", async (int id, int? skip, int? take, EvalSets sets, CancellationToken ct) =>
            TypedResults.Ok(await sets.ListItemsAsync(id, skip ?? 0, take ?? 100, ct)))
            .InProject(ScopeKind.EvalSet, "id")
            .WithSummary("Page through an eval set's items");

        api.MapPost("/eval-sets/{id:int}/items", async Task<Results<Ok<EvalItemsImportResult>, ProblemHttpResult>> (
                int id, EvalSets sets, HttpContext http, IOptionsMonitor<UploadLimitOptions> uploads, CancellationToken ct) =>
            {
                await using var upload = await Uploads.ReadFormAsync(http, uploads, ct);
                var invalid = RefusedImports.SkipInvalid(upload.Field("invalid")) ? InvalidRecordPolicy.Skip : InvalidRecordPolicy.Refuse;
                using var items = new StreamReader(upload.File, leaveOpen: true);
                var result = await sets.ImportItemsAsync(id, items, upload.FileName, http.User.ToActor(), invalid, ct);
                return result.Succeeded
                    ? TypedResults.Ok(result)
                    : RefusedImports.Problem(result);
            })
            .InProject(ScopeKind.EvalSet, "id")
            .Accepts<IFormFile>("multipart/form-data")
            .DisableAntiforgery()
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Import items from JSONL or CSV (all or nothing, or leaving out lines with problems)")
            .WithDescription("Multipart form: file; optional field invalid: refuse (the default: any line with a problem, or an id already in the set, "
                + "stops the import, and the 400 says how many lines have none) or skip (such lines are left out and listed in leftOut and leftOutLines; "
                + "a problem with the file itself, or no line without one, still refuses it). Past the upload limit: 413.");

        api.MapGet("/projects/{projectId:int}/eval-runs", async (int projectId, int? setId, EvalRuns runs, CancellationToken ct) =>
            TypedResults.Ok(await runs.ListRunsAsync(projectId, setId, ct)))
            .InProject(ScopeKind.Project, "projectId")
            .WithSummary("List runs, oldest first");

        api.MapPost("/eval-sets/{id:int}/runs", async Task<Created<EvalRunSummary>> (int id, EvalRuns runs, HttpContext http, IOptionsMonitor<UploadLimitOptions> uploads, CancellationToken ct) =>
            {
                await using var upload = await Uploads.ReadFormAsync(http, uploads, ct);
                var input = new EvalRunInput(upload.Field("name") ?? "", upload.Field("model"), upload.Field("provider"), null, null, upload.Field("settings"),
                    FormInt(upload, "datasetVersionId"), upload.Field("notes"), bool.TryParse(upload.Field("baseline"), out var baseline) && baseline);
                using var outputs = new StreamReader(upload.File, leaveOpen: true);
                var run = await runs.ImportRunAsync(id, input, outputs, upload.FileName, http.User.ToActor(), ct);
                return TypedResults.Created($"/api/eval-runs/{run.Id}", run);
            })
            .InProject(ScopeKind.EvalSet, "id")
            .Accepts<IFormFile>("multipart/form-data")
            .DisableAntiforgery()
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Record a run from a file of outputs and score it: JSONL or CSV (id, output), a batch output, LLaMA-Factory's generated_predictions.jsonl, oaieval's record, lm-evaluation-harness's --log_samples file")
            .WithDescription("Multipart form: file and name, and optional model, provider, notes, settings (JSON), datasetVersionId and baseline (true/false). Past the upload limit: 413.");

        api.MapGet("/evaluation/endpoints", (EvalGenerationService generation) => TypedResults.Ok(generation.Endpoints()))
            .WithSummary("The configured endpoints a run can be generated against: names, providers and suggested models, never keys or addresses");

        api.MapPost("/eval-sets/{id:int}/runs/generate", async Task<Accepted<EvalRunSummary>> (int id, GenerateRunRequest input, EvalGenerationRunner runner, HttpContext http, CancellationToken ct) =>
            {
                var run = await runner.StartAsync(id, input, http.User.ToActor(), ct);
                return TypedResults.Accepted($"/api/eval-runs/{run.Id}/progress", run);
            })
            .InProject(ScopeKind.EvalSet, "id")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Generate a run by calling a configured endpoint for every item; runs in the background, then is scored. Follow the progress at the returned address");

        api.MapGet("/eval-runs/{id:int}/progress", async (int id, EvalGenerationRunner runner, CancellationToken ct) =>
            TypedResults.Ok(await runner.ProgressAsync(id, ct)))
            .InProject(ScopeKind.EvalRun, "id")
            .WithSummary("Items done out of all items, failed items, and the run's status");

        api.MapPost("/eval-runs/{id:int}/cancel", async (int id, EvalGenerationRunner runner, HttpContext http, CancellationToken ct) =>
                await runner.CancelAsync(id, http.User.ToActor(), ct)
                    ? TypedResults.Accepted($"/api/eval-runs/{id}/progress")
                    : throw new ConflictException($"Eval run {id} has already ended."))
            .InProject(ScopeKind.EvalRun, "id")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Stop a generating run; finished items are kept");

        api.MapPost("/eval-runs/{id:int}/resume", async Task<Accepted<GenerationProgress>> (int id, EvalGenerationRunner runner, HttpContext http, CancellationToken ct) =>
                TypedResults.Accepted($"/api/eval-runs/{id}/progress", await runner.ResumeAsync(id, http.User.ToActor(), ct)))
            .InProject(ScopeKind.EvalRun, "id")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Resume a run whose instance stopped (Pending or Running, held by no live instance): only the items without a result are generated. 409 while an instance holds it or once it has ended");

        api.MapGet("/eval-runs/{id:int}", async (int id, EvalRuns runs, CancellationToken ct) =>
            TypedResults.Ok(await runs.GetRunAsync(id, ct)))
            .InProject(ScopeKind.EvalRun, "id")
            .WithSummary("Get a run with its aggregate scores");

        api.MapGet("/eval-runs/{id:int}/results", async (int id, int? skip, int? take, EvalRuns runs, CancellationToken ct) =>
            TypedResults.Ok(await runs.GetResultsAsync(id, skip, take, ct)))
            .InProject(ScopeKind.EvalRun, "id")
            .WithSummary($"Per-item outputs and scores of a run in item order, a page at a time: skip, take (default {Paging.DefaultTake}, at most {Paging.MaxTake}), with the total");

        api.MapDelete("/eval-runs/{id:int}", async (int id, EvalRuns runs, HttpContext http, CancellationToken ct) =>
            {
                await runs.DeleteRunAsync(id, http.User.ToActor(), ct);
                return TypedResults.NoContent();
            })
            .InProject(ScopeKind.EvalRun, "id")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Delete a run");

        api.MapGet("/eval-runs/compare", async (int baseline, int candidate, EvalRuns runs, CancellationToken ct) =>
            TypedResults.Ok(await runs.CompareAsync(baseline, candidate, ct)))
            .InProject(ScopeKind.EvalRun, "baseline", ScopeSource.Query)
            .InProject(ScopeKind.EvalRun, "candidate", ScopeSource.Query)
            .WithSummary("Compare a candidate run with a baseline: deltas, McNemar, bootstrap, regressions and fixes");

        api.MapGet("/projects/{projectId:int}/comparisons", async (int projectId, int? skip, int? take, ComparisonService comparisons, CancellationToken ct) =>
            TypedResults.Ok(await comparisons.ListAsync(projectId, skip, take, ct)))
            .InProject(ScopeKind.Project, "projectId")
            .WithSummary($"List blind A/B comparisons, newest first, a page at a time: skip, take (default {Paging.DefaultTake}, at most {Paging.MaxTake}), with the total");

        api.MapPost("/comparisons", async Task<Created<ComparisonSummary>> (ComparisonRequest input, ComparisonService comparisons, ProjectWall wall, HttpContext http, CancellationToken ct) =>
            {
                // Both runs are in the body: each must be in a project the caller works in as an evaluator.
                await wall.RequireAsync(http.User, ScopeKind.EvalRun, input.RunAId, StudioPolicies.Evaluate, ct);
                await wall.RequireAsync(http.User, ScopeKind.EvalRun, input.RunBId, StudioPolicies.Evaluate, ct);
                var created = await comparisons.CreateAsync(input.RunAId, input.RunBId, input.Name, http.User.ToActor(), ct);
                return TypedResults.Created($"/api/comparisons/{created.Id}", created);
            })
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Start a blind A/B comparison (run A is the baseline)");

        api.MapGet("/comparisons/{id:int}/results", async (int id, ComparisonService comparisons, CancellationToken ct) =>
            TypedResults.Ok(await comparisons.ResultsAsync(id, ct)))
            .InProject(ScopeKind.Comparison, "id")
            .WithSummary("Win rate with a Wilson 95% interval, ties, position bias, per-reviewer counts");

        api.MapPost("/comparisons/{id:int}/close", async (int id, ComparisonService comparisons, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(await comparisons.CloseAsync(id, http.User.ToActor(), ct)))
            .InProject(ScopeKind.Comparison, "id")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Close a blind review: no more judgements; reviewers then see its results. 409 when already closed");

        api.MapPost("/comparisons/{id:int}/reopen", async (int id, ComparisonService comparisons, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(await comparisons.ReopenAsync(id, http.User.ToActor(), ct)))
            .InProject(ScopeKind.Comparison, "id")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Open a closed blind review again for more judgements. 409 when it is open");

        // Judging is open to the project's labelers too: these routes show no run, model or tally.
        var review = app.MapGroup("/api").WithTags("Evaluation").RequireAuthorization(StudioPolicies.JudgeBlindPairs);

        review.MapGet("/projects/{projectId:int}/reviews", async (int projectId, ComparisonService comparisons, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(await comparisons.AssignmentsAsync(projectId, http.User.UserId()!, ct)))
            .InProject(ScopeKind.Project, "projectId")
            .WithSummary("The project's blind reviews as a reviewer sees them: eval set, items, the caller's own progress, closed or not; no names, runs or tallies");

        review.MapGet("/comparisons/{id:int}/next", async Task<Results<Ok<BlindPair>, NoContent>> (int id, ComparisonService comparisons, HttpContext http, CancellationToken ct) =>
                await comparisons.NextAsync(id, http.User.UserId()!, ct) is { } pair ? TypedResults.Ok(pair) : TypedResults.NoContent())
            .InProject(ScopeKind.Comparison, "id")
            .WithSummary("The caller's next unjudged pair: outputs by side only, no run identities. 204 when all are judged or the review is closed");

        review.MapGet("/comparisons/{id:int}/items/{itemId:int}", async (int id, int itemId, ComparisonService comparisons, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(await comparisons.PairAsync(id, itemId, http.User.UserId()!, ct)))
            .InProject(ScopeKind.Comparison, "id")
            .WithSummary("One item's pair, sides as every reviewer sees them, to look at again; judging it again replaces the caller's pick");

        review.MapPost("/comparisons/{id:int}/judgements", async (int id, JudgementRequest input, ComparisonService comparisons, HttpContext http, CancellationToken ct) =>
            {
                await comparisons.JudgeAsync(id, input.ItemId, http.User.UserId()!, input.Pick, input.Reason, http.User.ToActor(), ct);
                return TypedResults.NoContent();
            })
            .InProject(ScopeKind.Comparison, "id")
            .WithSummary("Record the caller's pick (Left = A, Right = B, Tie, BothBad) for an item. 409 once the review is closed");

        review.MapGet("/comparisons/{id:int}/closed-results", async (int id, ComparisonService comparisons, CancellationToken ct) =>
                (await comparisons.GetAsync(id, ct)).IsClosed
                    ? TypedResults.Ok(await comparisons.ResultsAsync(id, ct))
                    : throw new ConflictException($"Comparison {id} is still open: its results are shown to reviewers once it closes."))
            .InProject(ScopeKind.Comparison, "id")
            .WithSummary("The results of a closed review, for every reviewer (labelers included). 409 while it is open");

        api.MapGet("/projects/{projectId:int}/training-metrics", async (int projectId, TrainingCurveService training, CancellationToken ct) =>
            TypedResults.Ok(await training.ListAsync(projectId, ct)))
            .InProject(ScopeKind.Project, "projectId")
            .WithSummary("List imported training results");

        api.MapGet("/training-metrics/{id:int}", async (int id, TrainingCurveService training, CancellationToken ct) =>
            TypedResults.Ok(await training.GetAsync(id, ct)))
            .InProject(ScopeKind.TrainingMetrics, "id")
            .WithSummary("Training curve points and the overfitting verdict");

        api.MapPost("/projects/{projectId:int}/training-metrics", async Task<Created<TrainingMetricsSummary>> (int projectId,
                TrainingCurveService training, HttpContext http, IOptionsMonitor<UploadLimitOptions> uploads, CancellationToken ct) =>
            {
                await using var upload = await Uploads.ReadFormAsync(http, uploads, ct, secondFilePart: "validation");
                var name = upload.Field("name");
                List<(string FileName, string Text)> logs = [(upload.FileName, await EvalFileParser.ReadTextAsync(upload.File, ct))];
                if (upload.Second is { } second)
                {
                    logs.Add((second.FileName, await EvalFileParser.ReadTextAsync(second.File, ct)));
                }

                var created = await training.ImportAsync(projectId, string.IsNullOrWhiteSpace(name) ? Path.GetFileNameWithoutExtension(upload.FileName) : name,
                    FormInt(upload, "datasetVersionId"), logs, http.User.ToActor(), ct);
                return TypedResults.Created($"/api/training-metrics/{created.Id}", created);
            })
            .InProject(ScopeKind.Project, "projectId")
            .Accepts<IFormFile>("multipart/form-data")
            .DisableAntiforgery()
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Import a training log: trainer_state.json (Hugging Face, TRL, axolotl, Unsloth), LLaMA-Factory's trainer_log.jsonl or a provider's results CSV")
            .WithDescription("Multipart form: file, and optional name and datasetVersionId; for Amazon Bedrock, step_wise_training_metrics.csv as file and validation_metrics.csv as validation. Past the upload limit: 413.");
    }

    private static int? FormInt(Upload upload, string field) => upload.Field(field) switch
    {
        null or "" => null,
        var text => int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new StudioValidationException(field, "must be a whole number"),
    };
}
