using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using static FineTuneStudio.Core.Imports.JsonReading;
using static FineTuneStudio.Core.Imports.MessageReader;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Instruction records, one question and its answer per line, under the names the public sets use:
/// <list type="bullet">
/// <item>Alpaca: <c>instruction</c>, <c>input</c>, <c>output</c>; LLaMA-Factory adds <c>system</c> and
/// <c>history</c>, the earlier rounds as <c>[instruction, answer]</c> pairs.</item>
/// <item>Dolly: <c>instruction</c>, <c>context</c>, <c>response</c>, and a <c>category</c> kept as a tag.</item>
/// <item>OpenOrca: <c>system_prompt</c>, <c>question</c>, <c>response</c>; GSM8K: <c>question</c>, <c>answer</c>.</item>
/// </list>
/// The input (or context) follows the instruction after a blank line, as Alpaca's own template puts it.
/// </summary>
internal static class InstructionReader
{
    private static readonly string[] InstructionKeys = ["instruction", "question"];
    private static readonly string[] InputKeys = ["input", "context"];
    private static readonly string[] OutputKeys = ["output", "response", "answer"];
    private static readonly string[] SystemKeys = ["system", "system_prompt"];

    public static readonly string[] RecordKeys = [.. InstructionKeys, .. InputKeys, .. OutputKeys, .. SystemKeys, "history", "category"];

    public const string Needs = "instruction (or question) and output (or response, answer)";

    /// <summary>
    /// True for a record of this shape: an instruction, or a question with its response or answer (a bare
    /// question is no training example and is left to the other shapes).
    /// </summary>
    public static bool Fits(JsonElement record) =>
        record.TryGetProperty("instruction", out _)
        || (record.TryGetProperty("question", out _) && (record.TryGetProperty("response", out _) || record.TryGetProperty("answer", out _)));

    /// <summary>The key this shape cannot do without, when the record lacks it.</summary>
    public static string? MissingKey(JsonElement record) =>
        !Gives(record, InstructionKeys) ? "instruction"
        : !Gives(record, OutputKeys) ? "output"
        : null;

    public static ExampleContent? Map(JsonElement record, RecordIssues issues)
    {
        var system = ReadOne(record, SystemKeys, issues);
        var instruction = ReadOne(record, InstructionKeys, issues);
        var input = ReadOne(record, InputKeys, issues);
        var output = ReadOne(record, OutputKeys, issues);
        var history = ReadHistory(record, issues);
        if (instruction is null || output is null || history is null)
        {
            return null;
        }

        var user = Ask(instruction.Value.Text, input?.Text);
        var systemText = system?.Text;
        List<MessageContent> messages = string.IsNullOrWhiteSpace(systemText) ? [] : [new MessageContent(MessageRole.System, systemText)];
        messages.AddRange(history);
        messages.Add(new MessageContent(MessageRole.User, user));
        var answer = new MessageContent(MessageRole.Assistant, output.Value.Text);
        if (!CheckAssistant(answer, output.Value.Key, issues))
        {
            return null;
        }

        messages.Add(answer);
        return new ExampleContent(messages);
    }

    /// <summary>The user's turn: the instruction, then its input after a blank line when there is one (CSV imports too).</summary>
    public static string Ask(string? instruction, string? input) =>
        string.IsNullOrWhiteSpace(input) ? instruction ?? "" : instruction + "\n\n" + input;

    /// <summary>Dolly's category (closed_qa, brainstorming...), which the example keeps as a tag.</summary>
    public static string? Category(JsonElement record, RecordIssues issues) =>
        ReadString(record, "category", "category", issues, required: false) is { } category && !string.IsNullOrWhiteSpace(category)
            ? category.Trim()
            : null;

    private static bool Gives(JsonElement record, string[] keys) =>
        keys.Any(k => record.TryGetProperty(k, out var v) && v.ValueKind != JsonValueKind.Null);

    /// <summary>The text of the one key of a group of synonyms the record gives (<see cref="TryGetOneOf"/>), and which it was.</summary>
    private static (string Key, string Text)? ReadOne(JsonElement record, string[] keys, RecordIssues issues) =>
        TryGetOneOf(record, keys, issues, out var key) && key is not null && ReadString(record, key, key, issues, required: false) is { } value
            ? (key, value)
            : null;

    /// <summary>LLaMA-Factory's history: earlier rounds as [instruction, answer] pairs, oldest first.</summary>
    private static List<MessageContent>? ReadHistory(JsonElement record, RecordIssues issues)
    {
        if (!record.TryGetProperty("history", out var history) || history.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (history.ValueKind != JsonValueKind.Array)
        {
            return issues.Fail<List<MessageContent>>("history", $"must be a list of [instruction, answer] pairs, found {Describe(history)}");
        }

        var before = issues.List.Count;
        var turns = new List<MessageContent>();
        var index = 0;
        foreach (var round in history.EnumerateArray())
        {
            var path = $"history[{index++}]";
            if (round.ValueKind != JsonValueKind.Array || round.GetArrayLength() != 2
                || round[0].ValueKind != JsonValueKind.String || round[1].ValueKind != JsonValueKind.String)
            {
                issues.Add(path, $"must be a pair of strings [instruction, answer], found {DescribeRound(round)}");
                continue;
            }

            var answer = new MessageContent(MessageRole.Assistant, round[1].GetString());
            if (CheckAssistant(answer, path + "[1]", issues))
            {
                turns.Add(new MessageContent(MessageRole.User, round[0].GetString()));
                turns.Add(answer);
            }
        }

        return issues.List.Count > before ? null : turns;
    }

    private static string DescribeRound(JsonElement round) => round.ValueKind != JsonValueKind.Array ? Describe(round)
        : round.GetArrayLength() == 2 ? "a pair that is not two strings"
        : $"a list of {round.GetArrayLength()} item(s)";
}
