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
    /// <summary>The calls as <c>tool_calls</c> JSON, each opened in <paramref name="open"/> for its result; null (with an error) when one is not a call.</summary>
    public static string? ToToolCalls(IReadOnlyList<JsonElement> calls, string path, OpenCalls open, RecordIssues issues)
    {
        if (calls.Count == 0)
        {
            return issues.Fail<string>(path, "a function_call needs at least one call");
        }

        var ids = new List<string>(calls.Count);
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

                var id = open.NextId();
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

        ids.ForEach(open.Opened);
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

        return arguments.ValueKind == JsonValueKind.String ? arguments.GetString()! : Compact(arguments);
    }

    /// <summary>A JSON value as compact text, non-ASCII kept readable: how call arguments and results are stored.</summary>
    public static string Compact(JsonElement value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, ToolDefinitions.Compact))
        {
            value.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>
/// The function calls of one example: ids numbered <c>call_1</c>, <c>call_2</c>… in order, and the calls still waiting
/// for their result. A result that names no call (ShareGPT's observation, OpenAI's legacy function message, Gemini's
/// functionResponse) answers the oldest one.
/// </summary>
internal sealed class OpenCalls
{
    private readonly Queue<string> _waiting = new();
    private int _count;

    public string NextId() => $"call_{++_count}";

    public void Opened(string id) => _waiting.Enqueue(id);

    /// <summary>The id of the oldest call without a result; false when every call has one.</summary>
    public bool TryAnswer(out string id) => _waiting.TryDequeue(out id!);
}
