using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using static FineTuneStudio.Core.Imports.JsonReading;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// ShareGPT as LLaMA-Factory and FastChat write it: <c>conversations</c>, a list of <c>{"from", "value"}</c> turns.
/// <list type="bullet">
/// <item><c>human</c>/<c>user</c> become user turns; <c>gpt</c>/<c>assistant</c>/<c>chatgpt</c>/<c>bing</c> assistant
/// turns; <c>system</c> a system turn.</item>
/// <item><c>function_call</c> becomes an assistant turn without text whose tool call is the value (a JSON string
/// <c>{"name", "arguments"}</c>, or a list of them), in OpenAI's <c>tool_calls</c> shape with the arguments as a
/// JSON string and ids <c>call_1</c>, <c>call_2</c>... numbered within the example, so the same file always gives
/// the same ids.</item>
/// <item><c>observation</c> becomes a tool message answering the oldest unanswered call (its <c>tool_call_id</c>).</item>
/// <item>A top-level <c>system</c> string becomes the first turn; <c>tools</c> (an array or a JSON string) is
/// read by <see cref="ToolDefinitions"/>.</item>
/// </list>
/// </summary>
internal static class ShareGptReader
{
    public static readonly string[] RecordKeys = ["conversations", "system", "tools"];

    public static ExampleContent? Map(JsonElement record, RecordIssues issues)
    {
        var messages = ReadConversation(record, issues);
        var tools = ToolDefinitions.Read(record, issues);
        return messages is null ? null : new ExampleContent(messages, ToolsJson: tools);
    }

    /// <summary>ShareGPT preference (LLaMA-Factory's ranking data): the conversation is the prompt, <c>chosen</c> and <c>rejected</c> the two answers.</summary>
    public static ExampleContent? MapPreference(JsonElement record, RecordIssues issues)
    {
        var prompt = ReadConversation(record, issues);
        var chosen = ReadAnswer(record, "chosen", issues);
        var rejected = ReadAnswer(record, "rejected", issues);
        return prompt is null || chosen is null || rejected is null
            ? null
            : new ExampleContent(prompt, PreferredCompletion: chosen, RejectedCompletion: rejected);
    }

    public static List<MessageContent>? ReadConversation(JsonElement record, RecordIssues issues)
    {
        if (!record.TryGetProperty("conversations", out var turns) || turns.ValueKind == JsonValueKind.Null)
        {
            return issues.Fail<List<MessageContent>>("conversations", "is missing");
        }

        if (turns.ValueKind != JsonValueKind.Array || turns.GetArrayLength() == 0)
        {
            return issues.Fail<List<MessageContent>>("conversations", turns.ValueKind == JsonValueKind.Array
                ? "must hold at least one turn"
                : $"must be a list of {{\"from\", \"value\"}} turns, found {Describe(turns)}");
        }

        var before = issues.List.Count;
        var messages = new List<MessageContent>();
        var system = ReadString(record, "system", "system", issues, required: false);
        if (!string.IsNullOrWhiteSpace(system))
        {
            messages.Add(new MessageContent(MessageRole.System, system));
        }

        var calls = new OpenCalls();
        var index = 0;
        foreach (var turn in turns.EnumerateArray())
        {
            var path = $"conversations[{index++}]";
            if (turn.ValueKind != JsonValueKind.Object)
            {
                issues.Add(path, $"must be a turn object with from and value, found {Describe(turn)}");
                continue;
            }

            WarnUnknownKeys(turn, path, issues, "from", "value", "weight");
            var from = ReadString(turn, "from", $"{path}.from", issues, required: true);
            var value = ReadString(turn, "value", $"{path}.value", issues, required: true);
            if (from is null || value is null)
            {
                continue;
            }

            switch (from.Trim().ToLowerInvariant())
            {
                case "human" or "user":
                    messages.Add(new MessageContent(MessageRole.User, value));
                    break;
                case "gpt" or "assistant" or "chatgpt" or "bing":
                    var answer = new MessageContent(MessageRole.Assistant, value, Weight: ReadWeight(turn, path, issues));
                    if (MessageReader.CheckAssistant(answer, $"{path}.value", issues))
                    {
                        messages.Add(answer);
                    }

                    break;
                case "system":
                    messages.Add(new MessageContent(MessageRole.System, value));
                    break;
                case "function_call":
                    var toolCalls = ToolCall(value, $"{path}.value", calls, issues);
                    if (toolCalls is not null)
                    {
                        messages.Add(new MessageContent(MessageRole.Assistant, null, ToolCallsJson: toolCalls, Weight: ReadWeight(turn, path, issues)));
                    }

                    break;
                case "observation" or "tool":
                    if (!calls.TryAnswer(out var callId))
                    {
                        issues.Add($"{path}.from", "an observation must answer a function_call turn before it");
                        break;
                    }

                    messages.Add(new MessageContent(MessageRole.Tool, value, ToolCallId: callId));
                    break;
                default:
                    issues.Add($"{path}.from", $"'{Shorten(from)}' is not a ShareGPT role; use human, gpt, system, function_call or observation");
                    break;
            }
        }

        return issues.List.Count > before ? null : messages;
    }

    private static int? ReadWeight(JsonElement turn, string path, RecordIssues issues)
    {
        if (!turn.TryGetProperty("weight", out var w) || w.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (TryReadZeroOrOne(w, out var value))
        {
            return value;
        }

        issues.Add($"{path}.weight", $"must be 0 or 1, found {(w.ValueKind == JsonValueKind.Number ? Shorten(w.GetRawText()) : Describe(w))}");
        return null;
    }

    /// <summary>A chosen/rejected answer: a <c>{"from": "gpt", "value"}</c> turn or a plain string.</summary>
    private static string? ReadAnswer(JsonElement record, string name, RecordIssues issues)
    {
        if (!record.TryGetProperty(name, out var answer) || answer.ValueKind == JsonValueKind.Null)
        {
            return issues.Fail<string>(name, "is missing");
        }

        if (answer.ValueKind == JsonValueKind.String)
        {
            return string.IsNullOrWhiteSpace(answer.GetString()) ? issues.Fail<string>(name, "an assistant turn needs text or tool calls") : answer.GetString();
        }

        if (answer.ValueKind != JsonValueKind.Object)
        {
            return issues.Fail<string>(name, $"must be a {{\"from\": \"gpt\", \"value\": ...}} turn or a string, found {Describe(answer)}");
        }

        WarnUnknownKeys(answer, name, issues, "from", "value");
        var from = ReadString(answer, "from", $"{name}.from", issues, required: false);
        if (from is not null && from.Trim().ToLowerInvariant() is not ("gpt" or "assistant" or "chatgpt" or "bing"))
        {
            return issues.Fail<string>($"{name}.from", $"must be the assistant's answer (gpt), found '{Shorten(from)}'");
        }

        var value = ReadString(answer, "value", $"{name}.value", issues, required: true);
        return value is not null && string.IsNullOrWhiteSpace(value) ? issues.Fail<string>($"{name}.value", "an assistant turn needs text or tool calls") : value;
    }

    /// <summary>Turns a function_call value into OpenAI <c>tool_calls</c> JSON; null (with an error) when it is not a call.</summary>
    private static string? ToolCall(string value, string path, OpenCalls calls, RecordIssues issues)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(value);
        }
        catch (JsonException)
        {
            return issues.Fail<string>(path, "a function_call value must be a JSON string {\"name\": ..., \"arguments\": {...}}");
        }

        using (document)
        {
            var before = issues.List.Count;
            JsonReading.CheckValues(document.RootElement, path, issues);
            if (issues.List.Count > before)
            {
                return null;
            }

            var root = document.RootElement;
            return FunctionCalls.ToToolCalls(root.ValueKind == JsonValueKind.Array ? [.. root.EnumerateArray()] : [root], path, calls, issues);
        }
    }
}
