using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Versions;

public class TrainableTokenPreviewTests
{
    // Every content is "hello world" (2 tokens) or "hello" (1 token) so the sums can be checked by hand.
    private static readonly ExampleContent Weighted = new(
    [
        new(MessageRole.System, "hello"),
        new(MessageRole.User, "hello world"),
        new(MessageRole.Assistant, "hello world", Weight: 0),
        new(MessageRole.User, "hello"),
        new(MessageRole.Assistant, "hello world", Weight: 1),
    ]);

    [Fact]
    public void Preview_OpenAiChat_TrainsOnlyWeightOneAssistantTurns()
    {
        var preview = TrainableTokenPreview.Preview(Weighted, TrainingTargets.OpenAiChatProfile);

        preview.Segments.Select(s => s.Trained).ShouldBe([false, false, false, false, true]);
        preview.TrainedTokens.ShouldBe(2);
        // 1 + 2 + 2 + 1 = 6 masked.
        preview.MaskedTokens.ShouldBe(6);
    }

    [Fact]
    public void Preview_Axolotl_FollowsTheSameTrainFlags()
    {
        var preview = TrainableTokenPreview.Preview(Weighted, TrainingTargets.AxolotlChatProfile);

        preview.Segments.Select(s => s.Trained).ShouldBe([false, false, false, false, true]);
    }

    [Fact]
    public void Preview_HfPromptCompletion_TrainsOnlyTheCompletion()
    {
        var preview = TrainableTokenPreview.Preview(Weighted, TrainingTargets.HfPromptCompletionProfile);

        preview.Segments.Select(s => s.Trained).ShouldBe([false, false, false, false, true]);
        preview.Segments[2].Reason.ShouldStartWith("Prompt");
    }

    [Fact]
    public void Preview_HfMessages_TrainsWholeConversationByDefault()
    {
        var preview = TrainableTokenPreview.Preview(Weighted, TrainingTargets.HfMessagesProfile);

        preview.TrainedTokens.ShouldBe(8);
        preview.MaskedTokens.ShouldBe(0);
    }

    [Fact]
    public void Preview_Preference_MasksPromptAndShowsBothCompletions()
    {
        var example = new ExampleContent([new(MessageRole.User, "hello world")], PreferredCompletion: "hello", RejectedCompletion: "hello world");

        var preview = TrainableTokenPreview.Preview(example, TrainingTargets.OpenAiDpoProfile);

        preview.Segments.Select(s => (s.MessageIndex, s.Trained, s.Tokens))
            .ShouldBe([(0, false, 2), (TrainableTokenPreview.PreferredIndex, true, 1), (TrainableTokenPreview.RejectedIndex, true, 2)]);
    }
}
