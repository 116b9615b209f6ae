using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using static FineTuneStudio.Core.Imports.JsonReading;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Reads OpenAI / Hugging Face style message lists (<c>role</c>, <c>content</c>, <c>name</c>, <c>tool_calls</c>,
/// <c>tool_call_id</c>, <c>weight</c>, and Axolotl's boolean <c>train</c>), and OpenAI's older function-calling
/// messages (<c>function_call</c>, role <c>function</c>), read into the tool-call shape.
/// </summary>
internal static class MessageReader
{
    private const int MaxNameLength = 64;
    private const int MaxToolCallIdLength = 128;

    private static readonly string[] MessageKeys = ["role", "content", "name", "tool_calls", "tool_call_id", "weight", "train", "function_call"];

    /// <summary>A string (one turn of <paramref name="role"/>) or a list of messages.</summary>
    public static List<MessageContent>? ReadTurns(JsonElement record, string name, MessageRole role, RecordIssues issues)
    {
        if (!record.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            issues.Add(name, "is missing");
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var turn = new MessageContent(role, value.GetString());
                return CheckAssistant(turn, name, issues) ? [turn] : null;
            case JsonValueKind.Array:
                return ReadMessages(record, name, name, issues, required: true);
            default:
                return issues.Fail<List<MessageContent>>(name, $"must be a string or a list of messages, found {Describe(value)}");
        }
    }

    /// <summary>A completion as a string, one assistant message, or a list whose last turn is the assistant's answer.</summary>
    public static string? ReadCompletion(JsonElement record, string name, RecordIssues issues)
    {
        if (!record.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            issues.Add(name, "is missing");
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString();
            case JsonValueKind.Object:
                return ReadMessage(value, name, issues, allowTools: false)?.Content;
            case JsonValueKind.Array:
                var messages = ReadMessages(record, name, name, issues, required: true);
                if (messages is null)
                {
                    return null;
                }

                if (messages[^1].Role != MessageRole.Assistant || messages[^1].Content is null)
                {
                    issues.Add($"{name}[{messages.Count - 1}]", "the last message must be the assistant's answer, with text content");
                    return null;
                }

                return messages[^1].Content;
            default:
                return issues.Fail<string>(name, $"must be a string or a list of messages, found {Describe(value)}");
        }
    }

    public static List<MessageContent>? ReadMessages(JsonElement owner, string name, string path, RecordIssues issues, bool required)
    {
        if (!owner.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                issues.Add(path, "is missing");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return issues.Fail<List<MessageContent>>(path, $"must be a list of messages, found {Describe(value)}");
        }

        if (value.GetArrayLength() == 0)
        {
            return issues.Fail<List<MessageContent>>(path, "must hold at least one message");
        }

        var before = issues.List.Count;
        var messages = new List<MessageContent>(value.GetArrayLength());
        // OpenAI's older function calls within one list: a function_call opens a call, a function message answers it.
        var legacy = new OpenCalls();
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var message = ReadMessage(item, $"{path}[{index}]", issues, allowTools: true, legacy);
            if (message is not null)
            {
                messages.Add(message);
            }

            index++;
        }

        return issues.List.Count > before ? null : messages;
    }

    private static MessageContent? ReadMessage(JsonElement item, string path, RecordIssues issues, bool allowTools, OpenCalls? legacy = null)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return issues.Fail<MessageContent>(path, $"must be a message object with role and content, found {Describe(item)}");
        }

        var before = issues.List.Count;
        WarnUnknownKeys(item, path, issues, MessageKeys);
        var roleText = ReadString(item, "role", $"{path}.role", issues, required: true);
        MessageRole? role = null;
        // OpenAI's older function result, read as a tool message (in a list of messages only, where calls are numbered).
        var functionRole = false;
        if (roleText is not null)
        {
            role = RoleNames.Parse(roleText);
            functionRole = role is null && legacy is not null && roleText.Trim().Equals("function", StringComparison.OrdinalIgnoreCase);
            if (functionRole)
            {
                role = MessageRole.Tool;
            }
            else if (role is null)
            {
                issues.Add($"{path}.role", $"'{Shorten(roleText)}' is not a role; use system, user, assistant or tool");
            }
        }

        var content = ReadContent(item, $"{path}.content", issues);
        var name = ReadString(item, "name", $"{path}.name", issues, required: false);
        if (name is { Length: > MaxNameLength })
        {
            issues.Add($"{path}.name", $"may have at most {MaxNameLength} characters");
        }

        string? toolCalls = null;
        if (item.TryGetProperty("tool_calls", out var calls) && calls.ValueKind != JsonValueKind.Null)
        {
            if (!allowTools || role is not MessageRole.Assistant)
            {
                issues.Add($"{path}.tool_calls", "only an assistant message may carry tool calls");
            }
            else if (calls.ValueKind != JsonValueKind.Array)
            {
                issues.Add($"{path}.tool_calls", $"must be an array, found {Describe(calls)}");
            }
            else if (calls.GetArrayLength() > 0 && ToolCallsAreCalls(calls, $"{path}.tool_calls", issues))
            {
                toolCalls = calls.GetRawText();
            }
        }

        if (item.TryGetProperty("function_call", out var functionCall) && functionCall.ValueKind != JsonValueKind.Null)
        {
            if (legacy is null || role is not MessageRole.Assistant)
            {
                issues.Add($"{path}.function_call", "only an assistant message may carry a function call");
            }
            else if (toolCalls is not null)
            {
                issues.Add($"{path}.function_call", "and tool_calls are both given; keep tool_calls (function_call is its older form)");
            }
            else if (functionCall.ValueKind != JsonValueKind.Object)
            {
                issues.Add($"{path}.function_call", $"must be an object {{\"name\": ..., \"arguments\": ...}}, found {Describe(functionCall)}");
            }
            else
            {
                toolCalls = FunctionCalls.ToToolCalls([functionCall], $"{path}.function_call", legacy, issues);
            }
        }

        var toolCallId = ReadString(item, "tool_call_id", $"{path}.tool_call_id", issues, required: false);
        var functionResult = functionRole && toolCallId is null;
        if (functionResult && !legacy!.TryAnswer(out toolCallId))
        {
            // A legacy function result names the function, not a call: it answers the oldest open function_call.
            issues.Add($"{path}.role", "a function message answers an assistant's function_call before it, and there is none");
        }
        if (toolCallId is { Length: > MaxToolCallIdLength })
        {
            issues.Add($"{path}.tool_call_id", $"may have at most {MaxToolCallIdLength} characters");
        }

        if (role == MessageRole.Tool && string.IsNullOrEmpty(toolCallId) && !functionResult)
        {
            issues.Add($"{path}.tool_call_id", "is missing; a tool message must name the call it answers");
        }

        var weight = ReadWeight(item, path, role, issues);
        if (content is null && toolCalls is null && issues.List.Count == before && role is not MessageRole.Assistant)
        {
            issues.Add($"{path}.content", "is missing");
        }

        if (issues.List.Count > before || role is null)
        {
            return null;
        }

        var message = new MessageContent(role.Value, content, string.IsNullOrEmpty(name) ? null : name, toolCalls, toolCallId, weight);
        return CheckAssistant(message, $"{path}.content", issues) ? message : null;
    }

    /// <summary>
    /// OpenAI's 0/1 <c>weight</c>, or Axolotl's boolean <c>train</c> (what our axolotl-chat export writes). Both
    /// apply to assistant turns only; <c>train: false</c> on other turns is how Axolotl files say "not trained"
    /// and is accepted, <c>train: true</c> there cannot be honoured and is an error.
    /// </summary>
    private static int? ReadWeight(JsonElement item, string path, MessageRole? role, RecordIssues issues)
    {
        int? weight = null;
        if (item.TryGetProperty("weight", out var w) && w.ValueKind != JsonValueKind.Null)
        {
            if (!TryReadZeroOrOne(w, out var value))
            {
                issues.Add($"{path}.weight", $"must be 0 or 1, found {(w.ValueKind == JsonValueKind.Number ? Shorten(w.GetRawText()) : Describe(w))}");
            }
            else if (role is not MessageRole.Assistant)
            {
                issues.Add($"{path}.weight", "only an assistant message may carry a weight");
            }
            else
            {
                weight = value;
            }
        }

        if (item.TryGetProperty("train", out var train) && train.ValueKind != JsonValueKind.Null)
        {
            if (train.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                issues.Add($"{path}.train", $"must be true or false, found {Describe(train)}");
            }
            else if (role is not MessageRole.Assistant)
            {
                if (train.ValueKind == JsonValueKind.True)
                {
                    issues.Add($"{path}.train", "only an assistant turn can be trained on; use false or leave it out");
                }
            }
            else
            {
                var trained = train.ValueKind == JsonValueKind.True ? 1 : 0;
                if (weight is not null && weight != trained)
                {
                    issues.Add($"{path}.train", $"says {(trained == 1 ? "true" : "false")} but weight is {weight}; give one of them");
                }

                weight = trained;
            }
        }

        return weight;
    }

    /// <summary>Kept as written, but each entry must at least be a call of a named function, or every export would fail later.</summary>
    private static bool ToolCallsAreCalls(JsonElement calls, string path, RecordIssues issues)
    {
        var index = 0;
        foreach (var call in calls.EnumerateArray())
        {
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out var function)
                || function.ValueKind != JsonValueKind.Object || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                issues.Add($"{path}[{index}]", "must be a call like {\"id\": ..., \"type\": \"function\", \"function\": {\"name\": ..., \"arguments\": ...}}");
                return false;
            }

            index++;
        }

        return true;
    }

    /// <summary>Every export target refuses an assistant turn with nothing in it, so import refuses it first.</summary>
    public static bool CheckAssistant(MessageContent message, string field, RecordIssues issues)
    {
        if (message.Role == MessageRole.Assistant && string.IsNullOrWhiteSpace(message.Content) && message.ToolCallsJson is null)
        {
            issues.Add(field, "an assistant turn needs text or tool calls");
            return false;
        }

        return true;
    }

    /// <summary><see cref="ReadContent(JsonElement, string, RecordIssues)"/> for readers that report one problem per field (no line set).</summary>
    public static string? ReadContent(JsonElement item, string path, out InputError? problem)
    {
        var issues = new RecordIssues(0);
        var content = ReadContent(item, path, issues);
        problem = issues.List.Count > 0 ? issues.List[0] with { Line = null } : null;
        return content;
    }

    /// <summary>
    /// Text content: a string, or a list of text parts joined. Both part spellings are read:
    /// <c>{"type": "text", "text": ...}</c> (OpenAI) and <c>{"type": "text", "value": ...}</c>. Images, audio and
    /// other parts have no place in an example and are refused by index and type.
    /// </summary>
    public static string? ReadContent(JsonElement item, string path, RecordIssues issues) =>
        item.TryGetProperty("content", out var content) ? ReadText(content, path, issues) : null;

    /// <summary>
    /// A string, or a list of text parts joined: <c>{"type": "text", "text": ...}</c> (OpenAI), <c>{"type": "text",
    /// "value": ...}</c>, or a part with only <c>text</c> (Amazon Bedrock's Converse shape). Null for JSON null.
    /// </summary>
    public static string? ReadText(JsonElement content, string path, RecordIssues issues)
    {
        if (content.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return issues.Fail<string>(path, $"must be a string, found {Describe(content)}");
        }

        var parts = new List<string>();
        var index = 0;
        foreach (var part in content.EnumerateArray())
        {
            var partPath = $"{path}[{index}]";
            if (part.ValueKind != JsonValueKind.Object)
            {
                return issues.Fail<string>(partPath, $"must be a part object like {{\"type\": \"text\", \"text\": ...}}, found {Describe(part)}");
            }

            var type = part.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()
                : part.TryGetProperty("text", out _) && !part.TryGetProperty("type", out _) ? "text"
                : null;
            if (type != "text")
            {
                var what = type is null ? "has no type" : $"is '{Shorten(type)}'";
                return issues.Fail<string>(partPath, $"only text parts can be imported; part {index} {what}");
            }

            var hasText = part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String;
            var hasValue = part.TryGetProperty("value", out var value) && value.ValueKind == JsonValueKind.String;
            if (!hasText && !hasValue)
            {
                return issues.Fail<string>(partPath, "a text part needs its text as a string in \"text\" (or \"value\")");
            }

            WarnUnknownKeys(part, partPath, issues, "type", "text", "value");
            parts.Add(hasText ? text.GetString()! : value.GetString()!);
            index++;
        }

        return string.Concat(parts);
    }
}
