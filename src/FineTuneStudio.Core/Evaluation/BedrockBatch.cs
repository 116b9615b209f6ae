using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// Bedrock's batch inference names each record by an alphanumeric <c>recordId</c> and does not keep the input's order,
/// so an exported item's record names the item itself: <c>EVI</c> and its stored id in eight digits, eleven characters
/// as Bedrock's example ids are. Any other recordId is read as the item's own id.
/// </summary>
public static class BedrockRecordIds
{
    private const string Prefix = "EVI";

    public static string Of(int itemId) => Prefix + itemId.ToString("D8", CultureInfo.InvariantCulture);

    /// <summary>The stored item id a recordId of <see cref="Of"/> names; null for any other recordId.</summary>
    public static int? ItemId(string recordId) =>
        recordId.Length == Prefix.Length + 8 && recordId.StartsWith(Prefix, StringComparison.Ordinal)
        && int.TryParse(recordId.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : null;
}

/// <summary>
/// One item's <c>modelInput</c> for Bedrock's batch inference, the body InvokeModel takes: Anthropic's messages body for
/// Claude (<c>anthropic_version</c>, <c>max_tokens</c>, <c>system</c>, text blocks), or Nova's <c>messages-v1</c> body
/// (<c>system</c> and content as text blocks, <c>inferenceConfig</c>).
/// </summary>
internal static class BedrockBatchInput
{
    public static void Write(Utf8JsonWriter writer, IReadOnlyList<ChatMessage> messages, bool nova, int maxTokens, double? temperature)
    {
        var system = string.Join("\n\n", messages.Where(m => m.Role == ChatRole.System).Select(m => m.Text));
        writer.WriteStartObject();
        if (nova)
        {
            writer.WriteString("schemaVersion", "messages-v1");
        }
        else
        {
            writer.WriteString("anthropic_version", "bedrock-2023-05-31");
            writer.WriteNumber("max_tokens", maxTokens);
        }

        if (system.Length > 0)
        {
            if (nova)
            {
                writer.WriteStartArray("system");
                WriteTextBlock(writer, system, nova);
                writer.WriteEndArray();
            }
            else
            {
                writer.WriteString("system", system);
            }
        }

        writer.WriteStartArray("messages");
        foreach (var message in messages.Where(m => m.Role != ChatRole.System))
        {
            writer.WriteStartObject();
            writer.WriteString("role", message.Role == ChatRole.Assistant ? "assistant" : "user");
            writer.WriteStartArray("content");
            WriteTextBlock(writer, message.Text, nova);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        if (nova)
        {
            writer.WriteStartObject("inferenceConfig");
            writer.WriteNumber("maxTokens", maxTokens);
            if (temperature is { } t)
            {
                writer.WriteNumber("temperature", t);
            }

            writer.WriteEndObject();
        }
        else if (temperature is { } t)
        {
            writer.WriteNumber("temperature", t);
        }

        writer.WriteEndObject();
    }

    private static void WriteTextBlock(Utf8JsonWriter writer, string text, bool nova)
    {
        writer.WriteStartObject();
        if (!nova)
        {
            writer.WriteString("type", "text");
        }

        writer.WriteString("text", text);
        writer.WriteEndObject();
    }
}

/// <summary>
/// A line of Bedrock's batch inference output: <c>recordId</c>, the <c>modelInput</c> sent, and <c>modelOutput</c>
/// (Claude's messages response with text blocks in <c>content</c>; Nova's, or any Converse response, with them in
/// <c>output.message.content</c>), or an <c>error</c>, which leaves the item without output, so it counts as failed.
/// </summary>
internal static class BedrockBatchOutput
{
    public static bool IsOutput(JsonElement line) =>
        line.TryGetProperty("recordId", out _) && (line.TryGetProperty("modelOutput", out _) || line.TryGetProperty("error", out _));

    public static EvalOutputInput? Output(EvalFileParser.Row row, JsonElement line, EvalFileParser.ErrorList errors)
    {
        var recordId = row.Get("recordId")?.Trim();
        if (string.IsNullOrEmpty(recordId))
        {
            errors.Add("recordId", "The line has no recordId.", row.Line);
            return null;
        }

        if (line.TryGetProperty("error", out var error) && error.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            return null;
        }

        if (!line.TryGetProperty("modelOutput", out var output) || output.ValueKind == JsonValueKind.Null)
        {
            errors.Add("modelOutput", "The line has neither a modelOutput nor an error.", row.Line);
            return null;
        }

        var blocks = output.ValueKind != JsonValueKind.Object ? default
            : output.TryGetProperty("content", out var claude) ? claude
            : output.TryGetProperty("output", out var converse) && converse.ValueKind == JsonValueKind.Object
              && converse.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object
              && message.TryGetProperty("content", out var content) ? content
            : default;
        if (blocks.ValueKind != JsonValueKind.Array)
        {
            errors.Add("modelOutput", "Expected Claude's content blocks (modelOutput.content) or Nova's (modelOutput.output.message.content).", row.Line);
            return null;
        }

        var text = new StringBuilder();
        foreach (var block in blocks.EnumerateArray())
        {
            if (block.ValueKind == JsonValueKind.Object && block.TryGetProperty("text", out var part) && part.ValueKind == JsonValueKind.String)
            {
                text.Append(part.GetString());
            }
        }

        return new EvalOutputInput(recordId, text.ToString(), row.Line) { StoredItemId = BedrockRecordIds.ItemId(recordId), IdField = "recordId" };
    }
}
