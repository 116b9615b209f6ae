using FineTuneStudio.Core.Readiness;

namespace FineTuneStudio.Core.Tests.Readiness;

public class ReadinessReportWriterTests
{
    private static readonly DateTime AssessedAt = new(2026, 3, 2, 14, 30, 0, DateTimeKind.Utc);

    [Fact]
    public void ToMarkdown_NotReadyProject_ContainsVerdictScoresBlockersAndSteps()
    {
        var result = new ReadinessScorer().Score(ReadinessAnswerSets.Ready().With(
            """{"eval.held_out_set": "none", "owner.retraining_owner": "nobody"}"""));

        var markdown = new ReadinessReportWriter().ToMarkdown("Ticket triage", AssessedAt, result);

        markdown.ShouldStartWith("# Readiness assessment: Ticket triage\n");
        markdown.ShouldContain("Assessed 2026-03-02 14:30 UTC.");
        markdown.ShouldContain("## Verdict: Not ready yet");
        markdown.ShouldContain($"Overall score: **{result.OverallScore} / 100**");
        markdown.ShouldContain("| Ownership and upkeep | 70 | 10% |");
        markdown.ShouldContain("- Create a held-out evaluation set with known answers (or plan one with an owner and a date). (`eval.held_out_set`)");
        markdown.ShouldContain("- Name who retrains the model when data or requirements change. (`owner.retraining_owner`)");
        markdown.ShouldContain("1. Create a held-out evaluation set of real cases with agreed answers. (Evaluation)");
        markdown.ShouldContain("| `eval.held_out_set` | No | decides the verdict |");
    }

    [Fact]
    public void ToMarkdown_WithEvidenceAndEstimate_ShowsBothSections()
    {
        var evidence = new ReadinessEvidence(ApprovedExamples: 120);
        var answers = ReadinessAnswerSets.Ready().With("""{"data.high_quality_examples": 2000}""");
        var result = new ReadinessScorer().Score(answers, evidence);
        var estimate = ReadinessEstimator.Estimate(answers, evidence,
            new TrainingTargetPrice("hosted-small", "Hosted small model", 8m, 10, 65_536),
            new ReadinessEstimateAssumptions(400, 0.15m));

        var markdown = new ReadinessReportWriter().ToMarkdown("Ticket triage", AssessedAt, result, estimate);

        markdown.ShouldContain("## Verdict: Run a fine-tuning pilot");
        markdown.ShouldContain("## Answers checked against the project's data");
        markdown.ShouldContain("| `data.high_quality_examples` | 2,000 examples | approved examples in the project: 120 |");
        markdown.ShouldContain("## Estimates for Hosted small model");
        markdown.ShouldContain("for full training (500): 380.");
        markdown.ShouldContain("Full training run: 600,000 tokens (3 epochs), $4.80.");
        markdown.ShouldContain("Pays for itself after 4 days");
    }

    [Fact]
    public void ToMarkdown_ReadyProject_SaysNoBlockers()
    {
        var result = new ReadinessScorer().Score(ReadinessAnswerSets.Ready());

        var markdown = new ReadinessReportWriter().ToMarkdown("Ticket triage", AssessedAt, result);

        markdown.ShouldContain("## Verdict: Ready to fine-tune");
        markdown.ShouldContain("## Blockers\n\nNone.");
        markdown.ShouldContain("Nothing left to do before training.");
    }

    [Fact]
    public void ToMarkdown_ProjectNameWithMarkup_IsEscaped()
    {
        var result = new ReadinessScorer().Score(ReadinessAnswerSets.Ready());

        var markdown = new ReadinessReportWriter().ToMarkdown("<script>x</script> | [a](b)", AssessedAt, result);

        markdown.ShouldStartWith(@"# Readiness assessment: \<script\>x\</script\> \| \[a\](b)");
        markdown.ShouldNotContain("<script>");
    }
}
