using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Versions;

public sealed class TargetFitCheckerTests
{
    private const string Tools = """[{"type":"function","function":{"name":"lookup","parameters":{"type":"object"}}}]""";

    private static ExampleContent Chat(int i, string? tools = null) => new(
    [
        new(MessageRole.System, "Help the customer."),
        new(MessageRole.User, $"Question {i}"),
        new(MessageRole.Assistant, $"Answer {i}"),
    ], ToolsJson: tools);

    private static ExampleContent Pair(int i) => new(
        [new(MessageRole.User, $"Question {i}")], PreferredCompletion: $"Good {i}", RejectedCompletion: $"Bad {i}");

    [Theory]
    [InlineData(TrainingTargets.OpenAiChat, TargetCapabilities.Tools | TargetCapabilities.TurnWeights)]
    [InlineData(TrainingTargets.OpenAiDpo, TargetCapabilities.Tools | TargetCapabilities.PreferencePairs)]
    [InlineData(TrainingTargets.HfMessages, TargetCapabilities.Tools)]
    [InlineData(TrainingTargets.HfPromptCompletion, TargetCapabilities.None)]
    [InlineData(TrainingTargets.HfPreference, TargetCapabilities.PreferencePairs)]
    [InlineData(TrainingTargets.AxolotlChat, TargetCapabilities.Tools | TargetCapabilities.TurnWeights)]
    [InlineData(TrainingTargets.BedrockClaude, TargetCapabilities.None)]
    [InlineData(TrainingTargets.BedrockNova, TargetCapabilities.None)]
    public void Capabilities_EachTarget_DeclaresWhatItsWriterCarries(string key, TargetCapabilities beyondConversation)
    {
        TrainingTargets.Get(key).Capabilities.ShouldBe(TargetCapabilities.SystemTurn | TargetCapabilities.MultiTurn | beyondConversation);
    }

    [Fact]
    public void Check_ToolsToPromptCompletion_GivesOneErrorWithCountAndTheTargetsThatKeepThem()
    {
        var examples = Enumerable.Range(0, 265).Select(i => Chat(i, i < 172 ? Tools : null));

        var errors = TargetFitChecker.Check(examples, TrainingTargets.HfPromptCompletionProfile);

        var error = errors.ShouldHaveSingleItem();
        error.Field.ShouldBe("tools");
        error.Message.ShouldBe("172 examples have tool definitions, which hf-prompt-completion cannot carry; "
            + "openai-chat, hf-messages, axolotl-chat or vertex-gemini keep them, or cut with --drop-unsupported (\"Leave out what the target cannot carry\" on the page) to leave them out.");
    }

    [Fact]
    public void Check_ToolsWithDropUnsupported_GivesNoErrorAndCountsTheLoss()
    {
        var checker = new TargetFitChecker(TrainingTargets.HfPromptCompletionProfile);
        var writable = Enumerable.Range(0, 10).Select(i => checker.Add(Chat(i, i < 4 ? Tools : null), dropUnsupported: true)).ToList();

        writable.ShouldAllBe(w => w);
        checker.Errors(dropUnsupported: true).ShouldBeEmpty();
        checker.Lost.ShouldBe(new Dictionary<TargetCapabilities, int> { [TargetCapabilities.Tools] = 4 });
    }

    [Fact]
    public void Add_WithIds_ListsTheFirstFiveInTheMessage()
    {
        var checker = new TargetFitChecker(TrainingTargets.HfPreferenceProfile);
        for (var i = 1; i <= 7; i++)
        {
            checker.Add(Chat(i), dropUnsupported: false, exampleId: i * 10).ShouldBeFalse();
        }

        checker.Errors(false).ShouldHaveSingleItem().Message.ShouldStartWith("7 examples (ids 10, 20, 30, 40, 50, …) have no preference pair");
    }

    [Theory]
    [InlineData(TrainingTargets.OpenAiDpo)]
    [InlineData(TrainingTargets.HfPreference)]
    public void Check_ChatExamplesToPreferenceTarget_GivesOneShapeErrorEvenWithDrop(string key)
    {
        var examples = Enumerable.Range(0, 500).Select(i => Chat(i)).ToList();

        var refused = TargetFitChecker.Check(examples, TrainingTargets.Get(key));
        var dropped = TargetFitChecker.Check(examples, TrainingTargets.Get(key), dropUnsupported: true);

        refused.ShouldHaveSingleItem().Message.ShouldBe($"500 examples have no preference pair (a preferred and a rejected completion), which {key} needs on every example; "
            + "cut them to openai-chat, hf-messages, hf-prompt-completion, axolotl-chat, vertex-gemini, bedrock-claude or bedrock-nova instead, or add the pairs first.");
        dropped.ShouldHaveSingleItem().Field.ShouldBe("preference_pairs");
    }

    [Fact]
    public void Check_ChatExamplesWithToolsToPreferenceTarget_GivesOnlyTheShapeError_NotADropThatCouldNotHelp()
    {
        var examples = Enumerable.Range(0, 40).Select(i => Chat(i, i % 4 != 3 ? Tools : null));

        var errors = TargetFitChecker.Check(examples, TrainingTargets.HfPreferenceProfile);

        errors.ShouldHaveSingleItem().Field.ShouldBe("preference_pairs");
    }

    [Fact]
    public void Check_SomeExamplesWithoutPairAndSomeWithTools_GivesBothErrors()
    {
        var examples = Enumerable.Range(0, 10).Select(i => i < 5 ? Chat(i) : Pair(i) with { ToolsJson = Tools });

        var errors = TargetFitChecker.Check(examples, TrainingTargets.HfPreferenceProfile);

        errors.Select(e => e.Field).ShouldBe(["preference_pairs", "tools"]);
    }

    [Fact]
    public void Check_PreferencePairsToChatTarget_GivesOneErrorNamingThePreferenceTargets()
    {
        var errors = TargetFitChecker.Check(Enumerable.Range(0, 30).Select(Pair), TrainingTargets.HfMessagesProfile);

        errors.ShouldHaveSingleItem().Message.ShouldBe("30 examples have preference pairs (a preferred and a rejected completion), which hf-messages cannot carry; "
            + "openai-dpo or hf-preference keep them, or cut with --drop-unsupported (\"Leave out what the target cannot carry\" on the page) to keep only the preferred completion.");
    }

    [Fact]
    public void Drop_PreferencePairForChatTarget_KeepsThePreferredCompletionAsTheAnswer()
    {
        var checker = new TargetFitChecker(TrainingTargets.OpenAiChatProfile);

        var dropped = checker.Drop(Pair(1));

        dropped.PreferredCompletion.ShouldBeNull();
        dropped.RejectedCompletion.ShouldBeNull();
        dropped.Messages.Select(m => (m.Role, m.Content)).ShouldBe([(MessageRole.User, "Question 1"), (MessageRole.Assistant, "Good 1")]);
    }

    [Fact]
    public void Drop_ForPromptCompletion_WritesTheSameBytesTheWriterWroteBefore()
    {
        var writer = new JsonlExampleWriter(TrainingTargets.HfPromptCompletionProfile);
        var checker = new TargetFitChecker(TrainingTargets.HfPromptCompletionProfile);
        var withTools = Chat(1, Tools);

        writer.ToLine(checker.Drop(withTools)).ShouldBe(writer.ToLine(withTools));
        writer.ToLine(checker.Drop(Pair(2))).ShouldBe(writer.ToLine(Pair(2)));
    }

    [Fact]
    public void Check_WeightZeroTurnToHfMessages_IsLostButOpenAiAndAxolotlKeepIt()
    {
        var weighted = new ExampleContent(
        [
            new(MessageRole.User, "Hi"), new(MessageRole.Assistant, "Wrong", Weight: 0), new(MessageRole.User, "Again"), new(MessageRole.Assistant, "Right", Weight: 1),
        ]);

        TargetFitChecker.Check([weighted], TrainingTargets.HfMessagesProfile).ShouldHaveSingleItem().Field.ShouldBe("turn_weights");
        TargetFitChecker.Check([weighted], TrainingTargets.OpenAiChatProfile).ShouldBeEmpty();
        TargetFitChecker.Check([weighted], TrainingTargets.AxolotlChatProfile).ShouldBeEmpty();
        // Prompt / completion trains only the last answer, which is what weight 0 then 1 asks for.
        TargetFitChecker.Check([weighted], TrainingTargets.HfPromptCompletionProfile).ShouldBeEmpty();
    }

    [Fact]
    public void Check_WeightOneOnAPromptTurnForPromptCompletion_IsLost()
    {
        var weighted = new ExampleContent(
            [new(MessageRole.User, "Hi"), new(MessageRole.Assistant, "First", Weight: 1), new(MessageRole.User, "Again"), new(MessageRole.Assistant, "Second")]);

        TargetFitChecker.Check([weighted], TrainingTargets.HfPromptCompletionProfile).ShouldHaveSingleItem().Field.ShouldBe("turn_weights");
    }

    [Fact]
    public void Check_ExampleWithoutFinalAnswerToPromptCompletion_GivesOneMessageForAll()
    {
        var open = Enumerable.Range(0, 40).Select(i => new ExampleContent([new(MessageRole.User, $"Nobody answered {i}")]));

        var error = TargetFitChecker.Check(open, TrainingTargets.HfPromptCompletionProfile).ShouldHaveSingleItem();

        error.Field.ShouldBe("completion");
        error.Message.ShouldStartWith("40 examples do not end with an assistant answer after a prompt");
    }

    [Fact]
    public void Check_TargetWithoutSystemOrMultiTurn_CountsBothAndDropKeepsTheLastExchange()
    {
        var bare = TrainingTargets.HfMessagesProfile with { Capabilities = TargetCapabilities.None };
        var example = new ExampleContent(
            [new(MessageRole.System, "Be brief."), new(MessageRole.User, "A"), new(MessageRole.Assistant, "1"), new(MessageRole.User, "B"), new(MessageRole.Assistant, "2")]);
        var checker = new TargetFitChecker(bare);

        checker.Add(example, dropUnsupported: false).ShouldBeFalse();

        checker.Errors(false).Select(e => e.Field).ShouldBe(["system_turn", "multi_turn"]);
        checker.Drop(example).Messages.Select(m => m.Content).ShouldBe(["B", "2"]);
    }

    [Theory]
    [InlineData(TrainingTargets.OpenAiChat)]
    [InlineData(TrainingTargets.HfMessages)]
    [InlineData(TrainingTargets.HfPromptCompletion)]
    [InlineData(TrainingTargets.AxolotlChat)]
    public void Check_PlainChatToAnyChatTarget_GivesNoError(string key)
    {
        TargetFitChecker.Check(Enumerable.Range(0, 20).Select(i => Chat(i)), TrainingTargets.Get(key)).ShouldBeEmpty();
    }

    [Fact]
    public void DropDuplicateCounter_TwoExamplesDifferingOnlyInTools_CountsBoth()
    {
        var writer = new JsonlExampleWriter(TrainingTargets.HfPromptCompletionProfile);
        var checker = new TargetFitChecker(TrainingTargets.HfPromptCompletionProfile);
        var counter = new DropDuplicateCounter();
        foreach (var example in new[] { Chat(1, Tools), Chat(1), Chat(2, Tools), Chat(3) })
        {
            var dropped = checker.Drop(example);
            counter.Add(writer.ToLine(dropped), example.ComputeHash(), !ReferenceEquals(dropped, example));
        }

        counter.Count.ShouldBe(2);
    }
}
