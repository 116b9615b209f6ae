using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Versions;

/// <summary>
/// Every target: examples holding what the target carries are written, validated and imported again
/// (<see cref="ImportFormat.Auto"/>), and the same examples come back.
/// </summary>
public sealed class ExportRoundTripTests
{
    private const string Calls = """[{"id":"call_1","type":"function","function":{"name":"lookup_order","arguments":"{\"id\":7}"}}]""";
    private const string Tools = """[{"type":"function","function":{"name":"lookup_order","parameters":{"type":"object","properties":{"id":{"type":"integer"}}}}}]""";

    private static readonly MessageContent SystemTurn = new(MessageRole.System, "You help with orders.");

    private static readonly ExampleContent Single = new([SystemTurn, new(MessageRole.User, "Where is order 7?", Name: "ann"), new(MessageRole.Assistant, "It shipped.")]);

    private static readonly ExampleContent MultiTurn = new(
    [
        SystemTurn, new(MessageRole.User, "Hi"), new(MessageRole.Assistant, "Hello, how can I help?"),
        new(MessageRole.User, "Cancel order 9"), new(MessageRole.Assistant, "Order 9 is cancelled."),
    ]);

    private static readonly ExampleContent ToolCalls = new(
    [
        SystemTurn, new(MessageRole.User, "Where is order 7?"), new(MessageRole.Assistant, null, ToolCallsJson: Calls),
        new(MessageRole.Tool, "shipped", ToolCallId: "call_1"), new(MessageRole.Assistant, "It shipped yesterday."),
    ]);

    private static readonly ExampleContent WithTools = ToolCalls with { ToolsJson = Tools };

    private static readonly ExampleContent Weighted = new(
    [
        SystemTurn, new(MessageRole.User, "Refund?"), new(MessageRole.Assistant, "No.", Weight: 0),
        new(MessageRole.User, "Please check again."), new(MessageRole.Assistant, "You are right: refunded.", Weight: 1),
    ]);

    private static readonly ExampleContent Pair = new(
        [SystemTurn, new(MessageRole.User, "Write a haiku about shipping.")], PreferredCompletion: "Boxes cross the sea", RejectedCompletion: "no");

    private static readonly ExampleContent MultiTurnPair = new(
        [new(MessageRole.User, "Hi"), new(MessageRole.Assistant, "Hello!"), new(MessageRole.User, "Summarise order 7.")],
        PreferredCompletion: "Order 7: one lamp, shipped.", RejectedCompletion: "I cannot.");

    /// <summary>What each target carries: system turns and multi-turn everywhere, tools and weights where the catalog says so.</summary>
    private static IReadOnlyList<ExampleContent> CarriedBy(string target) => target switch
    {
        TrainingTargets.OpenAiChat or TrainingTargets.AxolotlChat => [Single, MultiTurn, WithTools, Weighted],
        TrainingTargets.HfMessages => [Single, MultiTurn, WithTools],
        // Tool calls and tool answers travel in the message lists; tool definitions do not.
        TrainingTargets.HfPromptCompletion => [Single, MultiTurn, ToolCalls],
        TrainingTargets.OpenAiDpo or TrainingTargets.HfPreference => [Pair, MultiTurnPair],
        _ => throw new ArgumentOutOfRangeException(nameof(target)),
    };

    [Theory]
    [InlineData(TrainingTargets.OpenAiChat, 4)]
    [InlineData(TrainingTargets.HfMessages, 3)]
    [InlineData(TrainingTargets.HfPromptCompletion, 3)]
    [InlineData(TrainingTargets.OpenAiDpo, 2)]
    [InlineData(TrainingTargets.HfPreference, 2)]
    public async Task WriteThenImport_EveryTarget_GivesTheSameExamplesBack(string key, int count)
    {
        await AssertRoundTripAsync(key, CarriedBy(key), count);
    }

    [Fact]
    public async Task WriteThenImport_AxolotlChat_GivesTheSameExamplesBack()
    {
        await AssertRoundTripAsync(TrainingTargets.AxolotlChat, CarriedBy(TrainingTargets.AxolotlChat), 4);
    }

    [Fact]
    public async Task WriteThenImport_OpenAiDpoWithTools_GivesTheToolsBack()
    {
        await AssertRoundTripAsync(TrainingTargets.OpenAiDpo, [Pair with { ToolsJson = Tools }], 1);
    }

    private static async Task AssertRoundTripAsync(string key, IReadOnlyList<ExampleContent> examples, int count)
    {
        var target = TrainingTargets.Get(key);
        TargetFitChecker.Check(examples, target).ShouldBeEmpty("the examples hold only what the target carries");
        using var file = new MemoryStream();
        new JsonlExampleWriter(target).Write(examples, file).ShouldBe(count);

        file.Position = 0;
        var report = await new JsonlValidator(target with { MinimumExamples = 1 }).ValidateAsync(file);
        report.Errors.ShouldBeEmpty();

        file.Position = 0;
        var rows = new List<ImportRow>();
        await foreach (var row in new JsonExampleParser().ParseAsync(file, ImportFormat.Auto, CancellationToken.None))
        {
            rows.Add(row);
        }

        rows.Count.ShouldBe(count);
        for (var i = 0; i < count; i++)
        {
            rows[i].Errors.ShouldBeEmpty();
            Comparable(rows[i].Content!, target).ShouldBe(Comparable(examples[i], target), $"{key} example {i + 1}");
        }
    }

    /// <summary>The parts of an example a target's file holds, as text, so differences show in the assertion message.</summary>
    private static string Comparable(ExampleContent example, TrainingTargetProfile target)
    {
        var messages = example.Messages.Select(m =>
        {
            var weight = target.WeightSupport switch
            {
                WeightSupport.WeightZeroOrOne => m.Weight?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",
                WeightSupport.TrainFlag => m.Role == MessageRole.Assistant && m.Weight != 0 ? "trained" : "context",
                _ => "-",
            };
            return $"{m.Role}|{m.Content}|{m.Name}|{m.ToolCallsJson}|{m.ToolCallId}|{weight}";
        });
        return string.Join("\n", messages) + $"\npreferred: {example.PreferredCompletion}\nrejected: {example.RejectedCompletion}\ntools: {example.ToolsJson}";
    }
}
