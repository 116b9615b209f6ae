using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// An eval set through Vertex AI's batch prediction for Gemini. Each input line is <c>{"request": …}</c>, a
/// generateContent body, and carries no id: the output line echoes the request beside its <c>response</c> (or a
/// <c>status</c> naming the error), so the item is found by what the request asks, its user and model turns. The
/// Gemini API's batch mode takes the same body under a <c>key</c>, and its results name the key.
/// </summary>
internal static class VertexBatch
{
    /// <summary>Writes the generateContent body: system turns as <c>systemInstruction</c>, the others as contents (assistant is "model").</summary>
    public static void WriteRequest(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages, int maxTokens, double? temperature)
    {
        writer.WriteStartObject("request");
        writer.WriteStartArray("contents");
        foreach (var message in messages.Where(m => m.Role.Value != "system"))
        {
            writer.WriteStartObject();
            writer.WriteString("role", message.Role.Value == "assistant" ? "model" : "user");
            writer.WriteStartArray("parts");
            writer.WriteStartObject();
            writer.WriteString("text", message.Text);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        var system = string.Join("\n\n", messages.Where(m => m.Role.Value == "system").Select(m => m.Text));
        if (system.Length > 0)
        {
            writer.WriteStartObject("systemInstruction");
            writer.WriteStartArray("parts");
            writer.WriteStartObject();
            writer.WriteString("text", system);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteStartObject("generationConfig");
        writer.WriteNumber("maxOutputTokens", maxTokens);
        if (temperature is { } t)
        {
            writer.WriteNumber("temperature", t);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>
    /// What an item asks, as a request's turns spell it ("user" / "model" and each turn's text), hashed to 32 hex digits:
    /// matching 100,000 items then holds no second copy of their conversations, and 128 bits leave no collision to fear.
    /// </summary>
    public static string KeyOf(IEnumerable<(string Role, string Text)> turns) => Convert.ToHexString(XxHash128.Hash(Encoding.UTF8.GetBytes(
        string.Join("\u241E", turns.Select(t => (t.Role == "assistant" ? "model" : t.Role) + "\u241F" + t.Text.ReplaceLineEndings("\n").Trim())))));

    /// <summary>A Vertex predictions line (the request echoed) or a Gemini API batch result (its key), with a response or an error.</summary>
    public static bool IsOutput(JsonElement line) =>
        ((line.TryGetProperty("request", out var request) && request.ValueKind == JsonValueKind.Object && request.TryGetProperty("contents", out _))
         || (line.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String))
        && (line.TryGetProperty("response", out _) || line.TryGetProperty("status", out _) || line.TryGetProperty("error", out _));

    public static EvalOutputInput? Output(EvalFileParser.Row row, JsonElement line, EvalFileParser.ErrorList errors)
    {
        // The Gemini API's results name their key; Vertex's are found by what the request asks.
        var key = line.TryGetProperty("key", out var named) && named.ValueKind == JsonValueKind.String ? named.GetString()!.Trim() : null;
        string? requestKey = null;
        if (key is null)
        {
            var contents = line.GetProperty("request").GetProperty("contents");
            if (contents.ValueKind != JsonValueKind.Array)
            {
                errors.Add("request.contents", "Expected the request's contents, a list of turns.", row.Line);
                return null;
            }

            var turns = new List<(string Role, string Text)>();
            foreach (var content in contents.EnumerateArray())
            {
                var role = content.ValueKind == JsonValueKind.Object && content.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "user";
                turns.Add((role, content.ValueKind == JsonValueKind.Object ? PartsText(content) : ""));
            }

            requestKey = KeyOf(turns);
        }
        else if (key.Length == 0)
        {
            errors.Add("key", "The line's key is empty.", row.Line);
            return null;
        }

        if (!line.TryGetProperty("response", out var response) || response.ValueKind != JsonValueKind.Object)
        {
            // Vertex names a failed row's error in "status", the Gemini API in "error": the item is left without output, so it counts as failed.
            return null;
        }

        if (!response.TryGetProperty("candidates", out var candidates) || candidates.ValueKind != JsonValueKind.Array)
        {
            errors.Add("response.candidates", "Expected the response's candidates.", row.Line);
            return null;
        }

        var first = candidates.EnumerateArray().FirstOrDefault();
        var answer = first.ValueKind == JsonValueKind.Object && first.TryGetProperty("content", out var message) && message.ValueKind == JsonValueKind.Object
            ? PartsText(message)
            : "";
        return key is not null
            ? new EvalOutputInput(key, answer, row.Line) { StoredItemId = BedrockRecordIds.ItemId(key), IdField = "key" }
            : new EvalOutputInput(requestKey!, answer, row.Line) { RequestKey = requestKey, IdField = "request" };
    }

    private static string PartsText(JsonElement content)
    {
        var text = new StringBuilder();
        if (content.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in parts.EnumerateArray())
            {
                // A thinking model's thought summaries are not its answer.
                if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String
                    && !(part.TryGetProperty("thought", out var thought) && thought.ValueKind == JsonValueKind.True))
                {
                    text.Append(t.GetString());
                }
            }
        }

        return text.ToString();
    }
}
