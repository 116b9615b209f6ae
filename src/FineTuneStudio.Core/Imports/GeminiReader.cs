using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using static FineTuneStudio.Core.Imports.JsonReading;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Vertex AI's supervised tuning lines for Gemini: <c>contents</c> of <c>user</c> and <c>model</c> turns, each a list
/// of <c>parts</c>, and an optional <c>systemInstruction</c> (whose role Vertex ignores). Protocol-buffer JSON takes
/// snake case too, so <c>system_instruction</c> is read as well. Only text parts have a place in an example; file,
/// inline data and function parts are refused by index and kind rather than dropped.
/// </summary>
internal static class GeminiReader
{
    public static readonly string[] RecordKeys = ["contents", "systemInstruction", "system_instruction"];

    public static bool Fits(JsonElement record) =>
        record.TryGetProperty("contents", out var contents) && contents.ValueKind == JsonValueKind.Array;

    public static ExampleContent? Map(JsonElement record, RecordIssues issues)
    {
        var before = issues.List.Count;
        var messages = new List<MessageContent>();
        if (!TryGetOneOf(record, ["systemInstruction", "system_instruction"], issues, out var systemKey))
        {
            return null;
        }

        if (systemKey is not null && Parts(record.GetProperty(systemKey), systemKey, issues, "role") is { } system && !string.IsNullOrWhiteSpace(system))
        {
            messages.Add(new MessageContent(MessageRole.System, system));
        }

        if (!record.TryGetProperty("contents", out var contents) || contents.ValueKind != JsonValueKind.Array)
        {
            issues.Add("contents", contents.ValueKind == JsonValueKind.Undefined ? "is missing" : $"must be a list of turns, found {Describe(contents)}");
            return null;
        }

        var index = 0;
        foreach (var turn in contents.EnumerateArray())
        {
            var path = $"contents[{index}]";
            if (turn.ValueKind != JsonValueKind.Object)
            {
                issues.Add(path, $"must be a turn object with role and parts, found {Describe(turn)}");
            }
            else if (Role(turn, index, path, issues) is { } role && Parts(turn, path, issues, "role") is { } text)
            {
                var message = new MessageContent(role, text);
                if (MessageReader.CheckAssistant(message, $"{path}.parts", issues))
                {
                    messages.Add(message);
                }
            }

            index++;
        }

        if (index == 0)
        {
            issues.Add("contents", "has no turns");
        }

        return issues.List.Count > before ? null : new ExampleContent(messages);
    }

    /// <summary>
    /// <c>user</c> or <c>model</c>. Vertex lets a single-turn example leave roles out, so a missing role follows the
    /// alternation: the first turn is the user's, the next the model's.
    /// </summary>
    private static MessageRole? Role(JsonElement turn, int index, string path, RecordIssues issues)
    {
        var role = ReadString(turn, "role", $"{path}.role", issues, required: false);
        switch (role?.Trim().ToLowerInvariant())
        {
            case null or "":
                return index % 2 == 0 ? MessageRole.User : MessageRole.Assistant;
            case "user":
                return MessageRole.User;
            case "model":
                return MessageRole.Assistant;
            default:
                issues.Add($"{path}.role", $"'{Shorten(role)}' is not a Gemini role; use user or model");
                return null;
        }
    }

    /// <summary>The text parts of a turn (or of the system instruction) joined; null with an error for any other part.</summary>
    private static string? Parts(JsonElement owner, string path, RecordIssues issues, params string[] ignored)
    {
        if (owner.ValueKind != JsonValueKind.Object)
        {
            return issues.Fail<string>(path, $"must be an object with parts, found {Describe(owner)}");
        }

        WarnUnknownKeys(owner, path, issues, ["parts", .. ignored]);
        if (!owner.TryGetProperty("parts", out var parts) || parts.ValueKind != JsonValueKind.Array)
        {
            return issues.Fail<string>($"{path}.parts", parts.ValueKind == JsonValueKind.Undefined ? "is missing" : $"must be a list of parts, found {Describe(parts)}");
        }

        var texts = new List<string>();
        var index = 0;
        foreach (var part in parts.EnumerateArray())
        {
            var partPath = $"{path}.parts[{index}]";
            if (part.ValueKind != JsonValueKind.Object)
            {
                return issues.Fail<string>(partPath, $"must be a part object like {{\"text\": ...}}, found {Describe(part)}");
            }

            if (!part.TryGetProperty("text", out var text))
            {
                var kind = part.EnumerateObject().Select(p => p.Name).FirstOrDefault();
                return issues.Fail<string>(partPath, $"only text parts can be imported; part {index} is {(kind is null ? "empty" : $"'{Shorten(kind)}'")}");
            }

            if (text.ValueKind != JsonValueKind.String)
            {
                return issues.Fail<string>($"{partPath}.text", $"must be a string, found {Describe(text)}");
            }

            WarnUnknownKeys(part, partPath, issues, "text");
            texts.Add(text.GetString()!);
            index++;
        }

        return string.Concat(texts);
    }
}
