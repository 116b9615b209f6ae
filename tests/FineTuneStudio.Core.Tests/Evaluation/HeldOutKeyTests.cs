using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;

namespace FineTuneStudio.Core.Tests.Evaluation;

public sealed class HeldOutKeyTests
{
    private static readonly MessageContent[] Example =
    [
        new(MessageRole.System, "Label the ticket's urgency."),
        new(MessageRole.User, "The site is down"),
        new(MessageRole.Assistant, "Which page?"),
        new(MessageRole.User, "All of them"),
        new(MessageRole.Assistant, "high"),
    ];

    [Theory]
    // The item's input is the example's turns before its last answer, with or without a system prompt, spaced differently.
    [InlineData("""[{"role":"system","content":"Classify."},{"role":"user","content":"The site is down"},{"role":"assistant","content":"Which page?"},{"role":"user","content":"All of them"}]""", true)]
    [InlineData("""[{"role":"user","content":"  The site  is down"},{"role":"assistant","content":"Which page?"},{"role":"user","content":"All of them "}]""", true)]
    // A different turn, a missing turn or a role that differs is another conversation.
    [InlineData("""[{"role":"user","content":"The site is down"}]""", false)]
    [InlineData("""[{"role":"user","content":"The site is down"},{"role":"user","content":"Which page?"},{"role":"user","content":"All of them"}]""", false)]
    [InlineData("""[{"role":"user","content":"the site is down"},{"role":"assistant","content":"Which page?"},{"role":"user","content":"All of them"}]""", false)]
    public void ItemAskingTheExamplesConversation_HasTheExamplesKey(string inputJson, bool same) =>
        (HeldOutKey.OfItem(inputJson) == HeldOutKey.OfExample(Example)).ShouldBe(same);

    [Fact]
    public void ExampleWithoutAnAnswer_IsKeyedByAllItsTurns_AndAnItemAskingNothing_HasNoKey()
    {
        // A classification example whose label is its answer: the user's text alone.
        HeldOutKey.OfExample([new(MessageRole.User, "Printer jam")]).ShouldBe(HeldOutKey.OfItem("""[{"role":"user","content":"Printer jam"}]"""));
        HeldOutKey.OfItem("[]").ShouldBeNull();
        HeldOutKey.OfItem("""[{"role":"system","content":"Classify."}]""").ShouldBeNull();
    }
}
