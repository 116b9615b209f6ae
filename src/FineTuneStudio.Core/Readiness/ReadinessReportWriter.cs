using System.Globalization;
using System.Text;

namespace FineTuneStudio.Core.Readiness;

/// <summary>A readiness assessment as a Markdown document for download and sharing.</summary>
public sealed class ReadinessReportWriter
{
    public static string VerdictTitle(ReadinessVerdict verdict) => verdict switch
    {
        ReadinessVerdict.NotReadyYet => "Not ready yet",
        ReadinessVerdict.UsePromptEngineering => "Use prompt engineering",
        ReadinessVerdict.UseRag => "Use retrieval (RAG)",
        ReadinessVerdict.RagAndPromptingFirst => "Retrieval and prompting first",
        ReadinessVerdict.FineTuningPilot => "Run a fine-tuning pilot",
        ReadinessVerdict.ReadyToFineTune => "Ready to fine-tune",
        _ => verdict.ToString(),
    };

    public static string DimensionTitle(ReadinessDimension dimension) => dimension switch
    {
        ReadinessDimension.TaskFit => "Task fit",
        ReadinessDimension.SimplerApproaches => "Simpler approaches",
        ReadinessDimension.Data => "Data",
        ReadinessDimension.Evaluation => "Evaluation",
        ReadinessDimension.Ownership => "Ownership and upkeep",
        ReadinessDimension.BusinessCase => "Business case",
        ReadinessDimension.RequirementStability => "Requirement stability",
        _ => dimension.ToString(),
    };

    public string ToMarkdown(string projectName, DateTime assessedAtUtc, ReadinessResult result, ReadinessEstimate? estimate = null)
    {
        var md = new StringBuilder();
        Line(md, $"# Readiness assessment: {Escape(projectName)}");
        Line(md);
        Line(md, $"Assessed {assessedAtUtc.ToUniversalTime():yyyy-MM-dd HH:mm} UTC.");
        Line(md);
        Line(md, $"## Verdict: {VerdictTitle(result.Verdict)}");
        Line(md);
        Line(md, $"{Escape(result.VerdictExplanation)}");
        Line(md);
        Line(md, $"Overall score: **{result.OverallScore} / 100**");
        Line(md);

        Line(md, $"## Scores by dimension");
        Line(md);
        Line(md, $"| Dimension | Score | Weight |");
        Line(md, $"|---|---:|---:|");
        foreach (var d in result.DimensionScores)
        {
            Line(md, $"| {DimensionTitle(d.Dimension)} | {d.Score} | {d.Weight}% |");
        }

        Line(md);
        Line(md, $"## Blockers");
        Line(md);
        if (result.Blockers.Count == 0)
        {
            Line(md, $"None.");
        }

        foreach (var b in result.Blockers)
        {
            Line(md, $"- {Escape(b.Text)} (`{b.QuestionId}`)");
        }

        Line(md);
        Line(md, $"## Reasons");
        Line(md);
        Line(md, $"| Question | Answer used | Effect | Reason |");
        Line(md, $"|---|---|---|---|");
        foreach (var r in result.Reasons)
        {
            var effect = r.Kind switch
            {
                ReadinessReasonKind.Gate => "decides the verdict",
                ReadinessReasonKind.Limit => "pilot at most",
                _ => r.Points.ToString("+0;-0;0", CultureInfo.InvariantCulture) + " " + DimensionTitle(r.Dimension),
            };
            Line(md, $"| `{r.QuestionId}` | {Escape(r.Answer)} | {effect} | {Escape(r.Text)} |");
        }

        if (result.EvidenceUses.Count > 0)
        {
            Line(md);
            Line(md, $"## Answers checked against the project's data");
            Line(md);
            Line(md, $"| Question | Answered | Measured | Used |");
            Line(md, $"|---|---|---|---|");
            foreach (var e in result.EvidenceUses)
            {
                Line(md, $"| `{e.QuestionId}` | {Escape(e.SelfReported)} | {Escape(e.Measured)} | {Escape(e.Explanation)} |");
            }
        }

        if (estimate is not null)
        {
            WriteEstimate(md, estimate);
        }

        Line(md);
        Line(md, $"## Next steps");
        Line(md);
        if (result.NextSteps.Count == 0)
        {
            Line(md, $"Nothing left to do before training.");
        }

        foreach (var s in result.NextSteps)
        {
            Line(md, $"{s.Order}. {Escape(s.Text)} ({s.Area})");
        }

        return md.ToString();
    }

    private static void WriteEstimate(StringBuilder md, ReadinessEstimate e)
    {
        Line(md);
        Line(md, $"## Estimates for {Escape(e.TargetName)}");
        Line(md);
        Line(md, $"- High-quality examples now: {e.ExamplesNow:#,0}; still needed for a pilot ({e.PilotTarget:#,0}): {e.ExamplesNeededForPilot:#,0}; for full training ({e.FullTarget:#,0}): {e.ExamplesNeededForFull:#,0}.");
        Line(md, $"- Preparation pace: {e.SecondsPerExample:0} seconds per example ({Source(e.SecondsPerExampleSource)}), {e.LabelerHoursPerWeek:0.#} labeler hours a week ({Source(e.LabelerHoursSource)}).");
        Line(md, $"- Preparation time: {Weeks(e.WeeksToPilot)} to the pilot, {Weeks(e.WeeksToFull)} to full training.");
        Line(md, $"- Pilot training run: {e.PilotTraining.BilledTokens:#,0} tokens ({e.PilotTraining.Epochs} epochs), {ReadinessEstimator.Usd(e.PilotTraining.CostUsd)}.");
        Line(md, $"- Full training run: {e.FullTraining.BilledTokens:#,0} tokens ({e.FullTraining.Epochs} epochs), {ReadinessEstimator.Usd(e.FullTraining.CostUsd)}.");
        Line(md, $"- Break-even: {Escape(e.BreakEven.Summary)}");
        foreach (var note in e.Notes)
        {
            Line(md, $"- Note: {Escape(note)}");
        }
    }

    private static string Source(EstimateInputSource source) => source switch
    {
        EstimateInputSource.Measured => "measured",
        EstimateInputSource.Answer => "answered",
        _ => "default",
    };

    private static string Weeks(double? weeks) =>
        weeks is { } w ? w.ToString("0.#", CultureInfo.InvariantCulture) + " weeks" : "unknown (no labeler hours)";

    private static void Line(StringBuilder md) => md.Append('\n');

    private static void Line(StringBuilder md, FormattableString text) => md.Append(FormattableString.Invariant(text)).Append('\n');

    /// <summary>User text must not turn into Markdown structure (headings, links, HTML).</summary>
    private static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text.ReplaceLineEndings(" "))
        {
            if (c is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '#' or '|')
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
