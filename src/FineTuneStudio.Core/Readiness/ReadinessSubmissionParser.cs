using System.Text.Json;

namespace FineTuneStudio.Core.Readiness;

/// <summary>Reads a readiness submission from the JSON of the API and the CLI.</summary>
public static class ReadinessSubmissionParser
{
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
                        JsonValueKind.String => property.Value.GetString(),
                        JsonValueKind.Null => null,
                        _ => throw new StudioValidationException("targetKey", "Expected a training-target key as a string."),
                    };
                    break;
                case "averageTokensPerExample":
                    tokens = property.Value.ValueKind == JsonValueKind.Null ? null
                        : property.Value.TryGetInt32(out var t) ? t
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

    private static Dictionary<string, JsonElement> ToAnswers(JsonElement obj) =>
        obj.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);
}
