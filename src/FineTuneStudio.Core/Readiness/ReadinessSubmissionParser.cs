using System.Text.Json;

namespace FineTuneStudio.Core.Readiness;

/// <summary>Reads a readiness submission from the JSON of the API and the CLI.</summary>
public static class ReadinessSubmissionParser
{
    private const string NotText = "is not valid text: the JSON holds invalid UTF-8 or a lone surrogate escape such as \\ud800.";

    /// <summary>
    /// Reads a submission from JSON: either an object of answers keyed by question id, or
    /// {"answers": {...}, "targetKey": ..., "averageTokensPerExample": ..., "inferencePricePerMillionInputTokens": ...}.
    /// </summary>
    public static ReadinessSubmission Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new StudioValidationException("answers", "Expected a JSON object of answers keyed by question id.");
        }

        // TryGetProperty unescapes the names it compares and throws on one that is not text.
        if (root.EnumerateObject().Any(p => Text(() => p.Name) is null))
        {
            throw new StudioValidationException("answers", "A field name " + NotText);
        }

        if (!root.TryGetProperty("answers", out var answers))
        {
            return new ReadinessSubmission(ToAnswers(root));
        }

        if (answers.ValueKind != JsonValueKind.Object)
        {
            throw new StudioValidationException("answers", "Expected an object keyed by question id.");
        }

        string? targetKey = null;
        int? tokens = null;
        double? price = null;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "answers":
                    break;
                case "targetKey":
                    targetKey = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => Text(property.Value.GetString) ?? throw new StudioValidationException("targetKey", "The training-target key " + NotText),
                        JsonValueKind.Null => null,
                        _ => throw new StudioValidationException("targetKey", "Expected a training-target key as a string."),
                    };
                    break;
                case "averageTokensPerExample":
                    tokens = property.Value.ValueKind == JsonValueKind.Null ? null
                        : property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var t) ? t
                        : throw new StudioValidationException("averageTokensPerExample", "Expected a whole number.");
                    break;
                case "inferencePricePerMillionInputTokens":
                    price = property.Value.ValueKind == JsonValueKind.Null ? null
                        : property.Value.ValueKind == JsonValueKind.Number ? property.Value.GetDouble()
                        : throw new StudioValidationException("inferencePricePerMillionInputTokens", "Expected a number.");
                    break;
                default:
                    throw new StudioValidationException(property.Name, "Unknown field; expected answers, targetKey, averageTokensPerExample or inferencePricePerMillionInputTokens.");
            }
        }

        return new ReadinessSubmission(ToAnswers(answers), targetKey, tokens, price);
    }

    private static Dictionary<string, JsonElement> ToAnswers(JsonElement obj)
    {
        var answers = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            var questionId = Text(() => property.Name) ?? throw new StudioValidationException("answers", "A question id " + NotText);
            RequireText(property.Value, questionId);
            if (!answers.TryAdd(questionId, property.Value.Clone()))
            {
                throw new StudioValidationException(questionId, "The question is answered twice.");
            }
        }

        return answers;
    }

    /// <summary>Every string and name in an answer, so that neither the validator nor storing the answer trips on one.</summary>
    private static void RequireText(JsonElement value, string questionId)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String when Text(value.GetString) is null:
                throw new StudioValidationException(questionId, "The answer " + NotText);
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    RequireText(item, questionId);
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if (Text(() => property.Name) is null)
                    {
                        throw new StudioValidationException(questionId, "A name in the answer " + NotText);
                    }

                    RequireText(property.Value, questionId);
                }

                break;
        }
    }

    /// <summary>The text, or null when it has none: invalid UTF-8 and lone surrogate escapes pass the JSON reader and fail only when read.</summary>
    private static string? Text(Func<string?> read)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
