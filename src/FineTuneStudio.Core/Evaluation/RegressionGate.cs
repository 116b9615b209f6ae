using System.Globalization;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>What the gate decided for one comparison, and why in one sentence a CI log can show.</summary>
public sealed record RegressionVerdict(
    bool Failed,
    string Metric,
    double Baseline,
    double Candidate,
    double Drop,
    double MaxDrop,
    double? PValue,
    string Reason);

/// <summary>
/// Decides whether a candidate run is worse than its baseline by more than a pipeline allows, for
/// <c>fts eval compare --fail-on-regression</c>. On the main metric (the one that decides right or wrong per item)
/// the drop must also be significant: McNemar's exact test on the items that changed, p below 0.05, with more
/// regressions than fixes; a few unlucky items on a small set do not fail a build. Other metrics have no paired
/// test here, so their drop alone decides. Every metric is better when higher, except length-ratio, which has no
/// better direction and cannot gate.
/// </summary>
public static class RegressionGate
{
    public const double SignificanceLevel = 0.05;

    public static RegressionVerdict Judge(RunComparison comparison, string? metric, double maxDrop)
    {
        if (!double.IsFinite(maxDrop) || maxDrop < 0)
        {
            throw new StudioValidationException("--max-drop", "give the largest drop allowed as a number of 0 or more (e.g. 0.02 for two points of accuracy)");
        }

        var name = metric ?? comparison.MainMetric
            ?? throw new StudioValidationException("--metric", $"the runs have no main metric; choose one of: {string.Join(", ", comparison.Deltas.Select(d => d.Metric))}");
        if (name == EvalMetrics.LengthRatio)
        {
            throw new StudioValidationException("--metric", "length-ratio has no better direction (closer to 1 is better either way); choose another metric");
        }

        var delta = comparison.Deltas.FirstOrDefault(d => d.Metric == name)
            ?? throw new StudioValidationException("--metric", $"'{name}' is not a metric of these runs; choose one of: {string.Join(", ", comparison.Deltas.Select(d => d.Metric))}");
        if (delta is not { A: { } baseline, B: { } candidate })
        {
            throw new StudioValidationException("--metric", $"'{name}' was not scored on both runs");
        }

        var drop = Math.Round(baseline - candidate, 4);
        var text = string.Create(CultureInfo.InvariantCulture, $"{name} {baseline:0.0000} -> {candidate:0.0000} (drop {drop:0.0000}, allowed {maxDrop:0.0000})");
        if (name != comparison.MainMetric)
        {
            var failedByDrop = drop > maxDrop;
            return new RegressionVerdict(failedByDrop, name, baseline, candidate, drop, maxDrop, null,
                (failedByDrop ? "regression: " : "no regression: ") + text + "; no paired significance test for this metric, the drop alone decides");
        }

        var mcNemar = comparison.McNemar;
        var significant = mcNemar.ExactPValue < SignificanceLevel && comparison.Regressions > comparison.Fixes;
        var failed = drop > maxDrop && significant;
        var test = string.Create(CultureInfo.InvariantCulture,
            $"{comparison.Regressions} regressions, {comparison.Fixes} fixes, McNemar exact p = {mcNemar.ExactPValue:0.0000}");
        var reason = failed ? "significant regression: " + text + "; " + test
            : drop > maxDrop ? "no significant regression: " + text + ", but " + test + " (not below " + SignificanceLevel.ToString(CultureInfo.InvariantCulture) + ")"
            : "no regression: " + text + "; " + test;
        return new RegressionVerdict(failed, name, baseline, candidate, drop, maxDrop, mcNemar.ExactPValue, reason);
    }
}
