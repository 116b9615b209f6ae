using FineTuneStudio.Core.Readiness;
using Q = FineTuneStudio.Core.Readiness.ReadinessQuestionIds;

namespace FineTuneStudio.Core.Tests.Readiness;

public class ReadinessScorerTests
{
    private readonly ReadinessScorer _scorer = new();

    [Fact]
    public void Score_EveryStrongAnswer_ReadyToFineTuneWithFullMarks()
    {
        var result = _scorer.Score(ReadinessAnswerSets.Ready());

        result.Verdict.ShouldBe(ReadinessVerdict.ReadyToFineTune);
        result.OverallScore.ShouldBe(100);
        result.DimensionScores.ShouldAllBe(d => d.Score == 100);
        result.Blockers.ShouldBeEmpty();
        result.NextSteps.ShouldBeEmpty();
    }

    [Fact]
    public void Score_EveryStrongAnswer_PositivePointsPerDimensionAddUpToExactly100()
    {
        // Guards the table: the best answers must reach 100 without relying on the clamp.
        var result = _scorer.Score(ReadinessAnswerSets.Ready());

        foreach (var dimension in Enum.GetValues<ReadinessDimension>())
        {
            result.Reasons.Where(r => r.Dimension == dimension).Sum(r => r.Points).ShouldBe(100, dimension.ToString());
        }
    }

    [Fact]
    public void Score_NoAnswers_NotReadyYetBecauseThereIsNoEvaluation()
    {
        var result = _scorer.Score(new Dictionary<string, System.Text.Json.JsonElement>());

        result.Verdict.ShouldBe(ReadinessVerdict.NotReadyYet);
        result.OverallScore.ShouldBe(0);
        result.Blockers.ShouldContain(b => b.QuestionId == Q.EvalSet);
    }

    [Theory]
    [InlineData("""{"eval.held_out_set": "none"}""", ReadinessVerdict.NotReadyYet, "gate.no_evaluation")]
    [InlineData("""{"eval.held_out_set": null}""", ReadinessVerdict.NotReadyYet, "gate.no_evaluation")]
    [InlineData("""{"task.nature": ["fresh_facts"]}""", ReadinessVerdict.UseRag, "gate.knowledge_need")]
    [InlineData("""{"task.nature": ["citations", "private_documents"]}""", ReadinessVerdict.UseRag, "gate.knowledge_need")]
    [InlineData("""{"task.nature": ["output_format", "fresh_facts"]}""", ReadinessVerdict.RagAndPromptingFirst, "gate.knowledge_and_behaviour_rag_untried")]
    [InlineData("""{"task.nature": ["output_format", "citations"], "simpler.prompting": "not_tried"}""", ReadinessVerdict.RagAndPromptingFirst, "gate.knowledge_and_behaviour_rag_untried")]
    [InlineData("""{"task.nature": ["general"]}""", ReadinessVerdict.UsePromptEngineering, "gate.general_or_one_off")]
    [InlineData("""{"task.nature": ["one_off"]}""", ReadinessVerdict.UsePromptEngineering, "gate.general_or_one_off")]
    [InlineData("""{"simpler.prompting": "system_prompt_only"}""", ReadinessVerdict.UsePromptEngineering, "gate.prompting_not_exhausted")]
    [InlineData("""{"simpler.prompting": "not_tried"}""", ReadinessVerdict.UsePromptEngineering, "gate.prompting_not_exhausted")]
    [InlineData("""{"simpler.baseline": "anecdotal"}""", ReadinessVerdict.UsePromptEngineering, "gate.no_measured_baseline")]
    [InlineData("""{"simpler.baseline": "none"}""", ReadinessVerdict.UsePromptEngineering, "gate.no_measured_baseline")]
    // Precedence: no evaluation beats everything, a knowledge need beats "prompt first".
    [InlineData("""{"eval.held_out_set": "none", "task.nature": ["fresh_facts"], "simpler.prompting": "not_tried"}""", ReadinessVerdict.NotReadyYet, "gate.no_evaluation")]
    [InlineData("""{"task.nature": ["fresh_facts"], "simpler.prompting": "not_tried"}""", ReadinessVerdict.UseRag, "gate.knowledge_need")]
    public void Score_HardGate_DecidesVerdictWhateverTheScores(string overrides, ReadinessVerdict expected, string gateRuleId)
    {
        var result = _scorer.Score(ReadinessAnswerSets.Ready().With(overrides));

        result.Verdict.ShouldBe(expected);
        result.VerdictExplanation.ShouldContain(gateRuleId);
        result.Reasons.ShouldContain(r => r.RuleId == gateRuleId && r.Kind == ReadinessReasonKind.Gate);
    }

    [Theory]
    [InlineData("""{"task.nature": ["output_format", "fresh_facts"], "simpler.rag": "in_use"}""")]
    [InlineData("""{"task.nature": ["terminology", "private_documents"], "simpler.rag": "tried_not_enough"}""")]
    public void Score_KnowledgeAndBehaviourWithRetrievalTried_NoGate(string overrides)
    {
        var result = _scorer.Score(ReadinessAnswerSets.Ready().With(overrides));

        result.Reasons.ShouldNotContain(r => r.Kind == ReadinessReasonKind.Gate);
        result.Reasons.ShouldContain(r => r.RuleId == "task.knowledge_part" && r.Points == -20);
    }

    [Theory]
    [InlineData("""{"data.high_quality_examples": 49}""", "limit.examples_below_pilot", true)]
    [InlineData("""{"data.high_quality_examples": 0}""", "limit.examples_below_pilot", true)]
    [InlineData("""{"data.high_quality_examples": 50}""", "limit.examples_below_full", false)]
    [InlineData("""{"data.high_quality_examples": 499}""", "limit.examples_below_full", false)]
    [InlineData("""{"stability.requirement_changes": "weekly"}""", "limit.requirements_weekly", false)]
    [InlineData("""{"stability.output_format": "changing"}""", "limit.format_changing", false)]
    [InlineData("""{"owner.retraining_owner": "nobody"}""", "owner.retraining_unowned", true)]
    [InlineData("""{"owner.retraining_owner": null}""", "owner.retraining_unowned", true)]
    [InlineData("""{"owner.monitoring": "none"}""", "owner.monitoring_none", true)]
    [InlineData("""{"eval.owner": "nobody"}""", "eval.owner_nobody", true)]
    [InlineData("""{"data.who_labels": "nobody_yet"}""", "data.labelers_nobody", true)]
    public void Score_LimitOrBlocker_HoldsAnOtherwiseReadyProjectAtPilot(string overrides, string ruleId, bool isBlocker)
    {
        var result = _scorer.Score(ReadinessAnswerSets.Ready().With(overrides));

        result.OverallScore.ShouldBeGreaterThanOrEqualTo(ReadinessRules.ReadyScore);
        result.Verdict.ShouldBe(ReadinessVerdict.FineTuningPilot);
        result.Reasons.ShouldContain(r => r.RuleId == ruleId);
        result.Blockers.Any(b => b.RuleId == ruleId).ShouldBe(isBlocker);
    }

    [Fact]
    public void Score_FiveHundredExamples_NotLimited()
    {
        var result = _scorer.Score(ReadinessAnswerSets.Ready().With("""{"data.high_quality_examples": 500}"""));

        result.Verdict.ShouldBe(ReadinessVerdict.ReadyToFineTune);
    }

    [Theory]
    // TaskFit: behaviour 50 + few related 15 + exact 20 = 85
    [InlineData("""{"task.scope": "few_related"}""", ReadinessDimension.TaskFit, 85)]
    // TaskFit: behaviour 50 - knowledge part 20 + narrow 30 + exact 20 = 80
    [InlineData("""{"task.nature": ["output_format", "private_documents"], "simpler.rag": "in_use"}""", ReadinessDimension.TaskFit, 80)]
    // TaskFit: no behaviour option chosen 0 + narrow 30 + exact 20 = 50
    [InlineData("""{"task.nature": null}""", ReadinessDimension.TaskFit, 50)]
    // Simpler: few-shot 30 + rag 15 + baseline 25 + small gap 0 + documented 15 = 85
    [InlineData("""{"simpler.baseline_gap": "small"}""", ReadinessDimension.SimplerApproaches, 85)]
    // Simpler: 30 + 15 + 25 + large gap 15 + informal 5 = 90
    [InlineData("""{"simpler.failure_cases": "informal"}""", ReadinessDimension.SimplerApproaches, 90)]
    // Simpler: "not relevant" does not count when the task needs knowledge: 30 + 0 + 25 + 15 + 15 = 85
    [InlineData("""{"task.nature": ["output_format", "citations"]}""", ReadinessDimension.SimplerApproaches, 85)]
    // Data: 35 + 10 + 15 + draft 7 + 10 + 15 = 92
    [InlineData("""{"data.guidelines": "draft"}""", ReadinessDimension.Data, 92)]
    // Data: 120 examples 20 + 10 + 15 + 15 + 10 + 15 = 85
    [InlineData("""{"data.high_quality_examples": 120}""", ReadinessDimension.Data, 85)]
    // Data: 35 + unreviewed 0 + outsourced 5 + none 0 + no 0 + none 0 = 40
    [InlineData("""{"data.example_source": "unreviewed", "data.who_labels": "outsourced", "data.guidelines": "none", "data.consistency_checked": "no", "data.edge_cases": "none"}""", ReadinessDimension.Data, 40)]
    // Evaluation: ready 40 + 40 items 0 + 20 + 20 + 10 = 90
    [InlineData("""{"eval.set_size": 40}""", ReadinessDimension.Evaluation, 90)]
    // Evaluation: planned 15 + size ignored 0 + generic 8 + team 10 + planned 5 = 38
    [InlineData("""{"eval.held_out_set": "planned", "eval.metrics": "generic", "eval.owner": "team", "eval.human_review": "planned"}""", ReadinessDimension.Evaluation, 38)]
    // Ownership: 30 + 15 + 25 + expected 10 + 10 = 90
    [InlineData("""{"owner.budget": "expected"}""", ReadinessDimension.Ownership, 90)]
    // Ownership: 30 + no cadence 0 + planned 12 + 20 + planned 5 = 67
    [InlineData("""{"owner.retraining_cadence": "none", "owner.monitoring": "planned", "owner.feedback_loop": "planned"}""", ReadinessDimension.Ownership, 67)]
    // Business: 500 a day 15 + 15 + 20 + 25 + 10 = 85
    [InlineData("""{"business.requests_per_day": 500}""", ReadinessDimension.BusinessCase, 85)]
    // Business: 30 + 15 + saving 1200 - 900 = 300 tokens, so 10 + 25 + 10 = 90
    [InlineData("""{"business.prompt_tokens_now": 1200, "business.prompt_tokens_after": 900}""", ReadinessDimension.BusinessCase, 90)]
    // Business: 99 a day 0 + batch 5 + no saving 0 + unknown 0 + no target 0 = 5
    [InlineData("""{"business.requests_per_day": 99, "business.latency": "batch", "business.prompt_tokens_after": 2000, "business.impact": "unknown", "business.training_target": null}""", ReadinessDimension.BusinessCase, 5)]
    // Stability: rarely 40 + fixed 30 + sometimes 15 = 85
    [InlineData("""{"stability.domain_rules": "sometimes"}""", ReadinessDimension.RequirementStability, 85)]
    // Stability: monthly 10 + mostly 15 + often 0 = 25
    [InlineData("""{"stability.requirement_changes": "monthly", "stability.output_format": "mostly", "stability.domain_rules": "often"}""", ReadinessDimension.RequirementStability, 25)]
    public void Score_RuleRows_GiveHandComputedDimensionScore(string overrides, ReadinessDimension dimension, int expected)
    {
        var result = _scorer.Score(ReadinessAnswerSets.Ready().With(overrides));

        result.ScoreOf(dimension).ShouldBe(expected);
    }

    [Fact]
    public void Score_SeveralWeakerAnswers_OverallIsTheWeightedMean()
    {
        // TaskFit 85 (few related), Data 92 (draft guidelines), Business 85 (500 a day), others 100.
        // (85*15 + 100*15 + 92*20 + 100*20 + 100*10 + 85*10 + 100*10) / 100
        //   = (1275 + 1500 + 1840 + 2000 + 1000 + 850 + 1000) / 100 = 9465 / 100 = 94.65 -> 95
        var result = _scorer.Score(ReadinessAnswerSets.Ready().With(
            """{"task.scope": "few_related", "data.guidelines": "draft", "business.requests_per_day": 500}"""));

        result.OverallScore.ShouldBe(95);
    }

    [Fact]
    public void Score_MiddlingAnswersWithoutGates_PilotByScoreBand()
    {
        // TaskFit      50 + open 0 + exact 20                                  = 70
        // Simpler      30 + rag 15 + baseline 25 + small gap 0 + informal 5     = 75
        // Data         35 + synthetic 7 + outsourced 5 + draft 7 + 10 + some 7  = 71
        // Evaluation   40 + size 10 + generic 8 + team 10 + planned 5          = 73
        // Ownership    30 + 15 + monitoring planned 12 + expected 10 + planned 5 = 72
        // Business     30 + batch 5 + saving 20 + estimated 12 + target 10      = 77
        // Stability    monthly 10 + mostly 15 + often 0                        = 25
        // (70*15 + 75*15 + 71*20 + 73*20 + 72*10 + 77*10 + 25*10) / 100
        //   = (1050 + 1125 + 1420 + 1460 + 720 + 770 + 250) / 100 = 67.95 -> 68
        var result = _scorer.Score(ReadinessAnswerSets.Ready().With("""
            {
              "task.scope": "open_ended",
              "simpler.baseline_gap": "small", "simpler.failure_cases": "informal",
              "data.example_source": "synthetic_reviewed", "data.who_labels": "outsourced",
              "data.guidelines": "draft", "data.edge_cases": "some",
              "eval.metrics": "generic", "eval.owner": "team", "eval.human_review": "planned",
              "owner.monitoring": "planned", "owner.budget": "expected", "owner.feedback_loop": "planned",
              "business.latency": "batch", "business.impact": "estimated",
              "stability.requirement_changes": "monthly", "stability.output_format": "mostly", "stability.domain_rules": "often"
            }
            """));

        result.OverallScore.ShouldBe(68);
        result.Verdict.ShouldBe(ReadinessVerdict.FineTuningPilot);
        result.Blockers.ShouldBeEmpty();
        result.NextSteps.Select(s => s.Order).ShouldBe(Enumerable.Range(1, result.NextSteps.Count));
        result.NextSteps.ShouldContain(s => s.Area == StudioArea.Evaluation);
        result.NextSteps.ShouldContain(s => s.Area == StudioArea.Examples);
    }

    [Fact]
    public void Score_GatesPassedButLittleElse_NotReadyYetByScore()
    {
        // TaskFit 50 (format only); Simpler few-shot 30 + baseline 25 = 55; Evaluation planned 15; all else 0.
        // (50*15 + 55*15 + 15*20) / 100 = (750 + 825 + 300) / 100 = 18.75 -> 19
        var answers = ReadinessAnswerSets.Parse("""
            {"task.nature": ["output_format"], "simpler.prompting": "system_and_few_shot",
             "simpler.baseline": "measured", "eval.held_out_set": "planned"}
            """);

        var result = _scorer.Score(answers);

        result.OverallScore.ShouldBe(19);
        result.Verdict.ShouldBe(ReadinessVerdict.NotReadyYet);
        result.Reasons.ShouldNotContain(r => r.Kind == ReadinessReasonKind.Gate);
        result.Blockers.Select(b => b.QuestionId).ShouldBe(
            [Q.HighQualityExamples, Q.RetrainingOwner, Q.Monitoring], ignoreOrder: true);
    }

    [Fact]
    public void Score_NextSteps_OrderedByPriorityWithoutDuplicates()
    {
        var result = _scorer.Score(ReadinessAnswerSets.Ready().With(
            """{"eval.held_out_set": "none", "owner.retraining_owner": "nobody", "owner.monitoring": "none", "data.high_quality_examples": 10}"""));

        result.NextSteps[0].Area.ShouldBe(StudioArea.Evaluation);
        result.NextSteps[0].QuestionId.ShouldBe(Q.EvalSet);
        result.NextSteps.Select(s => s.Text).ShouldBeUnique();
        // retraining and monitoring share one step
        result.NextSteps.Count(s => s.Area == StudioArea.Admin).ShouldBe(1);
    }

    [Fact]
    public void Score_Reasons_NameTheQuestionAndTheAnswer()
    {
        var result = _scorer.Score(ReadinessAnswerSets.Ready().With("""{"data.high_quality_examples": 120}"""));

        var reason = result.Reasons.Single(r => r.RuleId == "data.examples_pilot");
        reason.QuestionId.ShouldBe(Q.HighQualityExamples);
        reason.Answer.ShouldBe("120 examples");
        reason.Points.ShouldBe(20);
    }

    [Fact]
    public void Score_InvalidAnswerValues_ReadAsUnanswered()
    {
        var result = _scorer.Score(ReadinessAnswerSets.Ready().With(
            """{"task.scope": "galaxy", "data.high_quality_examples": "lots", "task.nature": ["output_format", 7]}"""));

        // TaskFit: behaviour 50 + unknown scope 0 + exact 20 = 70
        result.ScoreOf(ReadinessDimension.TaskFit).ShouldBe(70);
        result.Reasons.Single(r => r.RuleId == "limit.examples_below_pilot").Answer.ShouldBe("not answered");
    }
}
