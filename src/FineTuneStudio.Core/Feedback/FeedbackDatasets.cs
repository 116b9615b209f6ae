using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Feedback;

/// <summary>The dataset a feedback action works on (drift basis, promotion or synthetic target).</summary>
internal sealed record TargetDataset(int Id, string Name, TaskKind TaskKind, List<string> Labels, DateTime? ArchivedAt);

/// <summary>Finding the project and the dataset the feedback services act on.</summary>
internal static class FeedbackDatasets
{
    public static async Task<TargetDataset> TargetAsync(IDbContextFactory<StudioDbContext> factory, int projectId, int? datasetId, CancellationToken cancellationToken)
    {
        await EnsureProjectAsync(factory, projectId, cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var target = await FindAsync(db, projectId, datasetId, cancellationToken)
               ?? throw (datasetId is null
                   ? new StudioValidationException("dataset", "the project has no dataset yet")
                   : new NotFoundException("Dataset", datasetId));
        // Promotion and synthetic drafts add examples, which an archived dataset does not take.
        Dataset.RefuseIfArchived(target.Name, target.ArchivedAt, "new examples");
        return target;
    }

    /// <summary>
    /// The chosen dataset of the project, or by default the one whose version was cut last (that is what the
    /// current model was trained on), else the project's first dataset; null when there is none.
    /// </summary>
    public static async Task<TargetDataset?> FindAsync(StudioDbContext db, int projectId, int? datasetId, CancellationToken cancellationToken)
    {
        var datasets = db.Datasets.AsNoTracking().Where(d => d.ProjectId == projectId);
        if (datasetId is null)
        {
            datasetId = await db.DatasetVersions.AsNoTracking().Where(v => v.Dataset!.ProjectId == projectId)
                .OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Id).Select(v => (int?)v.DatasetId).FirstOrDefaultAsync(cancellationToken);
        }
        else if (!await datasets.AnyAsync(d => d.Id == datasetId, cancellationToken))
        {
            return null;
        }

        return await datasets.Where(d => datasetId == null || d.Id == datasetId)
            .OrderBy(d => d.Id).Select(d => new TargetDataset(d.Id, d.Name, d.TaskKind, d.Labels, d.ArchivedAt)).FirstOrDefaultAsync(cancellationToken);
    }

    public static async Task EnsureProjectAsync(IDbContextFactory<StudioDbContext> factory, int projectId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException("Project", projectId);
        }
    }
}
