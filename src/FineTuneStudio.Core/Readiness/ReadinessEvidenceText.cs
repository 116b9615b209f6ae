using System.Globalization;

namespace FineTuneStudio.Core.Readiness;

/// <summary>The readiness evidence in words, for pages and the report.</summary>
public static class ReadinessEvidenceText
{
    /// <summary>The evidence as labelled lines, for pages and the report; unmeasured values are left out.</summary>
    public static IReadOnlyList<(string Label, string Value)> MeasuredLines(ReadinessEvidence e)
    {
        var lines = new List<(string, string)>();
        void Add(string label, string? value)
        {
            if (value is not null)
            {
                lines.Add((label, value));
            }
        }

        var c = CultureInfo.InvariantCulture;
        Add("Approved examples", e.ApprovedExamples?.ToString("#,0", c));
        Add("Labelers with submitted annotations", e.Labelers?.ToString("#,0", c));
        Add("Labeler agreement (kappa)", e.AgreementKappa?.ToString("0.00", c));
        Add("Evaluation sets", e.EvalSets?.ToString("#,0", c));
        Add("Evaluation items", e.EvalItems?.ToString("#,0", c));
        Add("Baseline runs", e.BaselineRuns?.ToString("#,0", c));
        Add("Latest baseline score", e.BaselineScore?.ToString("0.###", c));
        Add("Runs of trained models that beat the baseline", e.TrainedRunsBeatingBaseline is { } n
            ? string.Create(c, $"{n:#,0} (best gain {e.BestTrainedGain * 100:+0.0;-0.0;0} points)")
            : null);
        Add("LLM judges trusted against the blind human reviews", e.TrustedJudges is { } trusted
            ? string.Create(c, $"{trusted} of {trusted + (e.UntrustedJudges ?? 0)}") + (e.BestJudgeKappa is { } bk ? string.Create(c, $" (best kappa {bk:0.00})") : "")
            : null);
        Add("Dataset versions", e.DatasetVersions?.ToString("#,0", c));
        Add("Median labeling time", e.MedianSecondsPerExample is { } s ? s.ToString("0", c) + " seconds per annotation" : null);
        return lines;
    }

    /// <summary>What the project measured for one question, in words, to show beside the answer; null when nothing is measured.</summary>
    public static string? MeasuredHint(string questionId, ReadinessEvidence e)
    {
        var c = CultureInfo.InvariantCulture;
        return questionId switch
        {
            ReadinessQuestionIds.HighQualityExamples when e.ApprovedExamples is { } n => string.Create(c, $"{n:#,0} approved examples in this project"),
            ReadinessQuestionIds.LabelerCount when e.Labelers is { } n => string.Create(c, $"{n} people have submitted annotations"),
            ReadinessQuestionIds.Consistency when e.AgreementKappa is { } k => string.Create(c, $"agreement measured: kappa {k:0.00}"),
            ReadinessQuestionIds.EvalSet or ReadinessQuestionIds.EvalSetSize when e.EvalSets is { } sets => string.Create(c, $"{sets} evaluation sets with {e.EvalItems ?? 0:#,0} items"),
            ReadinessQuestionIds.Baseline when e.BaselineRuns is { } runs => e.BaselineScore is { } score
                ? string.Create(c, $"{runs} baseline runs, latest score {score:0.###}")
                : string.Create(c, $"{runs} baseline runs recorded"),
            ReadinessQuestionIds.BaselineGap when e.BestTrainedGain is { } gain => gain > 0
                ? string.Create(c, $"a model trained on this project's data beats the baseline by {gain * 100:0.0} points")
                : string.Create(c, $"no model trained on this project's data beats the baseline yet (best {gain * 100:+0.0;-0.0;0} points)"),
            ReadinessQuestionIds.EvalMetrics when e.TrustedJudges is { } trusted => trusted > 0
                ? string.Create(c, $"{trusted} LLM judge(s) agree with the blind human reviews (best kappa {e.BestJudgeKappa:0.00})")
                : string.Create(c, $"{e.UntrustedJudges} LLM judge(s), none trusted against the blind human reviews yet"),
            ReadinessQuestionIds.MinutesPerExample when e.MedianSecondsPerExample is { } secs => string.Create(c, $"median {secs:0} seconds per annotation"),
            _ => null,
        };
    }
}
