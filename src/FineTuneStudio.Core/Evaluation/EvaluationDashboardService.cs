using System.Text.Json.Serialization;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Evaluation;

public sealed record TrendPoint(int RunId, string Name, DateTime CreatedAt, bool IsBaseline, double? Value);

public sealed record EvaluationDashboard(
    int EvalSets,
    int EvalItems,
    int Runs,
    string? MetricName,
    EvalRunSummary? Baseline,
    EvalRunSummary? Candidate,
    double? Delta,
    double? PValue,
    int? Regressions,
    int? Fixes,
    double? FormatCompliance,
    string? FormatRule,
    IReadOnlyList<TrendPoint> Trend,
    // The API's JSON keeps the field's old name: the blind comparison is now called a comparison, not a review.
    [property: JsonPropertyName("review")] ComparisonResults? Comparison,
    TrainingMetricsSummary? Training,
    OverfittingVerdict? TrainingVerdict,
    string Headline);

/// <summary>The one page a product owner reads: did fine-tuning help, and how sure are we.</summary>
public sealed class EvaluationDashboardService(
    EvalSets evalSets,
    EvalRuns evalRuns,
    ComparisonService comparisons,
    TrainingCurveService training)
{
    public async Task<EvaluationDashboard> GetAsync(int projectId, CancellationToken cancellationToken)
    {
        await evalRuns.ScoreUnscoredRunsAsync(r => r.EvalSet!.ProjectId == projectId, cancellationToken);
        var sets = await evalSets.ListSetsAsync(projectId, cancellationToken);
        var runs = await evalRuns.ListRunsAsync(projectId, null, cancellationToken);
        var scored = runs.Where(r => r.Status == EvalRunStatus.Completed && r.Summary is not null).ToList();

        var baseline = scored.LastOrDefault(r => r.IsBaseline);
        var candidate = scored.LastOrDefault(r => !r.IsBaseline && (baseline is null || r.EvalSetId == baseline.EvalSetId))
            ?? (baseline is null ? null : scored.LastOrDefault(r => !r.IsBaseline));
        var focusSetId = baseline?.EvalSetId ?? candidate?.EvalSetId;
        var metric = (baseline ?? candidate)?.Summary?.MainMetric;

        double? delta = null, pValue = null;
        int? regressions = null, fixes = null;
        if (baseline is not null && candidate is not null && baseline.EvalSetId == candidate.EvalSetId)
        {
            var comparison = await evalRuns.CompareAsync(baseline.Id, candidate.Id, cancellationToken);
            delta = comparison.Deltas.FirstOrDefault(d => d.Metric == metric)?.Delta;
            pValue = comparison.McNemar.PValue;
            regressions = comparison.Regressions;
            fixes = comparison.Fixes;
        }

        var trend = scored.Where(r => r.EvalSetId == focusSetId)
            .Select(r => new TrendPoint(r.Id, r.Name, r.CreatedAt, r.IsBaseline, metric is null ? null : r.Summary!.Metrics.TryGetValue(metric, out var v) ? v : null))
            .ToList();
        var formatSource = candidate ?? baseline;

        ComparisonResults? latestComparison = null;
        foreach (var comparison in await comparisons.ListAsync(projectId, cancellationToken))
        {
            if (comparison.Judgements > 0)
            {
                latestComparison = await comparisons.ResultsAsync(comparison.Id, cancellationToken);
                break;
            }
        }

        var trainings = await training.ListAsync(projectId, cancellationToken);
        var latestTraining = trainings.Count == 0 ? null : trainings[0];
        var verdict = latestTraining is null ? null : (await training.CurveAsync(latestTraining, cancellationToken)).Verdict;

        return new EvaluationDashboard(sets.Count, sets.Sum(s => s.ItemCount), runs.Count, metric, baseline, candidate, delta, pValue, regressions, fixes,
            formatSource?.Summary?.FormatCompliance, formatSource?.Summary?.FormatRule, trend, latestComparison, latestTraining, verdict,
            Headline(metric, baseline, candidate, delta, pValue));
    }

    /// <summary>One sentence in plain words; "significant" only below p = 0.05.</summary>
    public static string Headline(string? metric, EvalRunSummary? baseline, EvalRunSummary? candidate, double? delta, double? pValue)
    {
        if (baseline is null && candidate is null)
        {
            return "No scored runs yet. Import a baseline run to have a number to beat.";
        }

        var name = metric is null ? "the main metric" : EvalMetrics.Describe(metric);
        if (candidate is null)
        {
            var value = baseline!.Summary?.MainValue;
            return $"The baseline scores {Percent(value)} on {name}. Import a fine-tuned candidate's outputs to see whether it does better.";
        }

        if (baseline is null || delta is null)
        {
            return $"\"{candidate.Name}\" scores {Percent(candidate.Summary?.MainValue)} on {name}. Mark a run as the baseline to compare against it.";
        }

        var points = delta.Value * 100;
        var direction = points > 0 ? "better than" : points < 0 ? "worse than" : "level with";
        var certainty = pValue is < 0.05 ? "a difference unlikely to be chance" : "not yet a difference we can tell from chance";
        return $"\"{candidate.Name}\" is {Math.Abs(points):0.0} points {direction} the baseline on {name} (p = {pValue:0.000}): {certainty}.";
    }

    public static string Percent(double? value) => value is { } v ? $"{v * 100:0.0}%" : "–";
}
