using FineTuneStudio.Core.Domain;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace FineTuneStudio.Core.Training;

/// <summary>
/// Counts tokens with a real tiktoken encoding (offline, from the bundled vocabulary packages).
/// Messages are counted by OpenAI's published chat convention: 3 tokens per message, the tokens of every
/// string value (role included), 1 more when a message has a name, and 3 per conversation for the primed reply.
/// Values that are not strings are counted as follows, a choice of ours: objects and arrays (tool_calls, tools)
/// by the tokens of their compact JSON text, since that is roughly what the model reads; numbers, booleans
/// and null (weight, train) not at all, since they steer training and never reach the model.
/// </summary>
public sealed class TokenCounter
{
    public const string O200kBase = "o200k_base";
    public const string Cl100kBase = "cl100k_base";

    public const int TokensPerMessage = 3;
    public const int TokensPerName = 1;
    public const int TokensPerConversation = 3;

    // Building a tokenizer loads a vocabulary of 100k–200k entries; do it once per encoding per process.
    private static readonly ConcurrentDictionary<string, Lazy<TokenCounter>> Instances = new(StringComparer.Ordinal);

    private readonly Tokenizer _tokenizer;

    private TokenCounter(string encoding, Tokenizer tokenizer)
    {
        Encoding = encoding;
        _tokenizer = tokenizer;
    }

    public string Encoding { get; }

    public static TokenCounter O200k => For(O200kBase);

    public static TokenCounter Cl100k => For(Cl100kBase);

    /// <summary>The shared counter for an encoding name (o200k_base or cl100k_base).</summary>
    public static TokenCounter For(string encoding)
    {
        if (encoding is not (O200kBase or Cl100kBase))
        {
            throw new StudioValidationException("encoding", $"Unknown token encoding '{encoding}'. Use {O200kBase} or {Cl100kBase}.");
        }

        return Instances.GetOrAdd(encoding, e => new Lazy<TokenCounter>(
            () => new TokenCounter(e, TiktokenTokenizer.CreateForEncoding(e)))).Value;
    }

    public int Count(string? text) => string.IsNullOrEmpty(text) ? 0 : _tokenizer.CountTokens(text);

    /// <summary>Tokens of one message without the conversation overhead.</summary>
    public int CountMessage(MessageContent message)
    {
        var tokens = TokensPerMessage + Count(ChatRoleNames.Of(message.Role)) + Count(message.Content);
        if (message.Name is not null)
        {
            tokens += Count(message.Name) + TokensPerName;
        }

        if (message.ToolCallsJson is not null)
        {
            tokens += Count(CompactJson(message.ToolCallsJson));
        }

        if (message.ToolCallId is not null)
        {
            tokens += Count(message.ToolCallId);
        }

        return tokens;
    }

    public int CountMessages(IEnumerable<MessageContent> messages) =>
        messages.Sum(CountMessage) + TokensPerConversation;

    /// <summary>Tokens of one message object as it appears in a JSONL file.</summary>
    public int CountMessage(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            return TokensPerMessage + CountValue(message);
        }

        var tokens = TokensPerMessage;
        foreach (var property in message.EnumerateObject())
        {
            tokens += CountValue(property.Value);
            if (property.NameEquals("name"))
            {
                tokens += TokensPerName;
            }
        }

        return tokens;
    }

    /// <summary>Tokens of a JSON array of messages, including the per-conversation overhead. Never throws on odd values.</summary>
    public int CountMessages(JsonElement messages)
    {
        if (messages.ValueKind != JsonValueKind.Array)
        {
            return CountValue(messages);
        }

        var tokens = TokensPerConversation;
        foreach (var message in messages.EnumerateArray())
        {
            tokens += CountMessage(message);
        }

        return tokens;
    }

    /// <summary>Strings by their text, objects and arrays by their compact JSON, everything else as zero.</summary>
    public int CountValue(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Count(value.GetString()),
        JsonValueKind.Object or JsonValueKind.Array => Count(CompactJson(value)),
        _ => 0,
    };

    internal static string CompactJson(JsonElement value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            value.WriteTo(writer);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    internal static string CompactJson(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return CompactJson(document.RootElement);
        }
        catch (JsonException)
        {
            return json;
        }
    }
}

internal static class ChatRoleNames
{
    public static string Of(Domain.MessageRole role) => role switch
    {
        Domain.MessageRole.System => "system",
        Domain.MessageRole.User => "user",
        Domain.MessageRole.Assistant => "assistant",
        Domain.MessageRole.Tool => "tool",
        _ => role.ToString().ToLowerInvariant(),
    };
}
