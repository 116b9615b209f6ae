using System.Buffers;
using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// Writes examples as JSONL for one target: one compact JSON object per line, keys always in the same order,
/// "\n" after every line, UTF-8 without a byte order mark. The same examples give the same bytes, so a version's
/// files can be re-created and their hashes compared. Examples are written as they arrive; nothing is buffered
/// beyond one line.
/// </summary>
public sealed class JsonlExampleWriter(TrainingTargetProfile target)
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = false,
        // Keep non-ASCII text readable and the bytes compact; the output is data, never embedded in HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = false,
    };

    public TrainingTargetProfile Target { get; } = target;

    /// <summary>Writes every example and returns the number of lines written.</summary>
    public async Task<int> WriteAsync(IAsyncEnumerable<ExampleContent> examples, Stream output, CancellationToken cancellationToken = default)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using var writer = new Utf8JsonWriter(buffer, Options);
        var lines = 0;
        await foreach (var example in examples.WithCancellation(cancellationToken))
        {
            WriteLine(writer, buffer, example, ++lines);
            if (buffer.WrittenCount >= FlushThreshold)
            {
                await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
                buffer.ResetWrittenCount();
            }
        }

        await output.WriteAsync(buffer.WrittenMemory, cancellationToken);
        await output.FlushAsync(cancellationToken);
        return lines;
    }

    public int Write(IEnumerable<ExampleContent> examples, Stream output)
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        using var writer = new Utf8JsonWriter(buffer, Options);
        var lines = 0;
        foreach (var example in examples)
        {
            WriteLine(writer, buffer, example, ++lines);
            if (buffer.WrittenCount >= FlushThreshold)
            {
                output.Write(buffer.WrittenSpan);
                buffer.ResetWrittenCount();
            }
        }

        output.Write(buffer.WrittenSpan);
        output.Flush();
        return lines;
    }

    /// <summary>One example as a single JSONL line, without the trailing newline.</summary>
    public string ToLine(ExampleContent example)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            WriteObject(writer, example, 1);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private const int FlushThreshold = 32 * 1024;

    private void WriteLine(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, ExampleContent example, int line)
    {
        WriteObject(writer, example, line);
        writer.Flush();
        // Utf8JsonWriter writes one root value; the line separator goes into the buffer between values.
        buffer.Write("\n"u8);
        writer.Reset(buffer);
    }

    private void WriteObject(Utf8JsonWriter writer, ExampleContent example, int line)
    {
        writer.WriteStartObject();
        switch (Target.FileShape)
        {
            case TargetFileShape.ChatMessages:
                writer.WritePropertyName("messages");
                WriteMessages(writer, example.Messages);
                WriteTools(writer, example.ToolsJson, Target.AllowedKeys.Contains("tools"));
                break;
            case TargetFileShape.InputPreferredNonPreferred:
                var (preferred, rejected) = RequirePreference(example, line);
                writer.WritePropertyName("input");
                writer.WriteStartObject();
                writer.WritePropertyName("messages");
                WriteMessages(writer, example.Messages);
                // OpenAI's preference format keeps the tool definitions beside the prompt messages.
                WriteTools(writer, example.ToolsJson, allowed: true);
                writer.WriteEndObject();
                writer.WritePropertyName("preferred_output");
                WriteAssistantList(writer, preferred);
                writer.WritePropertyName("non_preferred_output");
                WriteAssistantList(writer, rejected);
                break;
            case TargetFileShape.PromptCompletion:
                var (prompt, completion) = SplitCompletion(example, line);
                writer.WritePropertyName("prompt");
                WriteMessages(writer, prompt);
                writer.WritePropertyName("completion");
                WriteMessages(writer, completion);
                break;
            case TargetFileShape.PromptChosenRejected:
                var (chosen, notChosen) = RequirePreference(example, line);
                writer.WritePropertyName("prompt");
                WriteMessages(writer, example.Messages);
                writer.WritePropertyName("chosen");
                WriteAssistantList(writer, chosen);
                writer.WritePropertyName("rejected");
                WriteAssistantList(writer, notChosen);
                break;
            case TargetFileShape.GeminiContents:
                GeminiLineWriter.Write(writer, example, line);
                break;
            case TargetFileShape.BedrockText or TargetFileShape.BedrockConverse:
                BedrockLineWriter.Write(writer, example, line, converse: Target.FileShape == TargetFileShape.BedrockConverse);
                break;
        }

        writer.WriteEndObject();
    }

    private void WriteMessages(Utf8JsonWriter writer, IEnumerable<MessageContent> messages)
    {
        writer.WriteStartArray();
        foreach (var message in messages)
        {
            WriteMessage(writer, message);
        }

        writer.WriteEndArray();
    }

    private static void WriteAssistantList(Utf8JsonWriter writer, string content)
    {
        writer.WriteStartArray();
        writer.WriteStartObject();
        writer.WriteString("role", "assistant");
        writer.WriteString("content", content);
        writer.WriteEndObject();
        writer.WriteEndArray();
    }

    /// <summary>Key order: role, content, name, tool_calls, tool_call_id, then weight or train.</summary>
    private void WriteMessage(Utf8JsonWriter writer, MessageContent message)
    {
        writer.WriteStartObject();
        writer.WriteString("role", ChatRoleNames.Of(message.Role));
        if (message.Content is not null || message.ToolCallsJson is null)
        {
            writer.WriteString("content", message.Content ?? "");
        }

        if (message.Name is not null && Target.AllowedMessageKeys.Contains("name"))
        {
            writer.WriteString("name", message.Name);
        }

        if (message.ToolCallsJson is not null)
        {
            writer.WritePropertyName("tool_calls");
            WriteToolCalls(writer, message.ToolCallsJson);
        }

        if (message.ToolCallId is not null)
        {
            writer.WriteString("tool_call_id", message.ToolCallId);
        }

        switch (Target.WeightSupport)
        {
            case WeightSupport.WeightZeroOrOne when message.Role == MessageRole.Assistant && message.Weight is { } weight:
                writer.WriteNumber("weight", weight == 0 ? 0 : 1);
                break;
            case WeightSupport.TrainFlag:
                // Spelled out on every message so the file does not depend on the trainer's default roles.
                writer.WriteBoolean("train", message.Role == MessageRole.Assistant && message.Weight != 0);
                break;
        }

        writer.WriteEndObject();
    }

    /// <summary>Embeds the stored JSON as JSON (not as a string), re-written compactly so it cannot break the line.</summary>
    private static void WriteToolCalls(Utf8JsonWriter writer, string json) => WriteStoredJson(writer, json, "tool_calls", "The stored tool calls are not valid JSON.");

    /// <summary>
    /// The tool definitions the example was written with, after the messages, for targets whose lines carry
    /// them; targets without a place for them (prompt / completion, chosen / rejected) leave them out.
    /// </summary>
    private static void WriteTools(Utf8JsonWriter writer, string? json, bool allowed)
    {
        if (!allowed || string.IsNullOrWhiteSpace(json))
        {
            return;
        }

        writer.WritePropertyName("tools");
        WriteStoredJson(writer, json, "tools", "The stored tool definitions are not valid JSON.");
    }

    private static void WriteStoredJson(Utf8JsonWriter writer, string json, string field, string message)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            document.RootElement.WriteTo(writer);
        }
        catch (JsonException)
        {
            throw new StudioValidationException(field, message);
        }
    }

    /// <summary>Whether the example has both completions a preference line needs.</summary>
    public static bool HasPreferencePair(ExampleContent example) =>
        !string.IsNullOrWhiteSpace(example.PreferredCompletion) && !string.IsNullOrWhiteSpace(example.RejectedCompletion);

    /// <summary>Whether a prompt / completion line can be made: a last assistant turn after a prompt, or a preferred completion.</summary>
    public static bool HasCompletion(ExampleContent example) =>
        EndsWithAnswer(example.Messages) || (example.Messages.Count > 0 && !string.IsNullOrWhiteSpace(example.PreferredCompletion));

    private static bool EndsWithAnswer(IReadOnlyList<MessageContent> messages) => messages.Count > 1 && messages[^1].Role == MessageRole.Assistant;

    private static (string Preferred, string Rejected) RequirePreference(ExampleContent example, int line)
    {
        if (!HasPreferencePair(example))
        {
            throw new StudioValidationException(
                [new InputError("preferred_completion", "A preference example needs both a preferred and a rejected completion.", line)]);
        }

        return (example.PreferredCompletion!, example.RejectedCompletion!);
    }

    /// <summary>Prompt = every turn before the last assistant turn; completion = that turn (or the preferred completion).</summary>
    private static (IReadOnlyList<MessageContent> Prompt, IReadOnlyList<MessageContent> Completion) SplitCompletion(ExampleContent example, int line)
    {
        var messages = example.Messages;
        if (EndsWithAnswer(messages))
        {
            return (messages.Take(messages.Count - 1).ToList(), [messages[^1]]);
        }

        if (HasCompletion(example))
        {
            return (messages, [new MessageContent(MessageRole.Assistant, example.PreferredCompletion)]);
        }

        throw new StudioValidationException(
            [new InputError("messages", "A prompt / completion example must end with an assistant turn after at least one prompt turn.", line)]);
    }
}
