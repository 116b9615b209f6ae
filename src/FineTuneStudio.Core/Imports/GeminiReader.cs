using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using static FineTuneStudio.Core.Imports.JsonReading;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Vertex AI's supervised tuning lines for Gemini: <c>contents</c> of <c>user</c> and <c>model</c> turns, each a list
/// of <c>parts</c>, an optional <c>systemInstruction</c> (whose role Vertex ignores) and <c>tools</c> of function
/// declarations. Protocol-buffer JSON takes snake case too, so <c>system_instruction</c> is read as well. Text parts
/// are joined; a <c>functionCall</c> part becomes a tool call (ids <c>call_1</c>, <c>call_2</c>… within the example),
/// a <c>functionResponse</c> part the tool result answering the oldest open call, its response as compact JSON (or
/// the text of a response that is only <c>{"content": text}</c>, which is how a text result is written back).
/// File and inline data parts have no place in an example and are refused by index and kind rather than dropped.
/// </summary>
internal static class GeminiReader
{
    public static readonly string[] RecordKeys = ["contents", "systemInstruction", "system_instruction", "tools"];

    public static bool Fits(JsonElement record) =>
        record.TryGetProperty("contents", out var contents) && contents.ValueKind == JsonValueKind.Array;

    /// <summary>What one turn's parts hold: text, function calls and function results, in that order of reading.</summary>
    private sealed record Parts(string Text, List<JsonElement> Calls, List<string> Results);

    public static ExampleContent? Map(JsonElement record, RecordIssues issues)
    {
        var before = issues.List.Count;
        var messages = new List<MessageContent>();
        if (!TryGetOneOf(record, ["systemInstruction", "system_instruction"], issues, out var systemKey))
        {
            return null;
        }

        if (systemKey is not null && ReadParts(record.GetProperty(systemKey), systemKey, issues, "role") is { } system)
        {
            if (system.Calls.Count > 0 || system.Results.Count > 0)
            {
                issues.Add($"{systemKey}.parts", "a system instruction holds text only");
            }
            else if (!string.IsNullOrWhiteSpace(system.Text))
            {
                messages.Add(new MessageContent(MessageRole.System, system.Text));
            }
        }

        if (!record.TryGetProperty("contents", out var contents) || contents.ValueKind != JsonValueKind.Array)
        {
            issues.Add("contents", contents.ValueKind == JsonValueKind.Undefined ? "is missing" : $"must be a list of turns, found {Describe(contents)}");
            return null;
        }

        var calls = new OpenCalls();
        var index = 0;
        foreach (var turn in contents.EnumerateArray())
        {
            var path = $"contents[{index}]";
            if (turn.ValueKind != JsonValueKind.Object)
            {
                issues.Add(path, $"must be a turn object with role and parts, found {Describe(turn)}");
            }
            else if (Role(turn, index, path, issues) is { } role && ReadParts(turn, path, issues, "role") is { } parts)
            {
                AddTurn(role, parts, path, messages, calls, issues);
            }

            index++;
        }

        if (index == 0)
        {
            issues.Add("contents", "has no turns");
        }

        var tools = ReadTools(record, issues);
        return issues.List.Count > before ? null : new ExampleContent(messages, ToolsJson: tools);
    }

    private static void AddTurn(MessageRole role, Parts parts, string path, List<MessageContent> messages, OpenCalls calls, RecordIssues issues)
    {
        if (role == MessageRole.Assistant)
        {
            if (parts.Results.Count > 0)
            {
                issues.Add($"{path}.parts", "a model turn cannot hold a functionResponse; results come in a user turn");
                return;
            }

            string? toolCalls = null;
            if (parts.Calls.Count > 0)
            {
                toolCalls = FunctionCalls.ToToolCalls(parts.Calls, $"{path}.parts", calls, issues);
                if (toolCalls is null)
                {
                    return;
                }
            }

            var answer = new MessageContent(MessageRole.Assistant, toolCalls is not null && parts.Text.Length == 0 ? null : parts.Text, ToolCallsJson: toolCalls);
            if (MessageReader.CheckAssistant(answer, $"{path}.parts", issues))
            {
                messages.Add(answer);
            }

            return;
        }

        if (parts.Calls.Count > 0)
        {
            issues.Add($"{path}.parts", "only a model turn can hold a functionCall");
            return;
        }

        foreach (var result in parts.Results)
        {
            if (!calls.TryAnswer(out var callId))
            {
                issues.Add($"{path}.parts", "a functionResponse must answer a functionCall of an earlier model turn");
                return;
            }

            messages.Add(new MessageContent(MessageRole.Tool, result, ToolCallId: callId));
        }

        if (parts.Results.Count == 0 || parts.Text.Length > 0)
        {
            messages.Add(new MessageContent(MessageRole.User, parts.Text));
        }
    }

    /// <summary>
    /// <c>user</c> or <c>model</c> (<c>function</c> for a turn of function results, as older Gemini files write it).
    /// Vertex lets a single-turn example leave roles out, so a missing role follows the alternation: the first turn
    /// is the user's, the next the model's.
    /// </summary>
    private static MessageRole? Role(JsonElement turn, int index, string path, RecordIssues issues)
    {
        var role = ReadString(turn, "role", $"{path}.role", issues, required: false);
        switch (role?.Trim().ToLowerInvariant())
        {
            case null or "":
                return index % 2 == 0 ? MessageRole.User : MessageRole.Assistant;
            case "user" or "function":
                return MessageRole.User;
            case "model":
                return MessageRole.Assistant;
            default:
                issues.Add($"{path}.role", $"'{Shorten(role)}' is not a Gemini role; use user or model");
                return null;
        }
    }

    /// <summary>The parts of a turn (or of the system instruction); null with an error for a part that cannot be read.</summary>
    private static Parts? ReadParts(JsonElement owner, string path, RecordIssues issues, params string[] ignored)
    {
        if (owner.ValueKind != JsonValueKind.Object)
        {
            issues.Add(path, $"must be an object with parts, found {Describe(owner)}");
            return null;
        }

        WarnUnknownKeys(owner, path, issues, ["parts", .. ignored]);
        if (!owner.TryGetProperty("parts", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            issues.Add($"{path}.parts", list.ValueKind == JsonValueKind.Undefined ? "is missing" : $"must be a list of parts, found {Describe(list)}");
            return null;
        }

        var parts = new Parts("", [], []);
        var text = new StringBuilder();
        var index = 0;
        foreach (var part in list.EnumerateArray())
        {
            var partPath = $"{path}.parts[{index}]";
            if (part.ValueKind != JsonValueKind.Object)
            {
                issues.Add(partPath, $"must be a part object like {{\"text\": ...}}, found {Describe(part)}");
                return null;
            }

            if (part.TryGetProperty("text", out var value))
            {
                if (value.ValueKind != JsonValueKind.String)
                {
                    issues.Add($"{partPath}.text", $"must be a string, found {Describe(value)}");
                    return null;
                }

                text.Append(value.GetString());
                WarnUnknownKeys(part, partPath, issues, "text");
            }
            else if (part.TryGetProperty("functionCall", out var call))
            {
                parts.Calls.Add(call);
                WarnUnknownKeys(part, partPath, issues, "functionCall");
            }
            else if (part.TryGetProperty("functionResponse", out var response))
            {
                if (Result(response, $"{partPath}.functionResponse", issues) is not { } result)
                {
                    return null;
                }

                parts.Results.Add(result);
                WarnUnknownKeys(part, partPath, issues, "functionResponse");
            }
            else
            {
                var kind = part.EnumerateObject().Select(p => p.Name).FirstOrDefault();
                issues.Add(partPath, $"only text and function parts can be imported; part {index} is {(kind is null ? "empty" : $"'{Shorten(kind)}'")}");
                return null;
            }

            index++;
        }

        return parts with { Text = text.ToString() };
    }

    /// <summary>A functionResponse's <c>response</c> as the tool message's content.</summary>
    private static string? Result(JsonElement response, string path, RecordIssues issues)
    {
        if (response.ValueKind != JsonValueKind.Object || !response.TryGetProperty("response", out var body) || body.ValueKind != JsonValueKind.Object)
        {
            return issues.Fail<string>($"{path}.response", "must be an object (the function's result)");
        }

        return body.EnumerateObject().ToList() is [{ Name: "content", Value.ValueKind: JsonValueKind.String } only]
            ? only.Value.GetString()
            : FunctionCalls.Compact(body);
    }

    /// <summary>Every tool's <c>functionDeclarations</c>, read into OpenAI's tools shape as the other importers keep them.</summary>
    private static string? ReadTools(JsonElement record, RecordIssues issues)
    {
        if (!record.TryGetProperty("tools", out var tools) || tools.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (tools.ValueKind != JsonValueKind.Array)
        {
            return issues.Fail<string>("tools", $"must be a list of tools with functionDeclarations, found {Describe(tools)}");
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            var index = 0;
            foreach (var tool in tools.EnumerateArray())
            {
                if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("functionDeclarations", out var declarations) || declarations.ValueKind != JsonValueKind.Array)
                {
                    return issues.Fail<string>($"tools[{index}]", "only function declarations can be imported: a tool like {\"functionDeclarations\": [...]}");
                }

                foreach (var declaration in declarations.EnumerateArray())
                {
                    declaration.WriteTo(writer);
                }

                index++;
            }

            writer.WriteEndArray();
        }

        using var all = JsonDocument.Parse(buffer.ToArray());
        return ToolDefinitions.ReadDeclarations(all.RootElement, "tools", issues);
    }
}
