using System.Text.Json;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Examples;

/// <summary>One tool call an assistant turn made: the id a tool turn answers it by, and the function's name.</summary>
public sealed record ToolCallRef(string Id, string Name);

/// <summary>
/// The editor's rules for tool use, in OpenAI's chat shape: a tool turn answers one call of the assistant turn
/// before it by <c>tool_call_id</c>, and an example's tools are <c>[{"type": "function", "function": {"name",
/// "description", "parameters"}}]</c> with parameters a JSON Schema object. Pure: the page and the validator use it.
/// </summary>
public static class ToolTurns
{
    /// <summary>The calls a tool turn at <paramref name="index"/> can answer: those of the nearest assistant turn before it that made any.</summary>
    public static IReadOnlyList<ToolCallRef> CallsBefore(IReadOnlyList<MessageContent> messages, int index)
    {
        for (var i = Math.Min(index, messages.Count) - 1; i >= 0; i--)
        {
            var message = messages[i];
            if (message.Role == MessageRole.Assistant && !string.IsNullOrWhiteSpace(message.ToolCallsJson))
            {
                return Calls(message.ToolCallsJson);
            }

            if (message.Role is MessageRole.User or MessageRole.System)
            {
                break;
            }
        }

        return [];
    }

    /// <summary>The calls of an assistant turn's tool_calls array; entries without an id are left out, broken JSON gives none.</summary>
    public static IReadOnlyList<ToolCallRef> Calls(string? toolCallsJson)
    {
        if (string.IsNullOrWhiteSpace(toolCallsJson))
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(toolCallsJson);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            var calls = new List<ToolCallRef>();
            foreach (var call in document.RootElement.EnumerateArray())
            {
                if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
                    && id.GetString() is { Length: > 0 } text)
                {
                    var name = call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object
                        && function.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() ?? "" : "";
                    calls.Add(new ToolCallRef(text, name));
                }
            }

            return calls;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return [];
        }
    }

    /// <summary>What is wrong with a tool turn's tool_call_id given the turns before it, or null when it answers one of their calls.</summary>
    public static string? ToolCallIdProblem(IReadOnlyList<MessageContent> messages, int index)
    {
        var message = messages[index];
        if (message.Role != MessageRole.Tool)
        {
            return string.IsNullOrWhiteSpace(message.ToolCallId) ? null : "only tool turns answer a tool call";
        }

        var calls = CallsBefore(messages, index);
        if (string.IsNullOrWhiteSpace(message.ToolCallId))
        {
            return calls.Count == 0
                ? null
                : $"choose the call this result answers ({string.Join(", ", calls.Select(c => c.Id))})";
        }

        return calls.Count == 0 || calls.Any(c => c.Id == message.ToolCallId)
            ? null
            : $"'{message.ToolCallId}' is not a call of the assistant turn before; choose one of {string.Join(", ", calls.Select(c => c.Id))}";
    }

    /// <summary>What is wrong with an example's tools, naming the entry and field, or null when they are in OpenAI's shape.</summary>
    public static string? ToolsProblem(string? toolsJson)
    {
        if (string.IsNullOrWhiteSpace(toolsJson))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(toolsJson);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Array)
            {
                return "must be a JSON array of tools, e.g. [{\"type\": \"function\", \"function\": {\"name\": \"lookup\", \"parameters\": {\"type\": \"object\"}}}]";
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            var i = 0;
            foreach (var tool in root.EnumerateArray())
            {
                i++;
                var at = $"tool {i}";
                if (tool.ValueKind != JsonValueKind.Object)
                {
                    return $"{at} must be an object";
                }

                if (!tool.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "function")
                {
                    return $"{at}: \"type\" must be \"function\"";
                }

                if (!tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                {
                    return $"{at}: \"function\" must be an object with a name";
                }

                if (!function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } text)
                {
                    return $"{at}: \"function.name\" must be a non-empty string";
                }

                if (!names.Add(text))
                {
                    return $"{at}: the name '{text}' is used by an earlier tool";
                }

                if (function.TryGetProperty("description", out var description) && description.ValueKind != JsonValueKind.String)
                {
                    return $"{at}: \"function.description\" must be a string";
                }

                if (function.TryGetProperty("parameters", out var parameters)
                    && (parameters.ValueKind != JsonValueKind.Object
                        || (parameters.TryGetProperty("type", out var schemaType) && (schemaType.ValueKind != JsonValueKind.String || schemaType.GetString() != "object"))))
                {
                    return $"{at}: \"function.parameters\" must be a JSON Schema object ({{\"type\": \"object\", \"properties\": {{...}}}})";
                }
            }

            return null;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            return ExampleValidator.ParseProblem(e);
        }
    }
}
