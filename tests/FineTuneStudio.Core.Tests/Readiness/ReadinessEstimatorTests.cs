using FineTuneStudio.Core.Readiness;

namespace FineTuneStudio.Core.Tests.Readiness;

public class ReadinessEstimatorTests
{
    private static readonly TrainingTargetPrice Target = new("hosted-small", "Hosted small model", 8m, 10, 65_536);

    [Theory]
    [InlineData(120, 50, 0)]
    [InlineData(120, 500, 380)]
    [InlineData(0, 50, 50)]
    [InlineData(-5, 50, 50)]
    public void ExamplesStillNeeded_CountAndTarget_Difference(int have, int target, int expected)
    {
        ReadinessEstimator.ExamplesStillNeeded(have, target).ShouldBe(expected);
    }

    [Fact]
    public void PreparationWeeks_380ExamplesAt3MinutesWith10Hours_1Point9Weeks()
    {
        // 380 × 180 s = 68,400 s = 19 h; 19 h ÷ 10 h a week = 1.9 weeks
        ReadinessEstimator.PreparationWeeks(380, 180, 10)!.Value.ShouldBe(1.9, 1e-9);
    }

    [Fact]
    public void PreparationWeeks_NoHours_Null()
    {
        ReadinessEstimator.PreparationWeeks(10, 180, 0).ShouldBeNull();
        ReadinessEstimator.PreparationWeeks(0, 180, 0).ShouldBe(0);
    }

    [Theory]
    // 500 examples: 500 × 3 = 1,500 seen, inside 100..25,000, so 3 epochs.
    // 500 × 400 = 200,000 tokens per epoch; × 3 = 600,000; × $8 / 1,000,000 = $4.80
    [InlineData(500, 400, 8, 3, 600_000, 4.80)]
    // 20 examples: 20 × 3 = 60 < 100, so 100 / 20 = 5 epochs. 20 × 1,000 = 20,000; × 5 = 100,000; × $25 / 1M = $2.50
    [InlineData(20, 1000, 25, 5, 100_000, 2.50)]
    // 10,000 examples: 30,000 > 25,000, so 25,000 / 10,000 = 2 epochs. 10,000 × 500 × 2 = 10,000,000; × $3 / 1M = $30
    [InlineData(10_000, 500, 3, 2, 10_000_000, 30)]
    public void TrainingCost_ExamplesTokensPrice_TokensTimesEpochsTimesPrice(
        int examples, int averageTokens, double price, int epochs, long billedTokens, double cost)
    {
        var estimate = ReadinessEstimator.TrainingCost(examples, averageTokens, (decimal)price);

        estimate.Epochs.ShouldBe(epochs);
        estimate.BilledTokens.ShouldBe(billedTokens);
        estimate.CostUsd.ShouldBe((decimal)cost);
    }

    [Fact]
    public void DailySaving_1700TokensAt5000RequestsAnd15Cents_1Point275()
    {
        // 1,700 × 5,000 = 8,500,000 tokens a day; × $0.15 / 1,000,000 = $1.275
        ReadinessEstimator.DailySaving(1700, 5000, 0.15m).ShouldBe(1.275m);
    }

    [Theory]
    // No retraining: 75 / 1.275 = 58.82 -> day 59
    [InlineData(RetrainingCadence.None, 59)]
    // Quarterly: 75 / 90 = 0.8333 a day; net 1.275 - 0.8333 = 0.441667; 75 / 0.441667 = 169.8 -> day 170
    [InlineData(RetrainingCadence.Quarterly, 170)]
    // Half-yearly: 75 / 180 = 0.416667; net 0.858333; 75 / 0.858333 = 87.38 -> day 88
    [InlineData(RetrainingCadence.HalfYearly, 88)]
    // Yearly: 75 / 365 = 0.205479; net 1.069521; 75 / 1.069521 = 70.12 -> day 71
    [InlineData(RetrainingCadence.Yearly, 71)]
    public void BreakEven_75DollarTrainingSaving1Point275ADay_HandComputedDays(RetrainingCadence cadence, int days)
    {
        var result = ReadinessEstimator.BreakEven(75m, 1.275m, cadence);

        result.Days.ShouldBe(days);
        result.Summary.ShouldContain($"after {days} days");
    }

    [Fact]
    public void BreakEven_MonthlyRetrainingCostsMoreThanItSaves_Never()
    {
        // Monthly: 75 / 30 = $2.50 a day of retraining > $1.275 saved a day.
        var result = ReadinessEstimator.BreakEven(75m, 1.275m, RetrainingCadence.Monthly);

        result.Days.ShouldBeNull();
        result.RetrainingCostPerDayUsd.ShouldBe(2.5m);
        result.Summary.ShouldStartWith("Never pays for itself");
    }

    [Fact]
    public void BreakEven_NoSaving_NeverWithExplanation()
    {
        var result = ReadinessEstimator.BreakEven(75m, 0m, RetrainingCadence.None);

        result.Days.ShouldBeNull();
        result.Summary.ShouldContain("saves nothing");
    }

    [Fact]
    public void Estimate_ReadyAnswersWithApprovedEvidence_HandComputedFigures()
    {
        // Ready answers: 3 minutes per example, 10 labeler hours a week, 2,000 -> 300 prompt tokens,
        // 5,000 requests a day, quarterly retraining. Evidence: 120 approved examples.
        var answers = ReadinessAnswerSets.Ready();
        var assumptions = new ReadinessEstimateAssumptions(AverageTokensPerExample: 400, InferencePricePerMillionInputTokensUsd: 0.15m);

        var estimate = ReadinessEstimator.Estimate(answers, new ReadinessEvidence(ApprovedExamples: 120), Target, assumptions);

        estimate.ExamplesNow.ShouldBe(120);
        estimate.ExamplesNeededForPilot.ShouldBe(0);
        // 500 - 120 = 380
        estimate.ExamplesNeededForFull.ShouldBe(380);
        estimate.SecondsPerExampleSource.ShouldBe(EstimateInputSource.Answer);
        // 380 × 180 s ÷ 3600 ÷ 10 h = 1.9 weeks
        estimate.WeeksToFull!.Value.ShouldBe(1.9, 1e-9);
        estimate.WeeksToPilot.ShouldBe(0);
        // full run: 500 × 400 × 3 epochs = 600,000 tokens × $8 / 1M = $4.80
        estimate.FullTraining.CostUsd.ShouldBe(4.80m);
        // pilot run on the 120 we have: 120 × 3 = 360 ≥ 100, 3 epochs; 120 × 400 × 3 = 144,000 × $8 / 1M = $1.152
        estimate.PilotTraining.CostUsd.ShouldBe(1.152m);
        // saving: (2,000 - 300) × 5,000 × 0.15 / 1M = $1.275 a day; quarterly upkeep 4.80 / 90 = 0.053333;
        // net 1.221667; 4.80 / 1.221667 = 3.93 -> 4 days
        estimate.PromptTokensSavedPerRequest.ShouldBe(1700);
        estimate.BreakEven.DailySavingUsd.ShouldBe(1.275m);
        estimate.BreakEven.Days.ShouldBe(4);
        estimate.Notes.ShouldBeEmpty();
    }

    [Fact]
    public void Estimate_MeasuredLabelingPace_BeatsAnswerAndDefault()
    {
        var answers = ReadinessAnswerSets.Ready().With("""{"data.high_quality_examples": 0}""");
        var assumptions = new ReadinessEstimateAssumptions(400, 0.15m);

        var estimate = ReadinessEstimator.Estimate(answers, new ReadinessEvidence(MedianSecondsPerExample: 72), Target, assumptions);

        estimate.SecondsPerExample.ShouldBe(72);
        estimate.SecondsPerExampleSource.ShouldBe(EstimateInputSource.Measured);
        // 50 × 72 s = 3,600 s = 1 h; ÷ 10 h = 0.1 weeks. 500 × 72 = 36,000 s = 10 h; ÷ 10 = 1 week
        estimate.WeeksToPilot!.Value.ShouldBe(0.1, 1e-9);
        estimate.WeeksToFull!.Value.ShouldBe(1.0, 1e-9);
    }

    [Fact]
    public void Estimate_NoPaceOrHoursAnswered_UsesEditableDefaults()
    {
        var answers = ReadinessAnswerSets.Ready().With(
            """{"data.minutes_per_example": null, "data.labeler_hours_per_week": null, "data.high_quality_examples": 0}""");
        var assumptions = new ReadinessEstimateAssumptions(400, 0.15m, DefaultSecondsPerExample: 240, DefaultLabelerHoursPerWeek: 4);

        var estimate = ReadinessEstimator.Estimate(answers, null, Target, assumptions);

        estimate.SecondsPerExampleSource.ShouldBe(EstimateInputSource.Default);
        estimate.LabelerHoursSource.ShouldBe(EstimateInputSource.Default);
        // 50 × 240 s = 12,000 s = 3.333 h; ÷ 4 h = 0.8333 weeks
        estimate.WeeksToPilot!.Value.ShouldBe(12_000.0 / 3600 / 4, 1e-9);
    }

    [Fact]
    public void Estimate_TargetMinimumAboveOurPilotCount_RaisesTheTarget()
    {
        var strict = Target with { MinimumExamples = 100 };

        var estimate = ReadinessEstimator.Estimate(ReadinessAnswerSets.Ready(), new ReadinessEvidence(ApprovedExamples: 30), strict, new(400, 0.15m));

        estimate.PilotTarget.ShouldBe(100);
        estimate.ExamplesNeededForPilot.ShouldBe(70);
    }

    [Fact]
    public void Estimate_ExamplesOverTokenLimitAndTargetClosing_Notes()
    {
        var closing = Target with
        {
            TokenLimitPerExample = 300,
            ClosingDate = new DateOnly(2026, 1, 10),
            AlternativesNote = "Use the newer hosted model instead.",
        };
        // 380 still needed at 1.9 weeks -> ready about 14 days after 2026-01-01, after the closing date.
        var assumptions = new ReadinessEstimateAssumptions(400, 0.15m, Today: new DateOnly(2026, 1, 1));

        var estimate = ReadinessEstimator.Estimate(ReadinessAnswerSets.Ready(), new ReadinessEvidence(ApprovedExamples: 120), closing, assumptions);

        estimate.Notes.Count.ShouldBe(2);
        estimate.Notes.ShouldContain(n => n.Contains("limit of 300 tokens"));
        estimate.Notes.ShouldContain(n => n.Contains("2026-01-10") && n.Contains("newer hosted model"));
    }
}
