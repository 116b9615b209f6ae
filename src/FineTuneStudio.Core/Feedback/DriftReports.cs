using System.Text;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Feedback;

/// <summary>
/// Drift of the project's logged requests against the training side of a dataset version, the choices of
/// basis, and the log ids the drift filters (no near neighbour, one new-topic cluster) select.
/// </summary>
public sealed class DriftReports(IDbContextFactory<StudioDbContext> factory, DriftReportCache driftCache)
{
    /// <summary>
    /// Drift of the project's logged requests against the training side of a dataset version (the
    /// latest when <paramref name="versionNumber"/> is null). Without any version the dataset's
    /// approved examples stand in, and <see cref="DriftResult.Basis"/> says so. The dataset defaults to
    /// the one last exported (the project's first dataset before any export). With default options the
    /// report is reused until its logs, version or approved examples change (<see cref="DriftReportCache"/>).
    /// </summary>
    public async Task<DriftResult> DriftAsync(int projectId, int? datasetId, int? versionNumber, DateTime? since, CancellationToken cancellationToken,
        DriftOptions? options = null)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => new { p.Id, p.DriftThreshold })
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("Project", projectId);
        var dataset = await FeedbackDatasets.FindAsync(db, projectId, datasetId, cancellationToken)
            ?? throw (datasetId is null
                ? new StudioValidationException("dataset", "the project has no dataset to compare the logs with")
                : new NotFoundException("Dataset", datasetId));
        var versions = db.DatasetVersions.AsNoTracking().Where(v => v.DatasetId == dataset.Id);
        var version = versionNumber is { } number
            ? await versions.Where(v => v.Number == number).Select(v => new VersionRef(v.Id, v.Number)).SingleOrDefaultAsync(cancellationToken)
              ?? throw new StudioValidationException("version", $"dataset '{dataset.Name}' has no version {number}")
            : await versions.OrderByDescending(v => v.Number).Select(v => new VersionRef(v.Id, v.Number)).FirstOrDefaultAsync(cancellationToken);

        var threshold = project.DriftThreshold ?? options?.Threshold ?? DriftOptions.DefaultThreshold;
        if (options is not null)
        {
            return await ComputeDriftAsync(db, projectId, dataset, version, since, threshold, options, cancellationToken);
        }

        var stamp = await DriftStampAsync(db, projectId, dataset, version, since, cancellationToken);
        return await driftCache.GetOrComputeAsync(new DriftReportCache.Basis(projectId, dataset.Id, version?.Id, since, threshold), stamp,
            () => ComputeDriftAsync(db, projectId, dataset, version, since, threshold, null, cancellationToken));
    }

    private sealed record VersionRef(int Id, int Number);

    private static async Task<DriftReportCache.Stamp> DriftStampAsync(StudioDbContext db, int projectId, TargetDataset dataset, VersionRef? version,
        DateTime? since, CancellationToken cancellationToken)
    {
        var logs = db.ProductionLogs.AsNoTracking().Where(l => l.ProjectId == projectId);
        if (since is { } from)
        {
            logs = logs.Where(l => l.LoggedAt >= from);
        }

        var latestLog = await logs.MaxAsync(l => (long?)l.Id, cancellationToken) ?? 0;
        var logCount = await logs.CountAsync(cancellationToken);
        // A version's examples never change; without one the approved examples are the training side.
        var approvedCount = 0;
        DateTime? approvedChanged = null;
        if (version is null)
        {
            var approved = db.Examples.AsNoTracking().Where(e => e.DatasetId == dataset.Id && e.Status == ExampleStatus.Approved);
            approvedCount = await approved.CountAsync(cancellationToken);
            approvedChanged = await approved.MaxAsync(e => (DateTime?)e.UpdatedAt, cancellationToken);
        }

        return new DriftReportCache.Stamp(latestLog, logCount, approvedCount, approvedChanged, string.Join('\u001f', dataset.Labels));
    }

    private static async Task<DriftResult> ComputeDriftAsync(StudioDbContext db, int projectId, TargetDataset dataset, VersionRef? version,
        DateTime? since, double threshold, DriftOptions? options, CancellationToken cancellationToken)
    {
        var analyzer = new DriftAnalyzer((options ?? new DriftOptions()) with { Threshold = threshold });
        var labels = new Dictionary<int, string?>();
        IQueryable<Example> training = db.Examples.AsNoTracking().Where(e => e.DatasetId == dataset.Id);
        training = version is null
            ? training.Where(e => e.Status == ExampleStatus.Approved)
            : training.Where(e => db.DatasetVersionExamples.Any(v => v.DatasetVersionId == version.Id && v.Split == SplitPin.Train && v.ExampleId == e.Id));
        await foreach (var e in training.Select(e => new { e.Id, e.Label }).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            labels[e.Id] = e.Label;
        }

        // User turns in example order, streamed; consecutive rows of one example form its input text.
        var messages = db.ExampleMessages.AsNoTracking()
            .Where(m => m.Role == MessageRole.User && training.Any(e => e.Id == m.ExampleId))
            .OrderBy(m => m.ExampleId).ThenBy(m => m.Position)
            .Select(m => new { m.ExampleId, m.Content });
        var current = -1;
        var text = new StringBuilder();
        await foreach (var m in messages.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (m.ExampleId != current && current >= 0)
            {
                analyzer.AddTraining(text.ToString(), labels.GetValueOrDefault(current));
                text.Clear();
            }

            current = m.ExampleId;
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(m.Content);
        }

        if (current >= 0)
        {
            analyzer.AddTraining(text.ToString(), labels.GetValueOrDefault(current));
        }

        var labelSet = dataset.TaskKind == TaskKind.Classification ? dataset.Labels.ToHashSet(StringComparer.OrdinalIgnoreCase) : null;
        var logs = db.ProductionLogs.AsNoTracking().Where(l => l.ProjectId == projectId);
        if (since is { } from)
        {
            logs = logs.Where(l => l.LoggedAt >= from);
        }

        await foreach (var l in logs.OrderBy(l => l.Id).Select(l => new { l.Id, l.LoggedAt, l.InputText, l.Response })
                           .AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            // For classification the logged answer is the model's label: that gives the label shift.
            var answer = l.Response.Trim();
            analyzer.AddLog(l.Id, l.LoggedAt, l.InputText, labelSet is not null && labelSet.TryGetValue(answer, out var label) ? label : null);
        }

        var report = analyzer.Analyze(cancellationToken);
        var basis = version is null
            ? $"No version of '{dataset.Name}' has been cut yet: compared with its {report.TrainingCount} approved examples instead."
            : $"Compared with the {report.TrainingCount} training examples of '{dataset.Name}' version {version.Number}.";
        return new DriftResult(dataset.Id, dataset.Name, version?.Number, basis, report) { Since = since };
    }

    /// <summary>The datasets and versions drift can be measured against, and the default (the newest version of the dataset last exported).</summary>
    public async Task<DriftChoices> DriftChoicesAsync(int projectId, CancellationToken cancellationToken)
    {
        await FeedbackDatasets.EnsureProjectAsync(factory, projectId, cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var datasets = await db.Datasets.AsNoTracking().Where(d => d.ProjectId == projectId).OrderBy(d => d.Name).ThenBy(d => d.Id)
            .Select(d => new { d.Id, d.Name }).ToListAsync(cancellationToken);
        var versions = await db.DatasetVersions.AsNoTracking().Where(v => v.Dataset!.ProjectId == projectId)
            .Select(v => new { v.DatasetId, v.Number }).ToListAsync(cancellationToken);
        var fallback = await FeedbackDatasets.FindAsync(db, projectId, null, cancellationToken);
        var choices = datasets.Select(d => new DriftDatasetChoice(d.Id, d.Name,
            versions.Where(v => v.DatasetId == d.Id).Select(v => v.Number).OrderDescending().ToList())).ToList();
        var defaultVersion = choices.Find(c => c.DatasetId == fallback?.Id) is { Versions.Count: > 0 } chosen ? chosen.Versions[0] : (int?)null;
        return new DriftChoices(choices, fallback?.Id, defaultVersion);
    }

    /// <summary>The log ids the drift filters allow (no near neighbour, one cluster), from the (cached) drift report; null without such a filter.</summary>
    internal async Task<HashSet<long>?> LogIdsAsync(int projectId, LogFilter filter, CancellationToken cancellationToken)
    {
        if (filter.NoNeighbourInVersion is null && filter.Cluster is null)
        {
            return null;
        }

        var version = filter.NoNeighbourInVersion is { } number and not 0 ? number : (int?)null;
        var drift = await DriftAsync(projectId, filter.DriftDatasetId, version, null, cancellationToken);
        var ids = filter.NoNeighbourInVersion is null ? null : drift.Report.NoNeighbourLogIds.ToHashSet();
        if (filter.Cluster is { } clusterId)
        {
            var cluster = drift.Report.Clusters.FirstOrDefault(c => c.Id == clusterId)
                ?? throw new StudioValidationException("cluster", drift.Report.Clusters.Count == 0
                    ? $"the drift report against {DescribeBasis(drift)} has no new-topic clusters"
                    : $"the drift report against {DescribeBasis(drift)} has clusters 1 to {drift.Report.Clusters.Count}, not {clusterId}");
            ids = ids is null ? cluster.LogIds.ToHashSet() : ids.Intersect(cluster.LogIds).ToHashSet();
        }

        return ids;
    }

    private static string DescribeBasis(DriftResult drift) =>
        drift.VersionNumber is { } v ? $"'{drift.DatasetName}' version {v}" : $"the approved examples of '{drift.DatasetName}'";
}
