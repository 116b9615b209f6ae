using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Projects;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Web.Tests.Support;

/// <summary>The ids of a project holding one object of every kind a route or page can name.</summary>
public sealed record ProjectObjects(int ProjectId, string Name, int DatasetId, int ExampleId, int VersionId, int EvalSetId, int RunId, int ComparisonId, int TrainingMetricsId, int AssessmentId, int JudgeId, int JudgeRunId)
{
    public int IdOf(ScopeKind kind) => kind switch
    {
        ScopeKind.Project => ProjectId,
        ScopeKind.Dataset => DatasetId,
        ScopeKind.Example => ExampleId,
        ScopeKind.Version => VersionId,
        ScopeKind.EvalSet => EvalSetId,
        ScopeKind.EvalRun => RunId,
        ScopeKind.Comparison => ComparisonId,
        ScopeKind.TrainingMetrics => TrainingMetricsId,
        ScopeKind.Assessment => AssessmentId,
        ScopeKind.Judge => JudgeId,
        ScopeKind.JudgeRun => JudgeRunId,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}

public partial class StudioAppFactory
{
    /// <summary>A project with one object of every kind and no members: the demo users are all outside it.</summary>
    public async Task<ProjectObjects> CreateProjectWithOneOfEachAsync()
    {
        var name = $"Client B {Guid.NewGuid():N}";
        var project = await Services.GetRequiredService<ProjectService>().CreateAsync(new ProjectInput(name, "Another client's data"), Actor.System, default);
        var dataset = await Services.GetRequiredService<DatasetService>().CreateAsync(project.Id, new DatasetInput("Secret tickets", TaskKind.Chat), Actor.System, default);
        return await QueryAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var example = new Example { DatasetId = dataset.Id, Status = ExampleStatus.Draft, Source = ExampleSource.Manual, CreatedAt = now, UpdatedAt = now };
            new ExampleContent([new MessageContent(MessageRole.User, "Client B's secret question"), new MessageContent(MessageRole.Assistant, "Client B's secret answer")], null).ApplyTo(example);
            db.Examples.Add(example);
            var version = new DatasetVersion { DatasetId = dataset.Id, Number = 1, Target = "openai-chat", CreatedAt = now };
            db.DatasetVersions.Add(version);
            var set = new EvalSet { ProjectId = project.Id, Name = "Client B held-out", CreatedAt = now };
            db.EvalSets.Add(set);
            await db.SaveChangesAsync();
            var runA = new EvalRun { EvalSetId = set.Id, Name = "baseline", CreatedAt = now };
            var runB = new EvalRun { EvalSetId = set.Id, Name = "candidate", CreatedAt = now };
            db.EvalRuns.AddRange(runA, runB);
            var metrics = new TrainingMetrics { ProjectId = project.Id, Name = "results.csv", ImportedAt = now };
            db.TrainingMetrics.Add(metrics);
            var assessment = new ReadinessAssessment { ProjectId = project.Id, CreatedAt = now };
            db.Assessments.Add(assessment);
            await db.SaveChangesAsync();
            var comparison = new Comparison { RunAId = runA.Id, RunBId = runB.Id, Name = "Client B A/B", CreatedAt = now };
            db.Comparisons.Add(comparison);
            var judge = new Judge { ProjectId = project.Id, Name = "Client B judge", CreatedAt = now };
            var judgeVersion = new JudgeVersion { Number = 1, Rubric = "Client B's secret criteria", Endpoint = "none", Model = "m", CreatedAt = now };
            judge.Versions.Add(judgeVersion);
            db.Judges.Add(judge);
            await db.SaveChangesAsync();
            var judgeRun = new JudgeRun { JudgeVersionId = judgeVersion.Id, ComparisonId = comparison.Id, Status = EvalRunStatus.Completed, CreatedAt = now };
            db.JudgeRuns.Add(judgeRun);
            await db.SaveChangesAsync();
            return new ProjectObjects(project.Id, name, dataset.Id, example.Id, version.Id, set.Id, runA.Id, comparison.Id, metrics.Id, assessment.Id, judge.Id, judgeRun.Id);
        });
    }
}
