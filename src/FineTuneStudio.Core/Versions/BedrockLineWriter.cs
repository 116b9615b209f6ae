using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// One example as Amazon Bedrock's fine-tuning line. Claude's lines (<paramref name="converse"/> false) hold the system
/// prompt as text beside the turns and each turn's content as text; Nova's Converse lines name the schema and hold
/// the system prompt and each turn's content as lists of text blocks. Both take user and assistant turns only, which
/// alternate from a user turn to a closing answer: <see cref="AlternationProblem"/> says why an example cannot be written.
/// </summary>
internal static class BedrockLineWriter
{
    /// <summary>The schema Nova's fine-tuning lines name (the documented value; Bedrock accepts any string).</summary>
    public const string ConverseSchema = "bedrock-conversation-2024";

    public static void Write(Utf8JsonWriter writer, ExampleContent example, int line, bool converse)
    {
        if (AlternationProblem(example.Messages) is { } problem)
        {
            throw new StudioValidationException([new InputError(problem.Field, problem.Message, line)]);
        }

        var messages = example.Messages;
        if (converse)
        {
            writer.WriteString("schemaVersion", ConverseSchema);
        }

        var start = 0;
        if (messages is [{ Role: MessageRole.System } system, ..])
        {
            writer.WritePropertyName("system");
            WriteContent(writer, system.Content, converse);
            start = 1;
        }

        writer.WriteStartArray("messages");
        for (var i = start; i < messages.Count; i++)
        {
            writer.WriteStartObject();
            writer.WriteString("role", messages[i].Role == MessageRole.User ? "user" : "assistant");
            writer.WritePropertyName("content");
            WriteContent(writer, messages[i].Content, converse);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    /// <summary>
    /// Why the turns cannot be one Bedrock line, naming the message; null when they can: after an optional system prompt,
    /// user and assistant turns of text alternate, the first from the user and the last an answer.
    /// </summary>
    public static InputError? AlternationProblem(IReadOnlyList<MessageContent> messages)
    {
        var start = messages is [{ Role: MessageRole.System }, ..] ? 1 : 0;
        for (var i = start; i < messages.Count; i++)
        {
            var message = messages[i];
            var field = $"messages[{i}]";
            if (message.Role == MessageRole.Tool || message.ToolCallsJson is not null)
            {
                return new InputError(field, "A tool call or tool result: Bedrock's fine-tuning lines hold user and assistant text only.");
            }

            var expected = (i - start) % 2 == 0 ? MessageRole.User : MessageRole.Assistant;
            if (message.Role != expected)
            {
                return new InputError(field + ".role", message.Role == MessageRole.System
                    ? "A system prompt may only be the first message."
                    : $"Expected {(expected == MessageRole.User ? "a user" : "an assistant")} turn: Bedrock's turns alternate, starting with the user.");
            }
        }

        return messages.Count - start < 2 || messages[^1].Role != MessageRole.Assistant
            ? new InputError("messages", "Bedrock needs at least one user turn and an assistant answer at the end.")
            : null;
    }

    private static void WriteContent(Utf8JsonWriter writer, string? text, bool converse)
    {
        if (!converse)
        {
            writer.WriteStringValue(text ?? "");
            return;
        }

        writer.WriteStartArray();
        writer.WriteStartObject();
        writer.WriteString("text", text ?? "");
        writer.WriteEndObject();
        writer.WriteEndArray();
    }
}
