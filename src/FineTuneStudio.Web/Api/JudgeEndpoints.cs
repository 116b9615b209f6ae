using FineTuneStudio.Core;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Judges;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTuneStudio.Web.Api;

/// <summary>
/// LLM judges, judge runs and their calibration against the blind human reviews. Reads need ViewEvaluation,
/// writes Evaluate; every route is inside the project wall.
/// </summary>
public static class JudgeEndpoints
{
    public static void MapJudgeEndpoints(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api").WithTags("Judges").RequireAuthorization(StudioPolicies.ViewEvaluation);

        api.MapGet("/projects/{projectId:int}/judges", async (int projectId, JudgeService judges, CancellationToken ct) =>
            TypedResults.Ok(await judges.ListAsync(projectId, ct)))
            .InProject(ScopeKind.Project, "projectId")
            .WithSummary("List a project's LLM judges with their current version");

        api.MapPost("/projects/{projectId:int}/judges", async Task<Created<JudgeDetail>> (int projectId, JudgeRequest input, JudgeService judges, HttpContext http, CancellationToken ct) =>
            {
                var created = await judges.CreateAsync(projectId, input, http.User.ToActor(), ct);
                return TypedResults.Created($"/api/judges/{created.Judge.Id}", created);
            })
            .InProject(ScopeKind.Project, "projectId")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Create a judge: rubric (Markdown), mode (Pairwise, Score or PassFail), a configured endpoint, model and temperature");

        api.MapGet("/judges/{id:int}", async (int id, JudgeService judges, CancellationToken ct) =>
            TypedResults.Ok(await judges.GetAsync(id, ct)))
            .InProject(ScopeKind.Judge, "id")
            .WithSummary("A judge with every version, newest first");

        api.MapPut("/judges/{id:int}", async (int id, JudgeRequest input, JudgeService judges, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await judges.UpdateAsync(id, input, http.User.ToActor(), ct)))
            .InProject(ScopeKind.Judge, "id")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Edit a judge: a changed setting adds a version (earlier runs keep theirs); an empty name keeps the name");

        api.MapGet("/judges/{id:int}/calibration", async (int id, int? version, JudgeCalibrationService calibration, CancellationToken ct) =>
            TypedResults.Ok(await calibration.CalibrateAsync(id, version, ct)))
            .InProject(ScopeKind.Judge, "id")
            .WithSummary("The judge against the blind human reviews: Cohen's kappa with a bootstrap interval, raw agreement, position-bias rate, confusion table, trusted or not with the reason, disagreements. Current version unless version is given");

        api.MapGet("/projects/{projectId:int}/judge-verdicts", async (int projectId, JudgeCalibrationService calibration, CancellationToken ct) =>
            TypedResults.Ok(await calibration.ProjectVerdictsAsync(projectId, ct)))
            .InProject(ScopeKind.Project, "projectId")
            .WithSummary("Per comparison: the candidate's win rate by people and by each judge (latest run), with Wilson intervals and each judge's trust");

        api.MapGet("/projects/{projectId:int}/judge-runs", async (int projectId, int? judgeId, int? comparisonId, JudgeRuns runs, CancellationToken ct) =>
            TypedResults.Ok(await runs.ListAsync(projectId, judgeId, comparisonId, ct)))
            .InProject(ScopeKind.Project, "projectId")
            .WithSummary("A project's judge runs, newest first; optionally one judge's or one comparison's");

        api.MapPost("/judge-runs", async Task<Accepted<JudgeRunSummary>> (JudgeRunRequest input, JudgeRunRunner runner, ProjectWall wall, HttpContext http, CancellationToken ct) =>
            {
                // Everything named in the body must be in a project the caller evaluates in (the service then checks they share one).
                await wall.RequireAsync(http.User, ScopeKind.Judge, input.JudgeId, StudioPolicies.Evaluate, ct);
                if (input.ComparisonId is { } comparisonId)
                {
                    await wall.RequireAsync(http.User, ScopeKind.Comparison, comparisonId, StudioPolicies.Evaluate, ct);
                }

                if (input.EvalRunId is { } evalRunId)
                {
                    await wall.RequireAsync(http.User, ScopeKind.EvalRun, evalRunId, StudioPolicies.Evaluate, ct);
                }

                var run = await runner.StartAsync(input, http.User.ToActor(), ct);
                return TypedResults.Accepted($"/api/judge-runs/{run.Id}/progress", run);
            })
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Run a judge over a comparison (every pair judged in both orders) or over one eval run (score and pass/fail judges); runs in the background. Follow the progress at the returned address");

        api.MapGet("/judge-runs/{id:int}", async (int id, JudgeRuns runs, CancellationToken ct) =>
            TypedResults.Ok(await runs.GetAsync(id, ct)))
            .InProject(ScopeKind.JudgeRun, "id")
            .WithSummary("A judge run: status, items done and failed, tokens and cost");

        api.MapGet("/judge-runs/{id:int}/results", async (int id, JudgeRuns runs, CancellationToken ct) =>
            TypedResults.Ok(await runs.ResultsAsync(id, ct)))
            .InProject(ScopeKind.JudgeRun, "id")
            .WithSummary("Wins, ties, position-dependent verdicts, the candidate's win rate, and every item's verdicts with the judge's reasoning in both orders");

        api.MapGet("/judge-runs/{id:int}/progress", async (int id, JudgeRunRunner runner, CancellationToken ct) =>
            TypedResults.Ok(await runner.ProgressAsync(id, ct)))
            .InProject(ScopeKind.JudgeRun, "id")
            .WithSummary("Items done out of all items, failed items, and the run's status");

        api.MapPost("/judge-runs/{id:int}/cancel", async (int id, JudgeRunRunner runner, HttpContext http, CancellationToken ct) =>
                await runner.CancelAsync(id, http.User.ToActor(), ct)
                    ? TypedResults.Accepted($"/api/judge-runs/{id}/progress")
                    : throw new ConflictException($"Judge run {id} has already ended."))
            .InProject(ScopeKind.JudgeRun, "id")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Stop a judge run; finished verdicts are kept");

        api.MapPost("/judge-runs/{id:int}/resume", async Task<Accepted<JudgeRunProgress>> (int id, JudgeRunRunner runner, HttpContext http, CancellationToken ct) =>
                TypedResults.Accepted($"/api/judge-runs/{id}/progress", await runner.ResumeAsync(id, http.User.ToActor(), ct)))
            .InProject(ScopeKind.JudgeRun, "id")
            .RequireAuthorization(StudioPolicies.Evaluate)
            .WithSummary("Resume a judge run whose instance stopped: only the items without a verdict are judged. 409 while an instance holds it or once it has ended");
    }
}
