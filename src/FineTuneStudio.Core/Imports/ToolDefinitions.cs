using System.Text.Encodings.Web;
using System.Text.Json;
using static FineTuneStudio.Core.Imports.JsonReading;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Reads a record's <c>tools</c> into OpenAI's tools shape (<c>[{"type": "function", "function": {...}}]</c>), the
/// form <see cref="Examples.ExampleContent.ToolsJson"/> holds and exports hand back. Accepts an array, or the
/// array written as a JSON string (LLaMA-Factory's ShareGPT files do this). Bare function objects
/// (<c>{name, description, parameters}</c>) are wrapped, a wrapped one without <c>type</c> gets <c>"type": "function"</c>;
/// definitions already in OpenAI shape are kept as written. OpenAI's older <c>functions</c> list (bare definitions,
/// from the function-calling fine-tuning format) is read the same way when a record has no <c>tools</c>.
/// </summary>
internal static class ToolDefinitions
{
    public static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string? Read(JsonElement record, RecordIssues issues)
    {
        var hasTools = record.TryGetProperty("tools", out var tools) && tools.ValueKind != JsonValueKind.Null;
        var hasFunctions = record.TryGetProperty("functions", out var functions) && functions.ValueKind != JsonValueKind.Null;
        if (hasTools && hasFunctions)
        {
            return issues.Fail<string>("functions", "and tools are both given; keep tools (functions is its older form)");
        }

        return hasTools ? Read(tools, "tools", issues) : hasFunctions ? Read(functions, "functions", issues) : null;
    }

    /// <summary>A list of bare function declarations (Gemini's functionDeclarations) in OpenAI's tools shape.</summary>
    public static string? ReadDeclarations(JsonElement declarations, string key, RecordIssues issues) => FromArray(declarations, key, issues);

    private static string? Read(JsonElement tools, string key, RecordIssues issues)
    {
        if (tools.ValueKind == JsonValueKind.String)
        {
            var text = tools.GetString()!;
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            try
            {
                using var parsed = JsonDocument.Parse(text);
                var issuesBefore = issues.List.Count;
                JsonReading.CheckValues(parsed.RootElement, key, issues);
                return issues.List.Count > issuesBefore ? null : FromArray(parsed.RootElement, key, issues);
            }
            catch (JsonException)
            {
                return issues.Fail<string>(key, "is a string but not a JSON array of tool definitions");
            }
        }

        return FromArray(tools, key, issues);
    }

    private static string? FromArray(JsonElement tools, string key, RecordIssues issues)
    {
        if (tools.ValueKind != JsonValueKind.Array)
        {
            return issues.Fail<string>(key, $"must be an array of tool definitions, found {Describe(tools)}");
        }

        if (tools.GetArrayLength() == 0)
        {
            return null;
        }

        var index = 0;
        var allOpenAi = true;
        foreach (var tool in tools.EnumerateArray())
        {
            if (tool.ValueKind != JsonValueKind.Object)
            {
                return issues.Fail<string>($"{key}[{index}]", $"must be a tool definition object, found {Describe(tool)}");
            }

            var wrapped = tool.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object;
            var body = wrapped ? function : tool;
            if (!body.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0)
            {
                return issues.Fail<string>(wrapped ? $"{key}[{index}].function.name" : $"{key}[{index}].name", "is missing; a tool needs a name");
            }

            allOpenAi &= wrapped && tool.TryGetProperty("type", out _);
            index++;
        }

        if (allOpenAi)
        {
            return tools.GetRawText();
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Compact))
        {
            writer.WriteStartArray();
            foreach (var tool in tools.EnumerateArray())
            {
                if (tool.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
                {
                    if (tool.TryGetProperty("type", out _))
                    {
                        tool.WriteTo(writer);
                        continue;
                    }

                    // A wrapped definition without "type": exports and the editor need it, so it is added in front.
                    writer.WriteStartObject();
                    writer.WriteString("type", "function");
                    foreach (var property in tool.EnumerateObject())
                    {
                        property.WriteTo(writer);
                    }

                    writer.WriteEndObject();
                    continue;
                }

                writer.WriteStartObject();
                writer.WriteString("type", "function");
                writer.WritePropertyName("function");
                tool.WriteTo(writer);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
