using System.Text;
using System.Text.Json;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Function calls written the older way (ShareGPT's <c>function_call</c> turns, OpenAI's legacy
/// <c>function_call</c> on an assistant message, Gemini's <c>functionCall</c> parts), turned into OpenAI <c>tool_calls</c> JSON with ids
/// <c>call_1</c>, <c>call_2</c>... numbered within the example, so the same file always gives the same ids.
/// </summary>
internal static class FunctionCalls
{
    /// <summary>The calls as <c>tool_calls</c> JSON, their ids added to <paramref name="ids"/>; null (with an error) when one is not a call.</summary>
    public static string? ToToolCalls(IReadOnlyList<JsonElement> calls, string path, Func<string> nextId, List<string> ids, RecordIssues issues)
    {
        if (calls.Count == 0)
        {
            return issues.Fail<string>(path, "a function_call needs at least one call");
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, ToolDefinitions.Compact))
        {
            writer.WriteStartArray();
            foreach (var call in calls)
            {
                if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("name", out var name)
                    || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0)
                {
                    return issues.Fail<string>(path, "a function_call needs a \"name\" string");
                }

                var id = nextId();
                ids.Add(id);
                writer.WriteStartObject();
                writer.WriteString("id", id);
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", name.GetString());
                writer.WriteString("arguments", Arguments(call));
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>
    /// OpenAI carries arguments as a JSON string; a string given already is kept, an object (Gemini names it
    /// <c>args</c>) is written compactly.
    /// </summary>
    private static string Arguments(JsonElement call)
    {
        if ((!call.TryGetProperty("arguments", out var arguments) && !call.TryGetProperty("args", out arguments)) || arguments.ValueKind == JsonValueKind.Null)
        {
            return "{}";
        }

        if (arguments.ValueKind == JsonValueKind.String)
        {
            return arguments.GetString()!;
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, ToolDefinitions.Compact))
        {
            arguments.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
