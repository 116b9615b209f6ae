using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// One example as Vertex AI's Gemini tuning line: the system prompt as <c>systemInstruction</c>, every other turn
/// in <c>contents</c> (<c>user</c>, or <c>model</c> for the assistant) as text parts. A tool call becomes a
/// <c>functionCall</c> part with its arguments as an object, a tool result a <c>functionResponse</c> part in a user
/// turn, named after the call it answers; a result that is not a JSON object is wrapped as <c>{"content": text}</c>,
/// since Gemini takes an object. Tool definitions go into <c>tools[0].functionDeclarations</c> (name, description and parameters).
/// </summary>
internal static class GeminiLineWriter
{
    public static void Write(Utf8JsonWriter writer, ExampleContent example, int line)
    {
        var messages = example.Messages;
        var start = 0;
        if (messages is [{ Role: MessageRole.System } system, ..])
        {
            writer.WriteStartObject("systemInstruction");
            WriteTextParts(writer, system.Content);
            writer.WriteEndObject();
            start = 1;
        }

        // Gemini's calls carry no id: a result is matched to its call by the function's name.
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        writer.WriteStartArray("contents");
        for (var i = start; i < messages.Count; i++)
        {
            var message = messages[i];
            writer.WriteStartObject();
            switch (message.Role)
            {
                case MessageRole.User:
                    writer.WriteString("role", "user");
                    WriteTextParts(writer, message.Content);
                    break;
                case MessageRole.Assistant:
                    writer.WriteString("role", "model");
                    writer.WriteStartArray("parts");
                    if (!string.IsNullOrEmpty(message.Content) || message.ToolCallsJson is null)
                    {
                        WriteText(writer, message.Content);
                    }

                    if (message.ToolCallsJson is not null)
                    {
                        WriteCalls(writer, message.ToolCallsJson, callNames, line);
                    }

                    writer.WriteEndArray();
                    break;
                case MessageRole.Tool:
                    writer.WriteString("role", "user");
                    writer.WriteStartArray("parts");
                    writer.WriteStartObject();
                    writer.WriteStartObject("functionResponse");
                    writer.WriteString("name", message.ToolCallId is { } id && callNames.TryGetValue(id, out var name) ? name : "");
                    writer.WritePropertyName("response");
                    WriteResponse(writer, message.Content);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    writer.WriteEndArray();
                    break;
                default:
                    throw new StudioValidationException([new InputError($"messages[{i}].role", "a system prompt may only be the first message", line)]);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        WriteTools(writer, example.ToolsJson, line);
    }

    private static void WriteTextParts(Utf8JsonWriter writer, string? text)
    {
        writer.WriteStartArray("parts");
        WriteText(writer, text);
        writer.WriteEndArray();
    }

    private static void WriteText(Utf8JsonWriter writer, string? text)
    {
        writer.WriteStartObject();
        writer.WriteString("text", text ?? "");
        writer.WriteEndObject();
    }

    /// <summary>Each stored call (OpenAI's shape: arguments as a JSON string) as a functionCall part with args as an object.</summary>
    private static void WriteCalls(Utf8JsonWriter writer, string toolCallsJson, Dictionary<string, string> callNames, int line)
    {
        using var calls = Parse(toolCallsJson, "tool_calls", "The stored tool calls are not valid JSON.", line);
        foreach (var call in calls.RootElement.EnumerateArray())
        {
            var function = call.GetProperty("function");
            var name = function.GetProperty("name").GetString()!;
            if (call.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
            {
                callNames[id.GetString()!] = name;
            }

            writer.WriteStartObject();
            writer.WriteStartObject("functionCall");
            writer.WriteString("name", name);
            writer.WritePropertyName("args");
            var arguments = function.TryGetProperty("arguments", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            if (string.IsNullOrWhiteSpace(arguments))
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
            else
            {
                using var args = Parse(arguments, "tool_calls", $"The arguments of the call to {name} are not JSON.", line);
                if (args.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw new StudioValidationException([new InputError("tool_calls", $"The arguments of the call to {name} are not a JSON object, which Gemini's functionCall needs.", line)]);
                }

                args.RootElement.WriteTo(writer);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }
    }

    private static void WriteResponse(Utf8JsonWriter writer, string? content)
    {
        if (!string.IsNullOrWhiteSpace(content))
        {
            try
            {
                using var document = JsonDocument.Parse(content);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    document.RootElement.WriteTo(writer);
                    return;
                }
            }
            catch (JsonException)
            {
                // Plain text: wrapped below.
            }
        }

        writer.WriteStartObject();
        writer.WriteString("content", content ?? "");
        writer.WriteEndObject();
    }

    /// <summary>OpenAI's tool list (<c>[{"type": "function", "function": {...}}]</c>) as one Gemini tool of function declarations.</summary>
    private static void WriteTools(Utf8JsonWriter writer, string? toolsJson, int line)
    {
        if (string.IsNullOrWhiteSpace(toolsJson))
        {
            return;
        }

        using var tools = Parse(toolsJson, "tools", "The stored tool definitions are not valid JSON.", line);
        writer.WriteStartArray("tools");
        writer.WriteStartObject();
        writer.WriteStartArray("functionDeclarations");
        foreach (var tool in tools.RootElement.EnumerateArray())
        {
            // Only the fields a FunctionDeclaration has: OpenAI's "strict" would make Vertex refuse the line.
            var function = tool.TryGetProperty("function", out var inner) ? inner : tool;
            writer.WriteStartObject();
            foreach (var property in function.EnumerateObject().Where(p => p.Name is "name" or "description" or "parameters"))
            {
                property.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    private static JsonDocument Parse(string json, string field, string message, int line)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            throw new StudioValidationException([new InputError(field, message, line)]);
        }
    }
}
