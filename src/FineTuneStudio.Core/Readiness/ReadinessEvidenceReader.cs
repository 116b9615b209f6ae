using System.Globalization;
using System.Text.Json;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Judges;
using FineTuneStudio.Core.Quality;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Readiness;

/// <summary>
/// Reads what a project's own data shows for the readiness assessment: examples, annotations,
/// evaluation sets and baselines, and the shares of the stored quality runs.
/// </summary>
public sealed class ReadinessEvidenceReader(IDbContextFactory<StudioDbContext> factory, QualityService quality, JudgeCalibrationService judges)
{
    /// <summary>Approved examples whose tokens are counted for the estimate: enough for a stable mean, cheap on any dataset.</summary>
    public const int TokenSample = 500;

    private static readonly string[] BaselineScoreKeys = ["score", "accuracy", "exactMatch", "exact_match", "passRate", "pass_rate"];

    /// <summary>
    /// Measures what the project's data shows. An area the project has not used yet (no examples, no
    /// eval sets) stays "not measured", so a team whose data lives elsewhere is not scored as zero.
    /// </summary>
    public async Task<ReadinessEvidence> GatherEvidenceAsync(int projectId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await EnsureProjectAsync(db, projectId, cancellationToken);

        var examples = db.Examples.AsNoTracking().Where(e => e.Dataset!.ProjectId == projectId);
        var hasExamples = await examples.AnyAsync(cancellationToken);
        int? approved = null, labelers = null, versions = null;
        double? kappa = null, medianSeconds = null;
        (int Mean, int Sample)? tokens = null;
        if (hasExamples)
        {
            approved = await examples.CountAsync(e => e.Status == ExampleStatus.Approved, cancellationToken);
            tokens = approved > 0
                ? await Training.ExampleTokenSample.MeanTokensAsync(db, examples.Where(e => e.Status == ExampleStatus.Approved), cancellationToken, TokenSample)
                : null;
            var submitted = db.Annotations.AsNoTracking().Where(a => a.Submitted && a.Example!.Dataset!.ProjectId == projectId);
            labelers = await submitted.Select(a => a.LabelerId).Distinct().CountAsync(cancellationToken);
            versions = await db.DatasetVersions.AsNoTracking().CountAsync(v => v.Dataset!.ProjectId == projectId, cancellationToken);

            // Only ids, labels and seconds are read: small per row, never example text.
            var ratings = new List<AgreementRating>();
            var seconds = new List<int>();
            await foreach (var a in submitted.Select(a => new { a.ExampleId, a.LabelerId, a.Label, a.SecondsSpent }).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                if (!string.IsNullOrWhiteSpace(a.Label))
                {
                    ratings.Add(new AgreementRating(a.ExampleId.ToString(CultureInfo.InvariantCulture), a.LabelerId, a.Label));
                }

                if (a.SecondsSpent > 0)
                {
                    seconds.Add(a.SecondsSpent);
                }
            }

            kappa = Kappa(AgreementCalculator.Summarize(ratings));
            medianSeconds = Median(seconds);
        }

        int? evalSets = await db.EvalSets.AsNoTracking().CountAsync(s => s.ProjectId == projectId, cancellationToken);
        int? evalItems = null, baselineRuns = null, beating = null;
        double? bestGain = null;
        double? baselineScore = null;
        if (evalSets > 0)
        {
            evalItems = await db.EvalItems.AsNoTracking().CountAsync(i => db.EvalSets.Any(s => s.Id == i.EvalSetId && s.ProjectId == projectId), cancellationToken);
            var baselines = db.EvalRuns.AsNoTracking()
                .Where(r => r.IsBaseline && r.Status == EvalRunStatus.Completed && r.EvalSet!.ProjectId == projectId);
            baselineRuns = await baselines.CountAsync(cancellationToken);
            var latest = await baselines.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Select(r => r.SummaryJson).FirstOrDefaultAsync(cancellationToken);
            baselineScore = BaselineScore(latest);
            (beating, bestGain) = await TrainedAgainstBaselineAsync(db, projectId, cancellationToken);
        }
        else
        {
            evalSets = null;
        }

        // Duplicate and conflict shares come from the stored quality runs: analysing here would make
        // every assessment as slow as a full quality report. The injected service carries the configured thresholds.
        var stored = await quality.EvidenceAsync(projectId, cancellationToken);

        // A judge counts only once its verdicts agree with the people's blind reviews; an untrusted one is named, not counted.
        var trust = await judges.TrustAsync(projectId, cancellationToken);
        var trusted = trust.Where(t => t.Trust.Trusted).ToList();

        return new ReadinessEvidence(
            ApprovedExamples: approved,
            Labelers: labelers,
            AgreementKappa: kappa,
            EvalSets: evalSets,
            EvalItems: evalItems,
            BaselineRuns: baselineRuns,
            BaselineScore: baselineScore,
            DatasetVersions: versions,
            DuplicateShare: stored.DuplicateShare,
            ConflictShare: stored.ConflictShare,
            MedianSecondsPerExample: medianSeconds,
            AverageTokensPerExample: tokens?.Mean,
            TokenSampleSize: tokens?.Sample,
            TrainedRunsBeatingBaseline: beating,
            BestTrainedGain: bestGain,
            TrustedJudges: trust.Count == 0 ? null : trusted.Count,
            UntrustedJudges: trust.Count == 0 ? null : trust.Count - trusted.Count,
            BestJudgeKappa: trusted.Count == 0 ? null : trusted.Max(t => t.Trust.Kappa));
    }

    /// <summary>
    /// Runs of models trained on one of the project's versions, each against the latest baseline on its set: how many
    /// score higher, and the largest gain. The lineage the version page shows, counted as evidence that training helps.
    /// </summary>
    private static async Task<(int? Beating, double? BestGain)> TrainedAgainstBaselineAsync(StudioDbContext db, int projectId, CancellationToken cancellationToken)
    {
        var runs = await db.EvalRuns.AsNoTracking()
            .Where(r => r.Status == EvalRunStatus.Completed && r.EvalSet!.ProjectId == projectId && (r.IsBaseline || r.DatasetVersionId != null))
            .OrderBy(r => r.CreatedAt).ThenBy(r => r.Id)
            .Select(r => new { r.EvalSetId, r.IsBaseline, r.SummaryJson }).ToListAsync(cancellationToken);
        var gains = runs.Where(r => !r.IsBaseline).Select(r =>
        {
            var baseline = runs.LastOrDefault(b => b.IsBaseline && b.EvalSetId == r.EvalSetId);
            return BaselineScore(r.SummaryJson) is { } score && BaselineScore(baseline?.SummaryJson) is { } against ? score - against : (double?)null;
        }).Where(g => g is not null).Select(g => g!.Value).ToList();
        return gains.Count == 0 ? (null, null) : (gains.Count(g => g > 0), gains.Max());
    }

    /// <summary>Fleiss' kappa when every item has as many ratings; else Cohen's kappa per pair, weighted by shared items.</summary>
    public static double? Kappa(AgreementSummary summary)
    {
        if (summary.FleissKappa is { } fleiss)
        {
            return fleiss;
        }

        var pairs = summary.Pairs.Where(p => p.Kappa is not null && p.SharedItems > 0).ToList();
        var shared = pairs.Sum(p => p.SharedItems);
        return shared == 0 ? null : pairs.Sum(p => p.Kappa!.Value * p.SharedItems) / shared;
    }

    public static double? Median(IReadOnlyList<int> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }

    /// <summary>A 0–1 score from a run summary, if it has one under a usual name.</summary>
    public static double? BaselineScore(string? summaryJson)
    {
        if (string.IsNullOrWhiteSpace(summaryJson))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(summaryJson);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var key in BaselineScoreKeys)
            {
                if (doc.RootElement.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Number
                    && value.TryGetDouble(out var score) && score is >= 0 and <= 1)
                {
                    return score;
                }
            }
        }
        catch (JsonException)
        {
            // A summary that is not JSON has no score; the run still counts.
        }

        return null;
    }

    internal static async Task EnsureProjectAsync(StudioDbContext db, int projectId, CancellationToken cancellationToken)
    {
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException("Project", projectId);
        }
    }
}
