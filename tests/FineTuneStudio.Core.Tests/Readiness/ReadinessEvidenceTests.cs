using FineTuneStudio.Core.Readiness;
using Q = FineTuneStudio.Core.Readiness.ReadinessQuestionIds;

namespace FineTuneStudio.Core.Tests.Readiness;

public class ReadinessEvidenceTests
{
    private readonly ReadinessScorer _scorer = new();

    [Fact]
    public void Score_ClaimedExamplesAboveApproved_UsesApprovedCountAndSaysSo()
    {
        var answers = ReadinessAnswerSets.Ready().With("""{"data.high_quality_examples": 2000}""");

        var result = _scorer.Score(answers, new ReadinessEvidence(ApprovedExamples: 120));

        var use = result.EvidenceUses.Single(u => u.QuestionId == Q.HighQualityExamples);
        use.Used.ShouldBe(EvidenceSource.Measured);
        use.SelfReported.ShouldBe("2,000 examples");
        use.Explanation.ShouldContain("2,000 examples");
        use.Explanation.ShouldContain("120 examples");
        result.Reasons.ShouldContain(r => r.RuleId == "limit.examples_below_full" && r.Answer == "120 examples");
        result.Verdict.ShouldBe(ReadinessVerdict.FineTuningPilot);
    }

    [Fact]
    public void Score_ClaimedEvalSetButNoEvalItems_TreatedAsNoEvaluation()
    {
        var result = _scorer.Score(ReadinessAnswerSets.Ready(), new ReadinessEvidence(EvalSets: 1, EvalItems: 0));

        result.Verdict.ShouldBe(ReadinessVerdict.NotReadyYet);
        var use = result.EvidenceUses.Single(u => u.QuestionId == Q.EvalSet);
        use.Used.ShouldBe(EvidenceSource.Measured);
        use.SelfReported.ShouldBe("Yes, it exists");
        result.Blockers.ShouldContain(b => b.QuestionId == Q.EvalSet);
    }

    [Fact]
    public void Score_NoEvalSetsMeasuredAndItemsUnknown_TreatedAsNoEvaluation()
    {
        var result = _scorer.Score(ReadinessAnswerSets.Ready(), new ReadinessEvidence(EvalSets: 0));

        result.Verdict.ShouldBe(ReadinessVerdict.NotReadyYet);
    }

    [Fact]
    public void Score_PlannedEvalSetAndNoItems_KeepsThePlan()
    {
        var answers = ReadinessAnswerSets.Ready().With("""{"eval.held_out_set": "planned"}""");

        var result = _scorer.Score(answers, new ReadinessEvidence(EvalItems: 0));

        result.Reasons.ShouldNotContain(r => r.RuleId == "gate.no_evaluation");
        result.EvidenceUses.Single(u => u.QuestionId == Q.EvalSet).Used.ShouldBe(EvidenceSource.Answer);
    }

    [Fact]
    public void Score_SaysNoEvalSetButItemsExist_CountsTheSetAndItsSize()
    {
        var answers = ReadinessAnswerSets.Ready().With("""{"eval.held_out_set": "none", "eval.set_size": null}""");

        var result = _scorer.Score(answers, new ReadinessEvidence(EvalSets: 1, EvalItems: 150));

        result.Verdict.ShouldBe(ReadinessVerdict.ReadyToFineTune);
        result.ScoreOf(ReadinessDimension.Evaluation).ShouldBe(100);
    }

    [Fact]
    public void Score_SaysNoBaselineButABaselineRunExists_BaselineCounted()
    {
        var answers = ReadinessAnswerSets.Ready().With("""{"simpler.baseline": "none"}""");

        var result = _scorer.Score(answers, new ReadinessEvidence(BaselineRuns: 1, BaselineScore: 0.62));

        result.Verdict.ShouldBe(ReadinessVerdict.ReadyToFineTune);
        var use = result.EvidenceUses.Single(u => u.QuestionId == Q.Baseline);
        use.Used.ShouldBe(EvidenceSource.Measured);
        use.Measured.ShouldContain("0.62");
    }

    [Fact]
    public void Score_SaysBaselineMeasuredButNoRunRecorded_GateApplies()
    {
        var result = _scorer.Score(ReadinessAnswerSets.Ready(), new ReadinessEvidence(BaselineRuns: 0));

        result.Verdict.ShouldBe(ReadinessVerdict.UsePromptEngineering);
    }

    [Fact]
    public void Score_WeakMeasuredAgreement_CostsDataPoints()
    {
        // Data: 35 + 10 + 15 + 15 + measured 10 + 15 - weak agreement 15 = 85
        var result = _scorer.Score(ReadinessAnswerSets.Ready(), new ReadinessEvidence(AgreementKappa: 0.45));

        result.ScoreOf(ReadinessDimension.Data).ShouldBe(85);
        result.NextSteps.ShouldContain(s => s.Area == StudioArea.Quality);
    }

    [Fact]
    public void Score_AgreementMeasuredWhereAnswerSaidNo_CountsAsMeasured()
    {
        var answers = ReadinessAnswerSets.Ready().With("""{"data.consistency_checked": "no"}""");

        var result = _scorer.Score(answers, new ReadinessEvidence(AgreementKappa: 0.82));

        result.ScoreOf(ReadinessDimension.Data).ShouldBe(100);
        result.EvidenceUses.Single(u => u.QuestionId == Q.Consistency).Measured.ShouldContain("0.82");
    }

    [Fact]
    public void Score_HighDuplicateAndConflictShares_CostDataPoints()
    {
        // Data: 100 - duplicates 10 - conflicts 15 = 75
        var result = _scorer.Score(ReadinessAnswerSets.Ready(), new ReadinessEvidence(DuplicateShare: 0.12, ConflictShare: 0.06));

        result.ScoreOf(ReadinessDimension.Data).ShouldBe(75);
    }

    [Fact]
    public void Score_EnoughExamplesButNoVersion_SuggestsCuttingOne()
    {
        var result = _scorer.Score(ReadinessAnswerSets.Ready(), new ReadinessEvidence(ApprovedExamples: 800, DatasetVersions: 0));

        result.NextSteps.ShouldContain(s => s.Area == StudioArea.Versions);
    }

    [Fact]
    public void Score_UnansweredButMeasured_UsesMeasurementAndSaysItWasNotAnswered()
    {
        var answers = ReadinessAnswerSets.Ready().With("""{"data.high_quality_examples": null}""");

        var result = _scorer.Score(answers, new ReadinessEvidence(ApprovedExamples: 600));

        result.ScoreOf(ReadinessDimension.Data).ShouldBe(100);
        result.EvidenceUses.Single().Explanation.ShouldStartWith("Not answered");
    }

    [Fact]
    public void Score_MeasuredLabelingTime_ReplacesMinutesPerExample()
    {
        var facts = ReadinessFacts.From(ReadinessAnswerSets.Ready(), new ReadinessEvidence(MedianSecondsPerExample: 90));

        // 90 s / 60 = 1.5 minutes
        facts.Number(Q.MinutesPerExample).ShouldBe(1.5);
    }

    [Fact]
    public void Score_NoEvidence_NoEvidenceUses()
    {
        _scorer.Score(ReadinessAnswerSets.Ready(), null).EvidenceUses.ShouldBeEmpty();
    }
}
