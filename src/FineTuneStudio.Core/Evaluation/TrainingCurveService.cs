using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Evaluation;

public sealed record TrainingMetricsSummary(int Id, int ProjectId, string Name, int? DatasetVersionId, string? DatasetVersionLabel, DateTime ImportedAt, int Points,
    string Format = "");

public sealed record TrainingCurve(TrainingMetricsSummary Metrics, IReadOnlyList<CurvePoint> Points, OverfittingVerdict Verdict);

/// <summary>Imported training logs (a provider's results CSV, an open trainer's log) and their loss curves.</summary>
public sealed class TrainingCurveService(IDbContextFactory<StudioDbContext> factory, TimeProvider clock)
{
    public Task<TrainingMetricsSummary> ImportAsync(int projectId, string name, int? datasetVersionId, string logText, Actor actor, CancellationToken cancellationToken) =>
        ImportAsync(projectId, name, datasetVersionId, [("log", logText)], actor, cancellationToken);

    /// <summary>One training run from one log, or from several files of it (Bedrock's training and validation metrics), merged by step.</summary>
    public async Task<TrainingMetricsSummary> ImportAsync(int projectId, string name, int? datasetVersionId, IReadOnlyList<(string FileName, string Text)> logs, Actor actor,
        CancellationToken cancellationToken)
    {
        name = name?.Trim() ?? "";
        if (name.Length == 0 || name.Length > 200)
        {
            throw new StudioValidationException("name", "give the training results a name of 1 to 200 characters");
        }

        var log = TrainerLogParser.Parse(logs);
        var points = log.Points;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException("Project", projectId);
        }

        if (datasetVersionId is { } versionId && !await db.DatasetVersions.AnyAsync(v => v.Id == versionId && v.Dataset!.ProjectId == projectId, cancellationToken))
        {
            throw new StudioValidationException("datasetVersionId", $"dataset version {versionId} is not in this project");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var metrics = new TrainingMetrics { ProjectId = projectId, Name = name, DatasetVersionId = datasetVersionId, Format = log.Format, ImportedAt = now };
        metrics.Points.AddRange(points.Select(p => new TrainingMetricPoint
        {
            Step = p.Step, TrainLoss = p.TrainLoss, TrainAccuracy = p.TrainAccuracy, ValidLoss = p.ValidLoss, ValidAccuracy = p.ValidAccuracy,
            Epoch = p.Epoch, LearningRate = p.LearningRate,
        }));
        db.TrainingMetrics.Add(metrics);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, actor, now, "training.import", nameof(TrainingMetrics), metrics.Id, $"{name} ({log.Format}): {points.Count} steps");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (await ListAsync(projectId, cancellationToken)).Single(m => m.Id == metrics.Id);
    }

    public async Task<IReadOnlyList<TrainingMetricsSummary>> ListAsync(int projectId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.TrainingMetrics.AsNoTracking().Where(t => t.ProjectId == projectId).OrderByDescending(t => t.ImportedAt).ThenByDescending(t => t.Id)
            .Select(t => new TrainingMetricsSummary(t.Id, t.ProjectId, t.Name, t.DatasetVersionId,
                db.DatasetVersions.Where(v => v.Id == t.DatasetVersionId).Select(v => v.Dataset!.Name + " v" + v.Number).FirstOrDefault(),
                t.ImportedAt, t.Points.Count, t.Format))
            .ToListAsync(cancellationToken);
    }

    public async Task<TrainingCurve> GetAsync(int id, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var projectId = await db.TrainingMetrics.AsNoTracking().Where(t => t.Id == id).Select(t => (int?)t.ProjectId).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("Training results", id);
        return await CurveAsync((await ListAsync(projectId, cancellationToken)).Single(t => t.Id == id), cancellationToken);
    }

    /// <summary>The curve of a log already listed: its points and the verdict, without listing the project's logs again.</summary>
    public async Task<TrainingCurve> CurveAsync(TrainingMetricsSummary summary, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var points = await db.TrainingMetricPoints.AsNoTracking().Where(p => p.TrainingMetricsId == summary.Id).OrderBy(p => p.Step)
            .Select(p => new CurvePoint(p.Step, p.TrainLoss, p.TrainAccuracy, p.ValidLoss, p.ValidAccuracy, p.Epoch, p.LearningRate)).ToListAsync(cancellationToken);
        return new TrainingCurve(summary, points, OverfittingDetector.Detect(points));
    }

    public async Task DeleteAsync(int id, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var metrics = await db.TrainingMetrics.SingleOrDefaultAsync(t => t.Id == id, cancellationToken) ?? throw new NotFoundException("Training results", id);
        db.TrainingMetrics.Remove(metrics);
        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "training.delete", nameof(TrainingMetrics), id, metrics.Name);
        await db.SaveChangesAsync(cancellationToken);
    }
}
