using FineTuneStudio.Core.Training;
using System.Globalization;
using System.Text.Json;

namespace FineTuneStudio.Core.Readiness;

/// <summary>
/// The pure part of a readiness evaluation: validate the submission, pick the training target,
/// score and estimate. Nothing here reads or writes the database.
/// </summary>
public static class ReadinessEvaluator
{
    /// <summary>An assumed example length when none is given: a short prompt, input and answer.</summary>
    public const int DefaultAverageTokensPerExample = 500;

    /// <summary>Example input price of a small hosted model, USD per million tokens; edit per contract.</summary>
    public const double DefaultInferencePricePerMillionInputTokens = 0.15;

    /// <summary>The pure part of an evaluation: validate, pick the target, score and estimate.</summary>
    public static ReadinessEvaluation Evaluate(ReadinessSubmission submission, ReadinessEvidence evidence, IReadOnlyList<TrainingTargetView> targetTable, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(submission);
        ValidateSubmission(submission);
        var target = ResolveTarget(submission, targetTable);
        // Given by the user, else measured on the project's approved examples, else assumed.
        var averageTokens = submission.AverageTokensPerExample ?? evidence.AverageTokensPerExample ?? DefaultAverageTokensPerExample;
        var inferencePrice = submission.InferencePricePerMillionInputTokens ?? DefaultInferencePricePerMillionInputTokens;
        var result = new ReadinessScorer().Score(submission.Answers, evidence);
        var estimate = ReadinessEstimator.Estimate(submission.Answers, evidence, TrainingTargetPrice.Of(target),
            new ReadinessEstimateAssumptions(averageTokens, (decimal)inferencePrice, Today: today));
        var tokenSource = submission.AverageTokensPerExample is not null ? "given"
            : evidence.AverageTokensPerExample is not null ? string.Create(CultureInfo.InvariantCulture, $"measured on {evidence.TokenSampleSize:#,0} approved examples")
            : "assumed";
        return new ReadinessEvaluation(result, estimate, evidence, WarningFor(target, today), averageTokens, inferencePrice, tokenSource);
    }

    internal static void ValidateSubmission(ReadinessSubmission submission)
    {
        var errors = new List<InputError>(new ReadinessAnswerValidator().Validate(submission.Answers ?? throw new StudioValidationException("answers", "Expected an object of answers keyed by question id.")));
        if (submission.AverageTokensPerExample is < 1 or > 1_000_000)
        {
            errors.Add(new InputError("averageTokensPerExample", "Expected a whole number from 1 to 1,000,000."));
        }

        if (submission.InferencePricePerMillionInputTokens is { } price && (!double.IsFinite(price) || price < 0 || price > 100_000))
        {
            errors.Add(new InputError("inferencePricePerMillionInputTokens", "Expected a price from 0 to 100,000 USD per million tokens."));
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }
    }

    private static TrainingTargetView ResolveTarget(ReadinessSubmission submission, IReadOnlyList<TrainingTargetView> table)
    {
        TrainingTargetView? Find(string? key) => string.IsNullOrWhiteSpace(key)
            ? null
            : table.FirstOrDefault(t => string.Equals(t.Key, key.Trim(), StringComparison.OrdinalIgnoreCase));

        if (Trimmed(submission.TargetKey) is { } key)
        {
            return Find(key) ?? throw new StudioValidationException("targetKey", $"There is no training target '{key}'. Choose one of: {string.Join(", ", table.Select(t => t.Key))}.");
        }

        // The questionnaire's answer is free text: a key from the table is used, anything else falls back to the default.
        if (submission.Answers.TryGetValue(ReadinessQuestionIds.TrainingTarget, out var answer) && answer.ValueKind == JsonValueKind.String
            && Find(answer.GetString()) is { } answered)
        {
            return answered;
        }

        return Find(TrainingTargetService.DefaultTargetKey) ?? table[0];
    }

    private static TargetWarning? WarningFor(TrainingTargetView target, DateOnly today)
    {
        if (!target.IsClosingOrClosed)
        {
            return null;
        }

        var date = target.ClosesOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var text = target.Status == TrainingTargetService.Closed || (target.ClosesOn is { } closed && closed <= today)
            ? $"{target.Name} no longer accepts new training jobs{(date is null ? "" : $" (since {date})")}. Choose another target before preparing data for it."
            : $"{target.Name} stops accepting new training jobs on {date}. A model trained there cannot be retrained there after that day, so plan the retraining cadence elsewhere.";
        return new TargetWarning(target.Key, target.Name, target.Status, target.ClosesOn, text, target.Alternatives);
    }

    internal static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
