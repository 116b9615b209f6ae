using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Versions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Quality;

/// <summary>
/// Runs the quality analysis over a dataset in the database and stores each run (the fixes the report
/// offers are <see cref="QualityFixes"/>). The analysis streams examples in id order, one batch of
/// examples and their messages at a time (<see cref="QualityExampleReader"/>), so memory holds the
/// analyzer's compact state only.
/// </summary>
public sealed class QualityService(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, IOptions<QualityThresholds> thresholds)
{
    public const int BatchSize = 1000;

    /// <summary>The thresholds the next run will use (the <c>Quality</c> settings).</summary>
    public QualityThresholds Thresholds => thresholds.Value;

    /// <summary>Creates a run in status Running; <see cref="ExecuteAsync"/> fills it in.</summary>
    public async Task<QualityRunSummary> BeginAsync(int datasetId, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Datasets.AnyAsync(d => d.Id == datasetId, cancellationToken))
        {
            throw new NotFoundException("Dataset", datasetId);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var run = new QualityRun { DatasetId = datasetId, Status = QualityRunStatus.Running, StartedAt = now, StartedByName = actor.Name };
        db.QualityRuns.Add(run);
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, actor, now, "quality.run", nameof(QualityRun), run.Id, $"analysis of dataset {datasetId} started");
        await db.SaveChangesAsync(cancellationToken);
        return ToSummary(run);
    }

    /// <summary>The dataset's run in status Running, if any (started here or on another instance).</summary>
    public async Task<QualityProgress?> RunningAsync(int datasetId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var runId = await db.QualityRuns.AsNoTracking().Where(r => r.DatasetId == datasetId && r.Status == QualityRunStatus.Running)
            .OrderByDescending(r => r.Id).Select(r => (int?)r.Id).FirstOrDefaultAsync(cancellationToken);
        return runId is null ? null : new QualityProgress(runId.Value, datasetId, QualityRunStatus.Running, 0, 0);
    }

    /// <summary>Datasets with an analysis left in status Running that no live instance holds (its instance stopped).</summary>
    public async Task<IReadOnlyList<int>> LeftRunningDatasetIdsAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var held = JobLeaseService.LiveKeys(db, QualityJobRunner.LeaseKind, clock.GetUtcNow().UtcDateTime);
        return await db.QualityRuns.AsNoTracking()
            .Where(r => r.Status == QualityRunStatus.Running && !held.Contains(r.DatasetId.ToString()))
            .Select(r => r.DatasetId).Distinct().OrderBy(id => id).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Makes the dataset's latest analysis left running ready to run again from the beginning (the caller holds the
    /// dataset's claim); older ones left running are marked Failed, as the latest takes their place. Conflict when none is left.
    /// </summary>
    public async Task<QualityRunSummary> RestartLeftRunAsync(int datasetId, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var left = await db.QualityRuns.Where(r => r.DatasetId == datasetId && r.Status == QualityRunStatus.Running)
            .OrderByDescending(r => r.Id).ToListAsync(cancellationToken);
        if (left.Count == 0)
        {
            throw new ConflictException("No analysis of this dataset is left running; there is nothing to restart.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var older in left.Skip(1))
        {
            older.Status = QualityRunStatus.Failed;
            older.CompletedAt = now;
            older.Error = "The instance running this analysis stopped; a later analysis of the dataset took its place.";
        }

        var run = left[0];
        AuditLog.Record(db, actor, now, "quality.restart", nameof(QualityRun), run.Id,
            $"analysis of dataset {datasetId} restarted from the beginning: the instance running it stopped");
        await db.SaveChangesAsync(cancellationToken);
        return ToSummary(run);
    }

    /// <summary>
    /// Analyses the run's dataset and stores the report. A failure or cancellation is recorded on the
    /// run (status Failed or Cancelled) before the exception goes on to the caller.
    /// </summary>
    public Task<QualityRunSummary> ExecuteAsync(int runId, IProgress<QualityProgress>? progress, CancellationToken cancellationToken,
        QualityTimings? timings = null) =>
        ExecuteAsync(runId, null, progress, timings, cancellationToken);

    /// <summary>
    /// As <see cref="ExecuteAsync(int, IProgress{QualityProgress}?, CancellationToken, QualityTimings?)"/> for a run
    /// held by <paramref name="claim"/>: the final status and the release of the claim are written in one transaction.
    /// </summary>
    public Task<QualityRunSummary> ExecuteClaimedAsync(int runId, JobLeaseHandle claim, IProgress<QualityProgress>? progress, CancellationToken cancellationToken) =>
        ExecuteAsync(runId, claim, progress, null, cancellationToken);

    private async Task<QualityRunSummary> ExecuteAsync(int runId, JobLeaseHandle? claim, IProgress<QualityProgress>? progress, QualityTimings? timings,
        CancellationToken cancellationToken)
    {
        int datasetId;
        // Not cancellable: a run cancelled before it began must still be marked as cancelled below.
        await using (var db = await factory.CreateDbContextAsync(CancellationToken.None))
        {
            datasetId = await db.QualityRuns.Where(r => r.Id == runId).Select(r => (int?)r.DatasetId).SingleOrDefaultAsync(CancellationToken.None)
                ?? throw new NotFoundException("Quality run", runId);
        }

        try
        {
            var (analysis, labelers, seen, annotations) = await AnalyzeAsync(runId, datasetId, progress, timings, cancellationToken);
            var report = analysis.Report with { Suggestions = SuggestionsOf(annotations) };
            await using var db = await factory.CreateDbContextAsync(CancellationToken.None);
            var run = await db.QualityRuns.SingleAsync(r => r.Id == runId, CancellationToken.None);
            run.Status = QualityRunStatus.Completed;
            run.CompletedAt = clock.GetUtcNow().UtcDateTime;
            run.ExamplesAnalyzed = seen;
            run.FindingCount = report.Findings.Count;
            run.ReportJson = new StoredQualityReport(report, labelers, analysis.ExampleIds).ToJson();
            await SaveEndAsync(db, claim);
            progress?.Report(new QualityProgress(runId, datasetId, QualityRunStatus.Completed, seen, seen));
            return ToSummary(run);
        }
        catch (Exception e)
        {
            var status = e is OperationCanceledException ? QualityRunStatus.Cancelled : QualityRunStatus.Failed;
            await using var db = await factory.CreateDbContextAsync(CancellationToken.None);
            var run = await db.QualityRuns.SingleAsync(r => r.Id == runId, CancellationToken.None);
            run.Status = status;
            run.CompletedAt = clock.GetUtcNow().UtcDateTime;
            // The message of our own errors is safe to show; anything else is summarised by its type, never example text.
            run.Error = status == QualityRunStatus.Cancelled ? "The analysis was cancelled."
                : e is StudioValidationException or NotFoundException ? e.Message : $"The analysis failed ({e.GetType().Name}).";
            await SaveEndAsync(db, claim);
            progress?.Report(new QualityProgress(runId, datasetId, status, 0, 0));
            throw;
        }
    }

    /// <summary>Writes the run's final status; with a claim, releases it in the same transaction.</summary>
    private static async Task SaveEndAsync(StudioDbContext db, JobLeaseHandle? claim)
    {
        if (claim is null)
        {
            await db.SaveChangesAsync(CancellationToken.None);
            return;
        }

        await using var transaction = await db.Database.BeginTransactionAsync(CancellationToken.None);
        await db.SaveChangesAsync(CancellationToken.None);
        await claim.ReleaseWithinAsync(db, CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
    }

    /// <summary>Begins and executes a run in one call (the command line's synchronous analysis).</summary>
    public async Task<QualityResult> RunAsync(int datasetId, Actor actor, IProgress<QualityProgress>? progress, CancellationToken cancellationToken,
        QualityTimings? timings = null)
    {
        var run = await BeginAsync(datasetId, actor, cancellationToken);
        await ExecuteAsync(run.Id, progress, cancellationToken, timings);
        return await LatestAsync(datasetId, cancellationToken) ?? throw new NotFoundException("Quality run", run.Id);
    }

    public async Task<QualityRunSummary> GetRunAsync(int datasetId, int runId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.QualityRuns.AsNoTracking().Where(r => r.Id == runId && r.DatasetId == datasetId)
            .Select(r => new QualityRunSummary(r.Id, r.DatasetId, r.Status, r.StartedAt, r.CompletedAt, r.ExamplesAnalyzed, r.FindingCount, r.Error, r.StartedByName))
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("Quality run", runId);
    }

    /// <summary>The latest completed run with its report, staleness and trend; null when the dataset was never analysed.</summary>
    public async Task<QualityResult?> LatestAsync(int datasetId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Datasets.AnyAsync(d => d.Id == datasetId, cancellationToken))
        {
            throw new NotFoundException("Dataset", datasetId);
        }

        var runs = await db.QualityRuns.AsNoTracking()
            .Where(r => r.DatasetId == datasetId && r.Status == QualityRunStatus.Completed)
            .OrderByDescending(r => r.Id).Take(2).ToListAsync(cancellationToken);
        if (runs.Count == 0)
        {
            return null;
        }

        var latest = runs[0];
        var stored = StoredQualityReport.FromJson(latest.ReportJson);
        var count = await db.Examples.CountAsync(e => e.DatasetId == datasetId, cancellationToken);
        var lastChange = await db.Examples.Where(e => e.DatasetId == datasetId).MaxAsync(e => (DateTime?)e.UpdatedAt, cancellationToken);
        var stale = count != latest.ExamplesAnalyzed || (lastChange is { } changed && changed > latest.CompletedAt);

        var previous = runs.Count > 1 ? StoredQualityReport.FromJson(runs[1].ReportJson).Report : null;
        return new QualityResult(ToSummary(latest), stale, stored.Report, stored.Labelers, TrendOf(stored.Report, previous), runs.Count > 1 ? runs[1].CompletedAt : null);
    }

    /// <summary>Counts per finding type now and in the previous run; a type that disappeared shows with count 0.</summary>
    public static IReadOnlyList<FindingTrend> TrendOf(QualityReport current, QualityReport? previous)
    {
        static Dictionary<FindingType, int> Counts(QualityReport report) =>
            report.Findings.GroupBy(f => f.Type).ToDictionary(g => g.Key, g => g.Sum(f => f.Count));

        var now = Counts(current);
        var before = previous is null ? null : Counts(previous);
        return Enum.GetValues<FindingType>()
            .Where(t => now.ContainsKey(t) || before?.ContainsKey(t) == true)
            .Select(t => new FindingTrend(t, now.GetValueOrDefault(t), before is null ? null : before.GetValueOrDefault(t)))
            .ToList();
    }

    /// <summary>Evidence for the readiness assessment from the latest completed run of each of the project's datasets.</summary>
    public async Task<QualityEvidence> EvidenceAsync(int projectId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var latestIds = await db.QualityRuns.AsNoTracking()
            .Where(r => r.Status == QualityRunStatus.Completed && db.Datasets.Any(d => d.Id == r.DatasetId && d.ProjectId == projectId))
            .GroupBy(r => r.DatasetId).Select(g => g.Max(r => r.Id)).ToListAsync(cancellationToken);
        var runs = await db.QualityRuns.AsNoTracking().Where(r => latestIds.Contains(r.Id))
            .Select(r => new { r.ReportJson, r.CompletedAt }).ToListAsync(cancellationToken);

        int examples = 0, duplicates = 0, conflicts = 0;
        double kappaSum = 0, kappaWeight = 0;
        foreach (var run in runs)
        {
            var report = StoredQualityReport.FromJson(run.ReportJson).Report;
            examples += report.ExamplesAnalyzed;
            duplicates += DuplicateCount(report);
            conflicts += report.Find(FindingType.ConflictingAnswers)?.Count ?? 0;
            if (report.Agreement is { } agreement)
            {
                if (agreement.FleissKappa is { } fleiss)
                {
                    kappaSum += fleiss * agreement.ItemsWithTwoOrMoreRatings;
                    kappaWeight += agreement.ItemsWithTwoOrMoreRatings;
                }
                else
                {
                    // Without a balanced design, the pairwise kappas weighted by the items each pair shares.
                    foreach (var pair in agreement.Pairs.Where(p => p.Kappa is not null))
                    {
                        kappaSum += pair.Kappa!.Value * pair.SharedItems;
                        kappaWeight += pair.SharedItems;
                    }
                }
            }
        }

        return new QualityEvidence(
            runs.Count,
            examples,
            examples > 0 ? (double)duplicates / examples : null,
            examples > 0 ? (double)conflicts / examples : null,
            kappaWeight > 0 ? kappaSum / kappaWeight : null,
            runs.Count > 0 ? runs.Max(r => r.CompletedAt) : null);
    }

    /// <summary>Examples that repeat another: every exact copy after the first, and every near-duplicate group member after its first.</summary>
    public static int DuplicateCount(QualityReport report)
    {
        var exact = report.Find(FindingType.ExactDuplicate)?.Count ?? 0;
        var near = report.Find(FindingType.NearDuplicate);
        return exact + (near is null ? 0 : near.Count - (near.GroupCount ?? near.Groups?.Count ?? 0));
    }

    private async Task<(QualityAnalysis Analysis, IReadOnlyList<LabelerFigures> Labelers, int Seen, List<AnnotationRow> Annotations)> AnalyzeAsync(
        int runId, int datasetId, IProgress<QualityProgress>? progress, QualityTimings? timings, CancellationToken cancellationToken)
    {
        QualityOptions options;
        List<AnnotationRow> annotations;
        int total;
        int? versionId;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            var dataset = await db.Datasets.AsNoTracking().Where(d => d.Id == datasetId)
                .Select(d => new { d.ProjectId, d.CanonicalSystemPrompt, d.Labels }).SingleAsync(cancellationToken);
            total = await db.Examples.CountAsync(e => e.DatasetId == datasetId, cancellationToken);

            // The latest version says which split each example went to, and for which target it was cut.
            var version = await db.DatasetVersions.AsNoTracking().Where(v => v.DatasetId == datasetId)
                .OrderByDescending(v => v.Number).Select(v => new { v.Id, v.Target }).FirstOrDefaultAsync(cancellationToken);
            versionId = version?.Id;
            int? tokenLimit = version is null ? null
                : TrainingTargetTable.Find(await TrainingTargetTable.ProfilesAsync(db, cancellationToken), version.Target)?.TokenLimitPerExample;

            var evalInputs = new List<EvalInput>();
            await foreach (var item in db.EvalItems.AsNoTracking()
                               .Where(i => db.EvalSets.Any(s => s.Id == i.EvalSetId && s.ProjectId == dataset.ProjectId))
                               .OrderBy(i => i.Id).Select(i => new { i.Id, i.InputJson }).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                evalInputs.Add(new EvalInput(item.Id, UserText(item.InputJson)));
            }

            // Only submitted annotations are a labeler's final judgement.
            annotations = await db.Annotations.AsNoTracking()
                .Where(a => a.Submitted && a.Example!.DatasetId == datasetId)
                .OrderBy(a => a.Id)
                .Select(a => new AnnotationRow(a.ExampleId, a.Labeler!.DisplayName != "" ? a.Labeler.DisplayName : a.Labeler.Email ?? a.LabelerId,
                    a.Label, a.SecondsSpent, a.Example!.Label, a.Rating, a.SuggestedLabel,
                    a.Example.Status == ExampleStatus.Approved ? a.Example.Label : null))
                .ToListAsync(cancellationToken);

            var counter = new QualityTokenCounter(TokenCounter.O200k);
            options = new QualityOptions
            {
                Thresholds = Thresholds,
                CanonicalSystemPrompt = string.IsNullOrWhiteSpace(dataset.CanonicalSystemPrompt) ? null : dataset.CanonicalSystemPrompt,
                LabelSet = dataset.Labels.Count > 0 ? dataset.Labels : null,
                CountTokens = counter.Count,
                MaxTokensPerExample = tokenLimit is > 0 ? tokenLimit : null,
                EvalInputs = evalInputs,
                Ratings = annotations.Where(a => !string.IsNullOrWhiteSpace(a.Label))
                    .Select(a => new AgreementRating(a.ExampleId.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Labeler, a.Label)).ToList(),
                Timings = timings,
                QualityRatings = annotations.Where(a => a.Rating is >= 1 and <= 5)
                    .Select(a => new AgreementRating(a.ExampleId.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Labeler,
                        a.Rating!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList(),
            };
        }

        progress?.Report(new QualityProgress(runId, datasetId, QualityRunStatus.Running, 0, total));
        var seen = 0;
        var analysis = await new QualityAnalyzer(options).AnalyzeWithIdsAsync(
            QualityExampleReader.Prefetched(QualityExampleReader.Counted(QualityExampleReader.StreamAsync(factory, datasetId, versionId, cancellationToken, timings), n =>
            {
                seen = n;
                if (n % QualityAnalyzer.ProgressInterval == 0)
                {
                    progress?.Report(new QualityProgress(runId, datasetId, QualityRunStatus.Running, n, total));
                }
            }), cancellationToken),
            cancellationToken: cancellationToken);
        return (analysis, LabelerFiguresOf(annotations), seen, annotations);
    }

    private sealed record AnnotationRow(int ExampleId, string Labeler, string? Label, int Seconds, string? FinalLabel, int? Rating = null,
        string? SuggestedLabel = null, string? ApprovedLabel = null);

    /// <summary>
    /// Labeled annotations with a suggestion shown and without, side by side. The reference is the label a reviewer
    /// approved, not the final label: an unreviewed final label is the labelers' own consensus, which a taken
    /// suggestion would agree with by construction. Null when no annotation has a label.
    /// </summary>
    private static SuggestionComparison? SuggestionsOf(List<AnnotationRow> annotations)
    {
        var labeled = annotations.Where(a => !string.IsNullOrWhiteSpace(a.Label))
            .Select(a => new SuggestedAnnotation(a.ExampleId, a.Labeler, a.Label!.Trim(), a.SuggestedLabel, a.ApprovedLabel)).ToList();
        return labeled.Count > 0 ? SuggestionComparison.Of(labeled) : null;
    }

    /// <summary>Per labeler: submitted annotations, median seconds, and agreement with the example's final label.</summary>
    private static IReadOnlyList<LabelerFigures> LabelerFiguresOf(List<AnnotationRow> annotations) =>
        annotations.GroupBy(a => a.Labeler, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var seconds = g.Where(a => a.Seconds > 0).Select(a => a.Seconds).Order().ToArray();
            var compared = g.Where(a => !string.IsNullOrWhiteSpace(a.Label) && !string.IsNullOrWhiteSpace(a.FinalLabel)).ToList();
            var matched = compared.Count(a => string.Equals(a.Label!.Trim(), a.FinalLabel!.Trim(), StringComparison.Ordinal));
            return new LabelerFigures(g.Key, g.Count(), seconds.Length > 0 ? RobustStatistics.Median(seconds) : null,
                compared.Count, compared.Count > 0 ? (double)matched / compared.Count : null);
        }).ToList();

    /// <summary>The user turns of an eval item's input (a JSON array of role/content objects), or the raw text when it is not one.</summary>
    internal static string UserText(string inputJson)
    {
        try
        {
            using var json = JsonDocument.Parse(inputJson);
            if (json.RootElement.ValueKind == JsonValueKind.Array)
            {
                return string.Join("\n", json.RootElement.EnumerateArray()
                    .Where(m => m.ValueKind == JsonValueKind.Object && m.TryGetProperty("role", out var role) && role.GetString() == "user"
                                && m.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String)
                    .Select(m => m.GetProperty("content").GetString()));
            }

            return json.RootElement.ValueKind == JsonValueKind.String ? json.RootElement.GetString() ?? "" : inputJson;
        }
        catch (JsonException)
        {
            return inputJson;
        }
    }

    private static QualityRunSummary ToSummary(QualityRun r) =>
        new(r.Id, r.DatasetId, r.Status, r.StartedAt, r.CompletedAt, r.ExamplesAnalyzed, r.FindingCount, r.Error, r.StartedByName);
}
