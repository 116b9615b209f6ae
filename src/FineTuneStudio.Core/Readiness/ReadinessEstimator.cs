using FineTuneStudio.Core.Training;
using System.Globalization;
using System.Text.Json;
using FineTuneStudio.Core.Versions;
using Q = FineTuneStudio.Core.Readiness.ReadinessQuestionIds;

namespace FineTuneStudio.Core.Readiness;

/// <summary>A training platform and its price, as set up in Admin.</summary>
/// <param name="Key">Stable key the questionnaire's training-target answer may refer to.</param>
/// <param name="MinimumExamples">The platform refuses smaller training files.</param>
/// <param name="TokenLimitPerExample">Longer examples are rejected or truncated by the platform.</param>
/// <param name="ClosingDate">Set when the platform stops accepting new training jobs.</param>
/// <param name="AlternativesNote">What to use instead once it closes.</param>
public sealed record TrainingTargetPrice(
    string Key,
    string Name,
    decimal PricePerMillionTrainingTokensUsd,
    int MinimumExamples,
    int TokenLimitPerExample,
    DateOnly? ClosingDate = null,
    string? AlternativesNote = null)
{
    /// <summary>A row of the targets table as the estimate reads it (Readiness reads Training, never the other way).</summary>
    public static TrainingTargetPrice Of(TrainingTargetView t) => new(
        t.Key, t.Name, (decimal)t.PricePerMillionTokens, t.MinExamples, t.TokenLimitPerExample,
        t.IsClosingOrClosed ? t.ClosesOn : null, string.IsNullOrWhiteSpace(t.Alternatives) ? null : t.Alternatives);
}

public enum RetrainingCadence { None, Monthly, Quarterly, HalfYearly, Yearly }

/// <summary>Inputs the questionnaire does not ask for, each editable on the estimate page.</summary>
/// <param name="AverageTokensPerExample">From the token statistics of existing examples, or a guess.</param>
/// <param name="InferencePricePerMillionInputTokensUsd">Price of input tokens for the model that serves requests.</param>
/// <param name="DefaultSecondsPerExample">Used when neither evidence nor an answer gives the labeling pace.</param>
/// <param name="DefaultLabelerHoursPerWeek">Used when the answer is missing.</param>
/// <param name="Today">For checking the target's closing date; null skips the check.</param>
public sealed record ReadinessEstimateAssumptions(
    int AverageTokensPerExample,
    decimal InferencePricePerMillionInputTokensUsd,
    double DefaultSecondsPerExample = ReadinessEstimator.DefaultSecondsPerExample,
    double DefaultLabelerHoursPerWeek = ReadinessEstimator.DefaultLabelerHoursPerWeek,
    DateOnly? Today = null);

/// <summary>Tokens, epochs and price of one training run.</summary>
public sealed record TrainingCostEstimate(int Examples, int Epochs, long TokensPerEpoch, long BilledTokens, decimal CostUsd);

/// <summary>
/// Daily saving against the cost of training, with each retraining spread over its cadence.
/// <see cref="Days"/> is null when the saving never covers the upkeep.
/// </summary>
public sealed record BreakEvenEstimate(decimal DailySavingUsd, decimal RetrainingCostPerDayUsd, decimal NetDailySavingUsd, int? Days, string Summary);

public enum EstimateInputSource { Measured, Answer, Default }

public sealed record ReadinessEstimate(
    string TargetKey,
    string TargetName,
    int ExamplesNow,
    int PilotTarget,
    int FullTarget,
    int ExamplesNeededForPilot,
    int ExamplesNeededForFull,
    double SecondsPerExample,
    EstimateInputSource SecondsPerExampleSource,
    double LabelerHoursPerWeek,
    EstimateInputSource LabelerHoursSource,
    double? WeeksToPilot,
    double? WeeksToFull,
    TrainingCostEstimate PilotTraining,
    TrainingCostEstimate FullTraining,
    RetrainingCadence Cadence,
    long PromptTokensSavedPerRequest,
    long RequestsPerDay,
    BreakEvenEstimate BreakEven,
    IReadOnlyList<string> Notes);

/// <summary>
/// Effort, cost and payback estimates. Each formula is a public pure function so pages and tests
/// can use it on its own; <see cref="Estimate"/> feeds them from answers and evidence.
/// </summary>
public static class ReadinessEstimator
{
    /// <summary>Three minutes to write or correct one good example, a common pace for short tasks.</summary>
    public const double DefaultSecondsPerExample = 180;

    /// <summary>A quarter of one person's week, a usual share for experts who also do their day job.</summary>
    public const double DefaultLabelerHoursPerWeek = 10;

    public static int ExamplesStillNeeded(int examplesNow, int target) => Math.Max(0, target - Math.Max(0, examplesNow));

    /// <summary>examples × seconds each ÷ 3600 ÷ labeler hours per week; null when nobody has hours for it.</summary>
    public static double? PreparationWeeks(int examplesNeeded, double secondsPerExample, double labelerHoursPerWeek)
    {
        if (examplesNeeded <= 0)
        {
            return 0;
        }

        return labelerHoursPerWeek > 0 ? examplesNeeded * secondsPerExample / 3600 / labelerHoursPerWeek : null;
    }

    /// <summary>examples × average tokens × epochs (from <see cref="EpochHeuristic"/>) × price ÷ 1,000,000.</summary>
    public static TrainingCostEstimate TrainingCost(int examples, int averageTokensPerExample, decimal pricePerMillionTokensUsd)
    {
        var epochs = EpochHeuristic.Epochs(examples);
        var tokensPerEpoch = (long)Math.Max(0, examples) * Math.Max(0, averageTokensPerExample);
        var billed = tokensPerEpoch * epochs;
        return new TrainingCostEstimate(examples, epochs, tokensPerEpoch, billed, billed * pricePerMillionTokensUsd / 1_000_000m);
    }

    /// <summary>Days between retrainings; rounded month and year lengths keep the estimate easy to check by hand.</summary>
    public static int? CadenceDays(RetrainingCadence cadence) => cadence switch
    {
        RetrainingCadence.Monthly => 30,
        RetrainingCadence.Quarterly => 90,
        RetrainingCadence.HalfYearly => 180,
        RetrainingCadence.Yearly => 365,
        _ => null,
    };

    /// <summary>tokens saved per request × requests per day × input price ÷ 1,000,000.</summary>
    public static decimal DailySaving(long promptTokensSavedPerRequest, long requestsPerDay, decimal inferencePricePerMillionInputTokensUsd) =>
        Math.Max(0, promptTokensSavedPerRequest) * (decimal)Math.Max(0, requestsPerDay) * inferencePricePerMillionInputTokensUsd / 1_000_000m;

    /// <summary>
    /// Every retraining is assumed to cost what the first training did and is spread evenly over its
    /// cadence. Break-even is the first whole day on which the savings, net of that upkeep, have paid
    /// back the first training.
    /// </summary>
    public static BreakEvenEstimate BreakEven(decimal trainingCostUsd, decimal dailySavingUsd, RetrainingCadence cadence)
    {
        var retrainingPerDay = CadenceDays(cadence) is { } days ? trainingCostUsd / days : 0m;
        var net = dailySavingUsd - retrainingPerDay;
        if (dailySavingUsd <= 0)
        {
            return new BreakEvenEstimate(dailySavingUsd, retrainingPerDay, net, null,
                "Training saves nothing per request on these figures, so it does not pay for itself in money; the case rests on quality.");
        }

        if (net <= 0)
        {
            return new BreakEvenEstimate(dailySavingUsd, retrainingPerDay, net, null, Invariant(
                $"Never pays for itself: the saving of {Usd(dailySavingUsd)} a day does not cover retraining, which costs {Usd(retrainingPerDay)} a day."));
        }

        var breakEven = trainingCostUsd <= 0 ? 0 : (int)Math.Ceiling(trainingCostUsd / net);
        return new BreakEvenEstimate(dailySavingUsd, retrainingPerDay, net, breakEven, Invariant(
            $"Pays for itself after {breakEven} days: it saves {Usd(dailySavingUsd)} a day, {Usd(net)} after retraining costs."));
    }

    public static RetrainingCadence CadenceFrom(ReadinessFacts facts) => facts.Choice(Q.RetrainingCadence) switch
    {
        "monthly" => RetrainingCadence.Monthly,
        "quarterly" => RetrainingCadence.Quarterly,
        "half_yearly" => RetrainingCadence.HalfYearly,
        "yearly" => RetrainingCadence.Yearly,
        _ => RetrainingCadence.None,
    };

    public static ReadinessEstimate Estimate(
        IReadOnlyDictionary<string, JsonElement> answers,
        ReadinessEvidence? evidence,
        TrainingTargetPrice target,
        ReadinessEstimateAssumptions assumptions)
    {
        var facts = ReadinessFacts.From(answers, evidence);
        var examplesNow = facts.HighQualityExamples;
        var pilotTarget = Math.Max(ReadinessRules.PilotExamples, target.MinimumExamples);
        var fullTarget = Math.Max(ReadinessRules.FullExamples, target.MinimumExamples);

        var (seconds, secondsSource) = SecondsPerExample(facts, evidence, assumptions);
        var (hours, hoursSource) = facts.Number(Q.LabelerHoursPerWeek) is { } answered
            ? (answered, EstimateInputSource.Answer)
            : (assumptions.DefaultLabelerHoursPerWeek, EstimateInputSource.Default);

        var neededPilot = ExamplesStillNeeded(examplesNow, pilotTarget);
        var neededFull = ExamplesStillNeeded(examplesNow, fullTarget);
        var weeksToFull = PreparationWeeks(neededFull, seconds, hours);

        var pilot = TrainingCost(Math.Max(examplesNow, pilotTarget), assumptions.AverageTokensPerExample, target.PricePerMillionTrainingTokensUsd);
        var full = TrainingCost(Math.Max(examplesNow, fullTarget), assumptions.AverageTokensPerExample, target.PricePerMillionTrainingTokensUsd);

        var saved = (long)Math.Max(0, (facts.Number(Q.PromptTokensNow) ?? 0) - (facts.Number(Q.PromptTokensAfter) ?? 0));
        var requests = (long)(facts.Number(Q.RequestsPerDay) ?? 0);
        var cadence = CadenceFrom(facts);
        var breakEven = BreakEven(full.CostUsd, DailySaving(saved, requests, assumptions.InferencePricePerMillionInputTokensUsd), cadence);

        var notes = new List<string>();
        if (assumptions.AverageTokensPerExample > target.TokenLimitPerExample)
        {
            notes.Add(Invariant($"An average example of {assumptions.AverageTokensPerExample:#,0} tokens is over {target.Name}'s limit of {target.TokenLimitPerExample:#,0} tokens per example; shorten examples or choose another target."));
        }

        if (target.ClosingDate is { } closing && assumptions.Today is { } today)
        {
            var ready = weeksToFull is { } w ? today.AddDays((int)Math.Ceiling(w * 7)) : (DateOnly?)null;
            if (closing <= today)
            {
                notes.Add(Invariant($"{target.Name} stopped accepting training jobs on {closing:yyyy-MM-dd}. {target.AlternativesNote}").TrimEnd());
            }
            else if (ready is null || ready >= closing)
            {
                notes.Add(Invariant($"{target.Name} stops accepting training jobs on {closing:yyyy-MM-dd}, before the full dataset is likely to be ready. {target.AlternativesNote}").TrimEnd());
            }
        }

        if (hours <= 0 && neededFull > 0)
        {
            notes.Add("No labeler hours are available, so the preparation time cannot be estimated.");
        }

        return new ReadinessEstimate(
            target.Key, target.Name, examplesNow, pilotTarget, fullTarget, neededPilot, neededFull,
            seconds, secondsSource, hours, hoursSource,
            PreparationWeeks(neededPilot, seconds, hours), weeksToFull,
            pilot, full, cadence, saved, requests, breakEven, notes);
    }

    private static (double Seconds, EstimateInputSource Source) SecondsPerExample(
        ReadinessFacts facts, ReadinessEvidence? evidence, ReadinessEstimateAssumptions assumptions)
    {
        if (evidence?.MedianSecondsPerExample is { } measured && measured > 0 && double.IsFinite(measured))
        {
            return (measured, EstimateInputSource.Measured);
        }

        return facts.Number(Q.MinutesPerExample) is { } minutes && minutes > 0
            ? (minutes * 60, EstimateInputSource.Answer)
            : (assumptions.DefaultSecondsPerExample, EstimateInputSource.Default);
    }

    internal static string Usd(decimal amount) => "$" + amount.ToString(amount < 1 ? "0.00##" : "#,0.00", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
