using FineTuneStudio.Core.Training;
using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Readiness;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTuneStudio.Web.Api;

public sealed record QuestionnaireDimension(ReadinessDimension Dimension, string Title, int Weight);

public sealed record QuestionnaireResponse(IReadOnlyList<QuestionnaireDimension> Dimensions, IReadOnlyList<ReadinessQuestion> Questions);

public static class ReadinessEndpoints
{
    public static void MapReadinessEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/readiness/questionnaire", () => TypedResults.Ok(Questionnaire()))
            .WithTags("Readiness")
            .RequireAuthorization(StudioPolicies.ViewReadiness)
            .WithSummary("The readiness questions, grouped by dimension, with help texts and answer types");

        var assessments = app.MapGroup("/api/projects/{id:int}/assessments").WithTags("Readiness").InProject(ScopeKind.Project, "id").RequireAuthorization(StudioPolicies.ViewReadiness);

        assessments.MapGet("/", async (int id, Assessments readiness, CancellationToken ct) =>
            TypedResults.Ok(await readiness.ListAsync(id, ct)))
            .WithSummary("Submitted assessments of a project, oldest first");

        assessments.MapPost("/", async Task<Created<AssessmentDetail>> (int id, JsonElement body, Assessments readiness, HttpContext http, CancellationToken ct) =>
            {
                var submission = ReadinessSubmissionParser.Parse(body);
                var created = await readiness.SubmitAsync(id, submission, http.User.ToActor(), ct);
                return TypedResults.Created($"/api/projects/{id}/assessments/{created.Summary.Id}", created);
            })
            .RequireAuthorization(StudioPolicies.AssessReadiness)
            .WithSummary("Score answers against the project's own data and store the assessment");

        assessments.MapGet("/{aid:int}", async (int id, int aid, Assessments readiness, CancellationToken ct) =>
            TypedResults.Ok(await readiness.GetAsync(id, aid, ct)))
            .WithSummary("One assessment with its answers, verdict, evidence and estimates");

        assessments.MapGet("/compare", async (int id, int a, int b, Assessments readiness, CancellationToken ct) =>
            TypedResults.Ok(await readiness.CompareAsync(id, a, b, ct)))
            .WithSummary("Two assessments side by side: score changes and changed answers");

        assessments.MapGet("/{aid:int}/report.md", async (int id, int aid, ReadinessReports reports, CancellationToken ct) =>
            {
                var report = await reports.ReportAsync(id, aid, ct);
                return TypedResults.File(Encoding.UTF8.GetBytes(report.Markdown), "text/markdown; charset=utf-8", report.FileName);
            })
            .WithSummary("The assessment as a Markdown report");

        var targets = app.MapGroup("/api/training-targets").WithTags("Readiness").RequireAuthorization(StudioPolicies.ViewReadiness);

        targets.MapGet("/", async (TrainingTargetService service, CancellationToken ct) =>
            TypedResults.Ok(await service.ListAsync(ct)))
            .WithSummary("Training targets with their limits, example prices and status");

        targets.MapPut("/{key}", async (string key, TrainingTargetInput input, TrainingTargetService service, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await service.UpdateAsync(key, input, http.User.ToActor(), ct)))
            .RequireAuthorization(StudioPolicies.Administer)
            .WithSummary("Change a training target's price, limits or status");

        targets.MapPost("/", async (TrainingTargetNew input, TrainingTargetService service, HttpContext http, CancellationToken ct) =>
            {
                var added = await service.AddAsync(input, http.User.ToActor(), ct);
                return TypedResults.Created($"/api/training-targets/{added.Key}", added);
            })
            .RequireAuthorization(StudioPolicies.Administer)
            .WithSummary("Add a training target whose files follow one of the built-in formats (format: openai-chat, hf-messages, …)");
    }

    public static QuestionnaireResponse Questionnaire() => new(
        Enum.GetValues<ReadinessDimension>().Select(d => new QuestionnaireDimension(d, ReadinessReportWriter.DimensionTitle(d), ReadinessRules.Weights[d])).ToList(),
        ReadinessQuestionnaire.Questions);
}
