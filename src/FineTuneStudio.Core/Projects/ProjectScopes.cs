using FineTuneStudio.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Projects;

/// <summary>The kinds of object a route can point at; each belongs to exactly one project.</summary>
public enum ScopeKind
{
    Project,
    Dataset,
    Example,
    Version,
    EvalSet,
    EvalRun,
    Comparison,
    TrainingMetrics,
    Assessment,
    Judge,
    JudgeRun,
}

/// <summary>
/// Finds the project an object belongs to, so one wall can guard every route and page instead of
/// each service remembering to check. Null when the object does not exist.
/// </summary>
public sealed class ProjectScopes(IDbContextFactory<StudioDbContext> factory)
{
    /// <summary>The name services use in their "not found" messages, so a wall refusal reads the same as a missing object.</summary>
    public static string EntityName(ScopeKind kind) => kind switch
    {
        ScopeKind.Project => "Project",
        ScopeKind.Dataset => "Dataset",
        ScopeKind.Example => "Example",
        ScopeKind.Version => "Version",
        ScopeKind.EvalSet => "Eval set",
        ScopeKind.EvalRun => "Eval run",
        ScopeKind.Comparison => "Comparison",
        ScopeKind.TrainingMetrics => "Training results",
        ScopeKind.Assessment => "Assessment",
        ScopeKind.Judge => "Judge",
        ScopeKind.JudgeRun => "Judge run",
        _ => kind.ToString(),
    };

    public async Task<int?> ProjectOfAsync(ScopeKind kind, int id, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        IQueryable<int> query = kind switch
        {
            ScopeKind.Project => db.Projects.Where(p => p.Id == id).Select(p => p.Id),
            ScopeKind.Dataset => db.Datasets.Where(d => d.Id == id).Select(d => d.ProjectId),
            ScopeKind.Example => db.Examples.Where(e => e.Id == id).Select(e => e.Dataset!.ProjectId),
            ScopeKind.Version => db.DatasetVersions.Where(v => v.Id == id).Select(v => v.Dataset!.ProjectId),
            ScopeKind.EvalSet => db.EvalSets.Where(s => s.Id == id).Select(s => s.ProjectId),
            ScopeKind.EvalRun => db.EvalRuns.Where(r => r.Id == id).Select(r => r.EvalSet!.ProjectId),
            ScopeKind.Comparison => from c in db.Comparisons
                                    where c.Id == id
                                    join r in db.EvalRuns on c.RunAId equals r.Id
                                    select r.EvalSet!.ProjectId,
            ScopeKind.TrainingMetrics => db.TrainingMetrics.Where(t => t.Id == id).Select(t => t.ProjectId),
            ScopeKind.Assessment => db.Assessments.Where(a => a.Id == id).Select(a => a.ProjectId),
            ScopeKind.Judge => db.Judges.Where(j => j.Id == id).Select(j => j.ProjectId),
            ScopeKind.JudgeRun => db.JudgeRuns.Where(r => r.Id == id).Select(r => r.JudgeVersion!.Judge!.ProjectId),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        var found = await query.Take(1).ToListAsync(cancellationToken);
        return found.Count == 0 ? null : found[0];
    }
}
