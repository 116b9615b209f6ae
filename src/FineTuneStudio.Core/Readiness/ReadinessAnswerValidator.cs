using System.Globalization;
using System.Text.Json;

namespace FineTuneStudio.Core.Readiness;

/// <summary>
/// Checks questionnaire answers (keyed by question id) against the catalog. Unanswered questions
/// are fine; a JSON null counts as unanswered. Every error names the question id as its field.
/// </summary>
public sealed class ReadinessAnswerValidator
{
    public IReadOnlyList<InputError> Validate(IReadOnlyDictionary<string, JsonElement> answers)
    {
        var errors = new List<InputError>();
        foreach (var (questionId, value) in answers.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var question = ReadinessQuestionnaire.Find(questionId);
            if (question is null)
            {
                errors.Add(new InputError(questionId, "There is no question with this id."));
                continue;
            }

            if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
            {
                continue;
            }

            var message = question.AnswerType switch
            {
                ReadinessAnswerType.SingleChoice => CheckSingle(question, value),
                ReadinessAnswerType.MultipleChoice => CheckMultiple(question, value),
                ReadinessAnswerType.Number => CheckNumber(question, value),
                ReadinessAnswerType.FreeText => CheckText(value),
                _ => "This question has an unknown answer type.",
            };
            if (message is not null)
            {
                errors.Add(new InputError(questionId, message));
            }
        }

        return errors;
    }

    /// <summary>Throws <see cref="StudioValidationException"/> listing every problem, if there is any.</summary>
    public void EnsureValid(IReadOnlyDictionary<string, JsonElement> answers)
    {
        var errors = Validate(answers);
        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }
    }

    private static string? CheckSingle(ReadinessQuestion question, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return "Expected one option id as a string.";
        }

        return UnknownOption(question, value.GetString()!);
    }

    private static string? CheckMultiple(ReadinessQuestion question, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            return "Expected an array of option ids.";
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                return "Expected every item to be an option id string.";
            }

            var optionId = item.GetString()!;
            if (UnknownOption(question, optionId) is { } unknown)
            {
                return unknown;
            }

            if (!seen.Add(optionId))
            {
                return $"Option '{optionId}' is chosen twice.";
            }
        }

        return null;
    }

    private static string? CheckNumber(ReadinessQuestion question, JsonElement value)
    {
        // NaN and infinities are not valid JSON numbers; they can only arrive as strings.
        if (value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), CultureInfo.InvariantCulture, out var parsed) && !double.IsFinite(parsed))
        {
            return "Expected a finite number, not NaN or infinity.";
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number))
        {
            return "Expected a number.";
        }

        if (!double.IsFinite(number))
        {
            return "Expected a finite number, not NaN or infinity.";
        }

        if (number < question.Min || number > question.Max)
        {
            return string.Create(CultureInfo.InvariantCulture, $"Expected a number from {question.Min} to {question.Max} ({question.Unit}).");
        }

        return null;
    }

    private static string? CheckText(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return "Expected text.";
        }

        return value.GetString()!.Length > ReadinessQuestion.MaxTextLength
            ? $"Expected at most {ReadinessQuestion.MaxTextLength} characters."
            : null;
    }

    private static string? UnknownOption(ReadinessQuestion question, string optionId) =>
        question.FindOption(optionId) is null
            ? $"'{optionId}' is not an option of this question (expected one of: {string.Join(", ", question.Options.Select(o => o.Id))})."
            : null;
}
