using System.Text.Json;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Examples;

/// <summary>The rules an example must meet before it is saved. Pure: the dataset's settings come in as arguments.</summary>
public static class ExampleValidator
{
    public const int MaxMessages = 200;
    public const int MaxTagLength = 50;
    public const int MaxTags = 30;
    public const int MaxNotesLength = 10_000;

    /// <summary>Returns the input with tags trimmed and de-duplicated; throws with every problem found.</summary>
    public static ExampleInput Validate(ExampleInput input, TaskKind taskKind, IReadOnlyList<string> labels)
    {
        var errors = new List<InputError>();
        var messages = input.Messages ?? [];
        if (messages.Count == 0)
        {
            errors.Add(new InputError("messages", "an example needs at least one message"));
        }
        else if (messages.Count > MaxMessages)
        {
            errors.Add(new InputError("messages", $"an example may have at most {MaxMessages} messages"));
        }

        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            var field = $"messages[{i + 1}]";
            if (m is null)
            {
                errors.Add(new InputError(field, "is empty"));
                continue;
            }

            if (!Enum.IsDefined(m.Role))
            {
                errors.Add(new InputError($"{field}.role", "use System, User, Assistant or Tool"));
                continue;
            }

            var hasToolCalls = !string.IsNullOrWhiteSpace(m.ToolCallsJson);
            if (string.IsNullOrWhiteSpace(m.Content) && !(m.Role == MessageRole.Assistant && hasToolCalls))
            {
                errors.Add(new InputError($"{field}.content", m.Role == MessageRole.Assistant
                    ? "an assistant turn needs text or tool calls"
                    : $"a {m.Role.ToString().ToLowerInvariant()} turn needs text"));
            }

            if (hasToolCalls)
            {
                if (m.Role != MessageRole.Assistant)
                {
                    errors.Add(new InputError($"{field}.toolCalls", "only assistant turns carry tool calls"));
                }
                else if (JsonArrayProblem(m.ToolCallsJson!) is { } problem)
                {
                    errors.Add(new InputError($"{field}.toolCalls", problem));
                }
            }

            if (m.Weight is not null)
            {
                if (m.Role != MessageRole.Assistant)
                {
                    errors.Add(new InputError($"{field}.weight", "only assistant turns have a training weight"));
                }
                else if (m.Weight is not (0 or 1))
                {
                    errors.Add(new InputError($"{field}.weight", "use 1 to train on the turn or 0 to skip it"));
                }
            }

            if (m.Role == MessageRole.System && i > 0)
            {
                errors.Add(new InputError($"{field}.role", "a system prompt may only be the first message"));
            }

            StorableText.Check(m.Content, $"{field}.content", errors);
            StorableText.Check(m.Name, $"{field}.name", errors);
            StorableText.Check(m.ToolCallId, $"{field}.toolCallId", errors);
        }

        // Tool calls and tools are JSON, whose parse already refuses a raw NUL or a broken character.
        StorableText.Check(input.Label, "label", errors);
        StorableText.Check(input.CorrectedOutput, "correctedOutput", errors);
        StorableText.Check(input.Notes, "notes", errors);
        StorableText.Check(input.PreferredCompletion, "preferredCompletion", errors);
        StorableText.Check(input.RejectedCompletion, "rejectedCompletion", errors);
        foreach (var tag in input.Tags ?? [])
        {
            StorableText.Check(tag, "tags", errors);
        }

        if (ToolTurns.ToolsProblem(input.ToolsJson) is { } toolsProblem)
        {
            errors.Add(new InputError("tools", toolsProblem));
        }

        if (messages.All(m => m is not null))
        {
            var turns = messages.Select(m => m!).ToList();
            for (var i = 0; i < turns.Count; i++)
            {
                if (ToolTurns.ToolCallIdProblem(turns, i) is { } idProblem)
                {
                    errors.Add(new InputError($"messages[{i + 1}].toolCallId", idProblem));
                }
            }
        }

        var label = string.IsNullOrWhiteSpace(input.Label) ? null : input.Label.Trim();
        if (label is not null)
        {
            CheckLabel(label, labels, "label", errors);
        }

        CheckRating(input.Rating, "rating", errors);
        if (!Enum.IsDefined(input.Split))
        {
            errors.Add(new InputError("split", "use Auto, Train, Validation or Test"));
        }

        if ((input.Notes?.Length ?? 0) > MaxNotesLength)
        {
            errors.Add(new InputError("notes", $"notes may have at most {MaxNotesLength} characters"));
        }

        if (input.Submit && MasksEveryAnswer(messages))
        {
            errors.Add(new InputError("messages", NothingLearnedMessage));
        }

        var tags = NormalizeTags(input.Tags, errors);
        if (taskKind == TaskKind.Preference && input.Submit
            && (string.IsNullOrWhiteSpace(input.PreferredCompletion) || string.IsNullOrWhiteSpace(input.RejectedCompletion)))
        {
            errors.Add(new InputError("preferredCompletion", "a preference example needs a chosen and a rejected completion before it is submitted"));
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        return input with { Label = label, Tags = tags, Notes = input.Notes ?? "" };
    }

    public const string NothingLearnedMessage = "every assistant turn has weight 0, so nothing would be learned";

    /// <summary>
    /// True when the example has assistant turns and every one is masked (weight 0): every export target refuses it,
    /// so import refuses it and the editor will not submit it.
    /// </summary>
    public static bool MasksEveryAnswer(IReadOnlyList<MessageContent?> messages)
    {
        var answers = messages.Where(m => m?.Role == MessageRole.Assistant).ToList();
        return answers.Count > 0 && answers.All(m => m!.Weight == 0);
    }

    public static void CheckLabel(string label, IReadOnlyList<string> labels, string field, List<InputError> errors)
    {
        if (labels.Count > 0 && !labels.Contains(label, StringComparer.Ordinal))
        {
            errors.Add(new InputError(field, $"'{label}' is not in the dataset's label set ({ListText.Capped(labels, 20)})"));
        }
        else if (label.Length > 200)
        {
            errors.Add(new InputError(field, "a label may have at most 200 characters"));
        }
    }

    public static void CheckRating(int? rating, string field, List<InputError> errors)
    {
        if (rating is < 1 or > 5)
        {
            errors.Add(new InputError(field, "a rating is a whole number from 1 to 5"));
        }
    }

    /// <summary>Null when the text is a JSON array; otherwise what is wrong with it.</summary>
    public static string? JsonArrayProblem(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Array ? null : "must be a JSON array, e.g. [{...}]";
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return ParseProblem(e);
        }
    }

    /// <summary>Why a text did not parse as JSON: where, or that it holds a lone surrogate (which cannot become UTF-8 to parse).</summary>
    public static string ParseProblem(Exception e) => e is JsonException json
        ? $"is not valid JSON (line {(json.LineNumber ?? 0) + 1}, position {(json.BytePositionInLine ?? 0) + 1})"
        : "holds a broken character (a lone UTF-16 surrogate)";

    public static List<string> NormalizeTags(IReadOnlyList<string>? tags, List<InputError> errors)
    {
        var result = new List<string>();
        foreach (var raw in tags ?? [])
        {
            var tag = raw?.Trim() ?? "";
            if (tag.Length == 0)
            {
                continue;
            }

            if (tag.Length > MaxTagLength)
            {
                errors.Add(new InputError("tags", $"'{tag[..20]}…' is longer than {MaxTagLength} characters"));
            }
            else if (!result.Contains(tag, StringComparer.OrdinalIgnoreCase))
            {
                result.Add(tag);
            }
        }

        if (result.Count > MaxTags)
        {
            errors.Add(new InputError("tags", $"an example may have at most {MaxTags} tags"));
        }

        return result;
    }
}
