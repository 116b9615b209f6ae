using System.Globalization;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>A training log of a model trained on the version, with its verdict and where validation loss was lowest.</summary>
public sealed record LineageTraining(int Id, string Name, string Format, CurveStatus Status, int? BestValidStep, double? BestValidEpoch, string Verdict);

/// <summary>An eval run of a model trained on the version, with its main metric beside the set's baseline.</summary>
public sealed record LineageRun(int Id, string Name, string EvalSetName, string? Metric, double? Value, string? BaselineName, double? BaselineValue)
{
    public bool BeatsBaseline => Value is { } v && BaselineValue is { } b && v > b;
}

/// <summary>What came of one data version: the curves of the models trained on it and their scores, in one sentence too.</summary>
public sealed record LineageEntry(int VersionId, string VersionLabel, IReadOnlyList<LineageTraining> Trainings, IReadOnlyList<LineageRun> Runs, string Summary);

/// <summary>
/// Joins a dataset version to what was trained on it: the training logs and the eval runs that name it. The version
/// page, the evaluation dashboard and <c>fts versions lineage</c> show it.
/// </summary>
public sealed class VersionLineage(IDbContextFactory<StudioDbContext> factory, EvalRuns evalRuns, TrainingCurveService training)
{
    public async Task<LineageEntry> ForVersionAsync(int versionId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var version = await db.DatasetVersions.AsNoTracking().Where(v => v.Id == versionId)
            .Select(v => new { v.Id, v.Number, Dataset = v.Dataset!.Name, v.Dataset.ProjectId }).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("Version", versionId);
        return (await BuildAsync(version.ProjectId, [(version.Id, $"{version.Dataset} v{version.Number}")], cancellationToken)).Single();
    }

    /// <summary>Every version of the project that something was trained on, newest first.</summary>
    public async Task<IReadOnlyList<LineageEntry>> ForProjectAsync(int projectId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var used = await db.DatasetVersions.AsNoTracking()
            .Where(v => v.Dataset!.ProjectId == projectId
                        && (db.TrainingMetrics.Any(t => t.DatasetVersionId == v.Id) || db.EvalRuns.Any(r => r.DatasetVersionId == v.Id)))
            .OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Id)
            .Select(v => new { v.Id, v.Number, Dataset = v.Dataset!.Name }).ToListAsync(cancellationToken);
        return await BuildAsync(projectId, [.. used.Select(v => (v.Id, $"{v.Dataset} v{v.Number}"))], cancellationToken);
    }

    private async Task<IReadOnlyList<LineageEntry>> BuildAsync(int projectId, IReadOnlyList<(int Id, string Label)> versions, CancellationToken cancellationToken)
    {
        var logs = await training.ListAsync(projectId, cancellationToken);
        var runs = (await evalRuns.ListRunsAsync(projectId, null, cancellationToken)).Where(r => r.Status == EvalRunStatus.Completed && r.Summary is not null).ToList();
        var entries = new List<LineageEntry>();
        foreach (var (id, label) in versions)
        {
            var trainings = new List<LineageTraining>();
            foreach (var log in logs.Where(t => t.DatasetVersionId == id))
            {
                var curve = await training.CurveAsync(log, cancellationToken);
                var best = curve.Points.FirstOrDefault(p => p.Step == curve.Verdict.BestValidStep);
                trainings.Add(new LineageTraining(log.Id, log.Name, log.Format, curve.Verdict.Status, curve.Verdict.BestValidStep, best?.Epoch, curve.Verdict.Message));
            }

            var trained = runs.Where(r => r.DatasetVersionId == id && !r.IsBaseline).Select(r =>
            {
                // The set's latest baseline is what the run is measured against.
                var baseline = runs.LastOrDefault(b => b.IsBaseline && b.EvalSetId == r.EvalSetId);
                var metric = r.Summary!.MainMetric;
                return new LineageRun(r.Id, r.Name, r.EvalSetName, metric, r.Summary.MainValue, baseline?.Name,
                    metric is not null && baseline?.Summary?.Metrics.TryGetValue(metric, out var b) == true ? b : null);
            }).ToList();
            entries.Add(new LineageEntry(id, label, trainings, trained, Summary(label, trainings, trained)));
        }

        return entries;
    }

    /// <summary>"Trained on Intents v3: validation loss lowest at epoch 2 (step 40), then rising; 84.0% against the baseline's 70.0%."</summary>
    public static string Summary(string label, IReadOnlyList<LineageTraining> trainings, IReadOnlyList<LineageRun> runs)
    {
        var parts = new List<string>();
        if (trainings.Count > 0)
        {
            var t = trainings[0];
            var where = t.BestValidEpoch is { } epoch ? string.Create(CultureInfo.InvariantCulture, $"epoch {epoch:0.##} (step {t.BestValidStep})") : $"step {t.BestValidStep}";
            parts.Add(t.Status switch
            {
                CurveStatus.Overfitting => $"validation loss lowest at {where}, then rising: overfitting",
                CurveStatus.Healthy => $"validation loss lowest at {where}, no sign of overfitting",
                _ => "no validation loss logged",
            });
        }

        if (runs.Count > 0)
        {
            var r = runs[^1];
            parts.Add(r.BaselineValue is { } b
                ? $"{Percent(r.Value)} {r.Metric} against the baseline's {Percent(b)}"
                : $"{Percent(r.Value)} {r.Metric}, no baseline on {r.EvalSetName} yet");
        }

        return parts.Count == 0 ? $"Nothing trained on {label} has been imported yet." : $"Trained on {label}: {string.Join("; ", parts)}.";
    }

    private static string Percent(double? value) => value is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v * 100:0.0}%") : "–";
}
