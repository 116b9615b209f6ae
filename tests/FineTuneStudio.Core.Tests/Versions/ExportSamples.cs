using System.Runtime.CompilerServices;
using System.Text;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Versions;

/// <summary>The small hand-checked example set behind the golden files, and helpers to validate text.</summary>
internal static class ExportSamples
{
    public static ExampleContent SimpleChat { get; } = new(
    [
        new(MessageRole.System, "You label support tickets by urgency."),
        new(MessageRole.User, "My invoice is wrong."),
        new(MessageRole.Assistant, "low"),
    ]);

    public static ExampleContent ToolCall { get; } = new(
    [
        new(MessageRole.User, "What is the weather in Oslo?"),
        // Stored with spaces and a line break on purpose: the writer must embed it compactly.
        new(MessageRole.Assistant, null, ToolCallsJson: "[{\"id\": \"call_1\", \"type\": \"function\",\n \"function\": {\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\":\\\"Oslo\\\"}\"}}]"),
        new(MessageRole.Tool, "{\"temp_c\":4}", ToolCallId: "call_1"),
        new(MessageRole.Assistant, "It is 4 °C in Oslo."),
    ],
    // Stored indented on purpose too: targets with a place for tool definitions write them compactly after the messages.
    ToolsJson: "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Current weather for a city\",\n \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}]");

    public static ExampleContent WeightedTurn { get; } = new(
    [
        new(MessageRole.System, "You are a friendly greeter."),
        new(MessageRole.User, "Hi"),
        new(MessageRole.Assistant, "Hello!", Weight: 0),
        new(MessageRole.User, "Say it in French."),
        new(MessageRole.Assistant, "Bonjour !", Weight: 1),
    ]);

    public static ExampleContent PreferencePair { get; } = new(
        [
            new(MessageRole.System, "You write one-line summaries."),
            new(MessageRole.User, "Summarise: The meeting moved to Friday."),
        ],
        PreferredCompletion: "The meeting is now on Friday.",
        RejectedCompletion: "Meetings are important.");

    public static IReadOnlyList<ExampleContent> ChatSet { get; } = [SimpleChat, ToolCall, WeightedTurn];

    /// <summary>Bedrock's lines hold no tool calls, so its set leaves that example out.</summary>
    public static IReadOnlyList<ExampleContent> SetFor(TrainingTargetProfile target) =>
        target.IsPreference ? [PreferencePair] : target.NeedsAlternatingText ? [SimpleChat, WeightedTurn] : ChatSet;

    public static string GoldenPath(string fileName, [CallerFilePath] string sourceFile = "")
    {
        // Prefer the copy in the test output; fall back to the source tree while the project does not copy it.
        var output = Path.Combine(AppContext.BaseDirectory, "Versions", "Golden", fileName);
        return File.Exists(output) ? output : Path.Combine(Path.GetDirectoryName(sourceFile)!, "Golden", fileName);
    }

    public static Task<ValidationReport> ValidateAsync(TrainingTargetProfile target, string jsonl, int minimumExamples = 1) =>
        ValidateBytesAsync(target, Encoding.UTF8.GetBytes(jsonl), minimumExamples);

    public static async Task<ValidationReport> ValidateBytesAsync(TrainingTargetProfile target, byte[] bytes, int minimumExamples = 1)
    {
        using var stream = new MemoryStream(bytes);
        return await new JsonlValidator(target with { MinimumExamples = minimumExamples }).ValidateAsync(stream);
    }
}
