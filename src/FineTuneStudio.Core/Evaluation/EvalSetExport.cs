using System.Text.Json;
using FineTuneStudio.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// Writes an eval set for the tools that generate outside the studio: an OpenAI-style batch input JSONL (one chat
/// completions request per item, <c>custom_id</c> = the item's id; OpenAI's Batch API and vLLM's run_batch read it)
/// or LLaMA-Factory's alpaca layout (<c>instruction</c>, <c>input</c>, <c>output</c>, <c>system</c>) whose
/// generated_predictions.jsonl comes back in the same order, or Amazon Bedrock's batch inference input for Claude
/// (the Anthropic messages body) or Nova (its messages-v1 body), each <c>recordId</c> naming the item as
/// <see cref="BedrockRecordIds"/> spells it, or Vertex AI's batch prediction input for Gemini (a generateContent body,
/// matched back by the request its output echoes) or the Gemini API's batch mode (the same body under a <c>key</c>). All import back as a run of the set.
/// </summary>
public sealed class EvalSetExport(IDbContextFactory<StudioDbContext> factory)
{
    public const string BatchFormat = "batch";
    public const string LlamaFactoryFormat = "llamafactory";
    public const string BedrockClaudeFormat = "bedrock-claude";
    public const string BedrockNovaFormat = "bedrock-nova";
    public const string VertexGeminiFormat = "vertex-gemini";
    public const string GeminiBatchFormat = "gemini-batch";
    public static readonly IReadOnlyList<string> Formats = [BatchFormat, LlamaFactoryFormat, BedrockClaudeFormat, BedrockNovaFormat, VertexGeminiFormat, GeminiBatchFormat];

    /// <summary>What reads a format's file, for a choice on a page.</summary>
    public static string Describe(string format) => format switch
    {
        BatchFormat => "OpenAI Batch API or vLLM run_batch",
        LlamaFactoryFormat => "LLaMA-Factory predict (alpaca lines)",
        BedrockClaudeFormat => "Bedrock batch inference, Claude",
        BedrockNovaFormat => "Bedrock batch inference, Nova",
        VertexGeminiFormat => "Vertex AI batch prediction, Gemini",
        GeminiBatchFormat => "Gemini API batch mode",
        _ => format,
    };

    /// <summary>The formats whose lines name the model that answers (Bedrock's job names it instead).</summary>
    public static bool NamesModel(string format) => format == BatchFormat;

    /// <summary>The formats whose lines cap the answer's length.</summary>
    public static bool TakesMaxTokens(string format) => format is BedrockClaudeFormat or BedrockNovaFormat or VertexGeminiFormat or GeminiBatchFormat;

    /// <summary>The formats a Bedrock batch inference job reads (<see cref="BedrockJobAsync"/>).</summary>
    public static bool IsBedrock(string format) => format is BedrockClaudeFormat or BedrockNovaFormat;

    /// <summary>Bedrock's model bodies need a cap on the answer's length; this one is Bedrock's own documented example.</summary>
    public const int DefaultMaxTokens = 1024;

    /// <summary>The download name of a set's export, by the format as <see cref="WriteAsync"/> reads it (any case).</summary>
    public static string FileName(int setId, string? format) => (format?.Trim().ToLowerInvariant() ?? BatchFormat) switch
    {
        BatchFormat => $"eval-set-{setId}-batch-input.jsonl",
        LlamaFactoryFormat => $"eval-set-{setId}-llamafactory.jsonl",
        var bedrock => $"eval-set-{setId}-{bedrock}-batch-input.jsonl",
    };

    /// <summary>The CreateModelInvocationJob body for the set's Bedrock batch input (<paramref name="format"/> bedrock-claude or bedrock-nova).</summary>
    public async Task<BedrockJobRequest> BedrockJobAsync(int setId, string format, CancellationToken cancellationToken)
    {
        format = format?.Trim().ToLowerInvariant() ?? "";
        if (!IsBedrock(format))
        {
            throw new StudioValidationException("format", $"A Bedrock batch job reads {BedrockClaudeFormat} or {BedrockNovaFormat} records.");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var set = await db.EvalSets.AsNoTracking().Where(s => s.Id == setId).Select(s => new { s.Name, Items = s.Items.Count }).FirstOrDefaultAsync(cancellationToken)
                  ?? throw new NotFoundException("Eval set", setId);
        return BedrockBatchJob.For(setId, set.Name, format, set.Items);
    }

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    /// <summary>Streams the set's items, in the set's order, as JSONL lines; returns how many were written.</summary>
    public async Task<int> WriteAsync(int setId, string format, string? model, string? systemPrompt, double? temperature, Stream output, CancellationToken cancellationToken,
        int? maxTokens = null)
    {
        format = format?.Trim().ToLowerInvariant() ?? "";
        if (!Formats.Contains(format))
        {
            throw new StudioValidationException("format", $"Expected one of: {string.Join(", ", Formats)}.");
        }

        if (format == BatchFormat && string.IsNullOrWhiteSpace(model))
        {
            throw new StudioValidationException("model", "A batch request names the model that answers it, e.g. model=my-finetune.");
        }

        if (maxTokens is < 1)
        {
            throw new StudioValidationException("maxTokens", "The most tokens an answer may take must be at least 1.");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.EvalSets.AnyAsync(s => s.Id == setId, cancellationToken))
        {
            throw new NotFoundException("Eval set", setId);
        }

        var written = 0;
        await foreach (var item in db.EvalItems.AsNoTracking().Where(i => i.EvalSetId == setId).OrderBy(i => i.Id)
                           .Select(i => new { i.Id, i.ExternalId, i.InputJson, i.Expected }).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            var messages = EvalRunGenerator.ToChatMessages(item.InputJson, systemPrompt);
            await using (var writer = new Utf8JsonWriter(output, WriterOptions))
            {
                writer.WriteStartObject();
                if (format == BatchFormat)
                {
                    writer.WriteString("custom_id", item.ExternalId);
                    writer.WriteString("method", "POST");
                    writer.WriteString("url", "/v1/chat/completions");
                    writer.WriteStartObject("body");
                    writer.WriteString("model", model!.Trim());
                    writer.WriteStartArray("messages");
                    foreach (var message in messages)
                    {
                        writer.WriteStartObject();
                        writer.WriteString("role", message.Role.Value);
                        writer.WriteString("content", message.Text);
                        writer.WriteEndObject();
                    }

                    writer.WriteEndArray();
                    if (temperature is { } t)
                    {
                        writer.WriteNumber("temperature", t);
                    }

                    writer.WriteEndObject();
                }
                else if (format is BedrockClaudeFormat or BedrockNovaFormat)
                {
                    writer.WriteString("recordId", BedrockRecordIds.Of(item.Id));
                    writer.WritePropertyName("modelInput");
                    BedrockBatchInput.Write(writer, messages, format == BedrockNovaFormat, maxTokens ?? DefaultMaxTokens, temperature);
                }
                else if (format is VertexGeminiFormat or GeminiBatchFormat)
                {
                    // The Gemini API's batch mode keys each request; Vertex's has no place for an id.
                    if (format == GeminiBatchFormat)
                    {
                        writer.WriteString("key", BedrockRecordIds.Of(item.Id));
                    }

                    VertexBatch.WriteRequest(writer, messages, maxTokens ?? DefaultMaxTokens, temperature);
                }
                else
                {
                    // Alpaca keeps one instruction: the conversation's turns before the last user turn go to history.
                    var system = string.Join("\n\n", messages.Where(m => m.Role.Value == "system").Select(m => m.Text));
                    var turns = messages.Where(m => m.Role.Value != "system").ToList();
                    var last = turns.FindLastIndex(m => m.Role.Value == "user");
                    writer.WriteString("instruction", last < 0 ? "" : turns[last].Text);
                    writer.WriteString("input", "");
                    writer.WriteString("output", item.Expected);
                    if (system.Length > 0)
                    {
                        writer.WriteString("system", system);
                    }

                    var history = turns.Take(Math.Max(0, last)).Chunk(2).Where(p => p is [{ Role.Value: "user" }, { Role.Value: "assistant" }]).ToList();
                    if (history.Count > 0)
                    {
                        writer.WriteStartArray("history");
                        foreach (var pair in history)
                        {
                            writer.WriteStartArray();
                            writer.WriteStringValue(pair[0].Text);
                            writer.WriteStringValue(pair[1].Text);
                            writer.WriteEndArray();
                        }

                        writer.WriteEndArray();
                    }
                }

                writer.WriteEndObject();
            }

            output.WriteByte((byte)'\n');
            written++;
        }

        return written;
    }
}
