using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Projects;

public sealed record DatasetStatusCounts(int DatasetId, string DatasetName, TaskKind TaskKind, int Draft, int Submitted, int Approved, int Rejected)
{
    public int Total => Draft + Submitted + Approved + Rejected;
}

public sealed record ProjectOverview(
    ProjectSummary Project,
    IReadOnlyList<DatasetStatusCounts> Datasets,
    int Annotations,
    int Labelers,
    string? LatestVerdict,
    DateTime? LatestVerdictAt,
    int? LatestVersionNumber,
    string? LatestVersionDataset,
    DateTime? LatestVersionAt,
    int EvalSets,
    int EvalItems,
    int EvalRuns)
{
    /// <summary>Findings of the latest completed quality analysis of each dataset; null when none has run yet.</summary>
    public int? QualityFindings { get; init; }
    public int QualityDatasetsChecked { get; init; }
    public DateTime? QualityCheckedAt { get; init; }
}

/// <summary>The figures on a project's Overview page, each a cheap aggregate query.</summary>
public sealed class ProjectOverviewService(IDbContextFactory<StudioDbContext> factory, ProjectService projects)
{
    public async Task<ProjectOverview> GetAsync(int projectId, CancellationToken cancellationToken)
    {
        var project = await projects.GetAsync(projectId, cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);

        var datasets = await db.Datasets.AsNoTracking().Where(d => d.ProjectId == projectId)
            .OrderBy(d => d.Name).Select(d => new { d.Id, d.Name, d.TaskKind }).ToListAsync(cancellationToken);
        var counts = await db.Examples.AsNoTracking().Where(e => e.Dataset!.ProjectId == projectId)
            .GroupBy(e => new { e.DatasetId, e.Status })
            .Select(g => new { g.Key.DatasetId, g.Key.Status, Count = g.Count() })
            .ToListAsync(cancellationToken);
        int Count(int datasetId, ExampleStatus status) => counts.Where(c => c.DatasetId == datasetId && c.Status == status).Sum(c => c.Count);
        var datasetCounts = datasets.Select(d => new DatasetStatusCounts(d.Id, d.Name, d.TaskKind,
            Count(d.Id, ExampleStatus.Draft), Count(d.Id, ExampleStatus.Submitted), Count(d.Id, ExampleStatus.Approved), Count(d.Id, ExampleStatus.Rejected))).ToList();

        var annotations = db.Annotations.AsNoTracking().Where(a => a.Example!.Dataset!.ProjectId == projectId && a.Submitted);
        var annotationCount = await annotations.CountAsync(cancellationToken);
        var labelerCount = await annotations.Select(a => a.LabelerId).Distinct().CountAsync(cancellationToken);

        var latestAssessment = await db.Assessments.AsNoTracking()
            .Where(a => a.ProjectId == projectId && a.Status == AssessmentStatus.Submitted)
            .OrderByDescending(a => a.SubmittedAt).Select(a => new { a.Verdict, a.SubmittedAt })
            .FirstOrDefaultAsync(cancellationToken);

        var latestVersion = await db.DatasetVersions.AsNoTracking().Where(v => v.Dataset!.ProjectId == projectId)
            .OrderByDescending(v => v.CreatedAt).Select(v => new { v.Number, DatasetName = v.Dataset!.Name, v.CreatedAt })
            .FirstOrDefaultAsync(cancellationToken);

        var evalSets = await db.EvalSets.AsNoTracking().CountAsync(s => s.ProjectId == projectId, cancellationToken);
        var evalItems = await db.EvalItems.AsNoTracking().CountAsync(i => db.EvalSets.Any(s => s.Id == i.EvalSetId && s.ProjectId == projectId), cancellationToken);
        var evalRuns = await db.EvalRuns.AsNoTracking().CountAsync(r => r.EvalSet!.ProjectId == projectId, cancellationToken);

        // The stored result of each dataset's latest completed analysis: reading it costs one small query, never a re-run.
        var latestRunIds = await db.QualityRuns.AsNoTracking()
            .Where(r => r.Status == QualityRunStatus.Completed && db.Datasets.Any(d => d.Id == r.DatasetId && d.ProjectId == projectId))
            .GroupBy(r => r.DatasetId).Select(g => g.Max(r => r.Id)).ToListAsync(cancellationToken);
        var latestRuns = await db.QualityRuns.AsNoTracking().Where(r => latestRunIds.Contains(r.Id))
            .Select(r => new { r.FindingCount, r.CompletedAt }).ToListAsync(cancellationToken);

        return new ProjectOverview(project, datasetCounts, annotationCount, labelerCount,
            latestAssessment?.Verdict, latestAssessment?.SubmittedAt,
            latestVersion?.Number, latestVersion?.DatasetName, latestVersion?.CreatedAt,
            evalSets, evalItems, evalRuns)
        {
            QualityFindings = latestRuns.Count == 0 ? null : latestRuns.Sum(r => r.FindingCount),
            QualityDatasetsChecked = latestRuns.Count,
            QualityCheckedAt = latestRuns.Max(r => r.CompletedAt),
        };
    }
}
