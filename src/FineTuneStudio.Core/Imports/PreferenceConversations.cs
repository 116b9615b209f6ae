using System.Text.Json;
using System.Text.RegularExpressions;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using static FineTuneStudio.Core.Imports.JsonReading;
using static FineTuneStudio.Core.Imports.MessageReader;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Preference pairs given without a prompt: <c>chosen</c> and <c>rejected</c> are each the whole conversation, as
/// lists of messages (TRL's "implicit prompt" form) or as <c>Human:</c> / <c>Assistant:</c> transcripts (Anthropic's
/// HH-RLHF). The turns before each one's last answer are the prompt, and must be the same in both: a pair answers
/// one prompt two ways.
/// </summary>
internal static partial class PreferenceConversations
{
    /// <summary>True when the value reads as a whole conversation, so the pair needs no prompt key.</summary>
    public static bool IsConversation(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array
        || (value.ValueKind == JsonValueKind.String && IsTranscript(value.GetString()!));

    public static ExampleContent? Map(JsonElement record, RecordIssues issues)
    {
        var chosen = ReadConversation(record, "chosen", issues);
        var rejected = ReadConversation(record, "rejected", issues);
        if (chosen is null || rejected is null)
        {
            return null;
        }

        var prompt = chosen[..^1];
        if (prompt.Count == 0)
        {
            issues.Add("chosen", "holds only an answer; without a prompt key, chosen and rejected must each hold the turns they answer");
            return null;
        }

        var shared = prompt.Zip(rejected[..^1]).TakeWhile(p => Same(p.First, p.Second)).Count();
        if (shared < prompt.Count || rejected.Count != chosen.Count)
        {
            issues.Add("rejected", $"turn {shared + 1} differs from chosen's; the two conversations of a pair must share every turn before their last answer");
            return null;
        }

        return new ExampleContent(prompt, PreferredCompletion: chosen[^1].Content, RejectedCompletion: rejected[^1].Content);
    }

    private static bool IsTranscript(string text) => text.AsSpan().TrimStart().StartsWith("Human:", StringComparison.Ordinal);

    private static bool Same(MessageContent a, MessageContent b) =>
        a.Role == b.Role && a.Content == b.Content && a.ToolCallsJson == b.ToolCallsJson && a.ToolCallId == b.ToolCallId;

    /// <summary>The conversation, whose last turn must be the assistant's answer (with text, possibly empty, as in an explicit pair).</summary>
    private static List<MessageContent>? ReadConversation(JsonElement record, string name, RecordIssues issues)
    {
        var value = record.GetProperty(name);
        var turns = value.ValueKind switch
        {
            JsonValueKind.Array => ReadMessages(record, name, name, issues, required: true),
            JsonValueKind.String when IsTranscript(value.GetString()!) => ReadTranscript(value.GetString()!),
            _ => issues.Fail<List<MessageContent>>(name, $"must be a list of messages or a Human:/Assistant: transcript, found {DescribeValue(value)}"),
        };
        if (turns is null)
        {
            return null;
        }

        if (turns.Count == 0 || turns[^1].Role != MessageRole.Assistant || turns[^1].Content is null)
        {
            issues.Add(name, "must end with the assistant's answer, with text content");
            return null;
        }

        return turns;
    }

    private static string DescribeValue(JsonElement value) => value.ValueKind == JsonValueKind.String ? "text that does not start with Human:" : Describe(value);

    /// <summary>HH-RLHF's transcript: turns start at "Human:" or "Assistant:" after a blank line (or at the very start).</summary>
    private static List<MessageContent> ReadTranscript(string text)
    {
        var turns = new List<MessageContent>();
        var speakers = Speaker().Matches(text);
        for (var i = 0; i < speakers.Count; i++)
        {
            var start = speakers[i].Index + speakers[i].Length;
            var end = i + 1 < speakers.Count ? speakers[i + 1].Index : text.Length;
            var role = speakers[i].Groups[1].Value == "Human" ? MessageRole.User : MessageRole.Assistant;
            turns.Add(new MessageContent(role, text[start..end].Trim()));
        }

        return turns;
    }

    [GeneratedRegex(@"(?:^|\r?\n\r?\n)\s*(Human|Assistant):", RegexOptions.CultureInvariant)]
    private static partial Regex Speaker();
}
