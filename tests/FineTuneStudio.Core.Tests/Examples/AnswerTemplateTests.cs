using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Core.Tests.Examples;

public sealed class AnswerTemplateTests
{
    private static readonly IReadOnlyDictionary<string, string> NoAnswers = new Dictionary<string, string>();

    private static ExampleContent Ticket(string? label, params MessageContent[] more) =>
        new([new MessageContent(MessageRole.User, "The checkout page is down"), .. more], label);

    [Theory]
    [InlineData(AnswerStyle.Label, "", "urgent")]
    [InlineData(AnswerStyle.Template, "Urgency: {label}.", "Urgency: urgent.")]
    [InlineData(AnswerStyle.Json, "", """{"label":"urgent"}""")]
    [InlineData(AnswerStyle.Json, "urgency", """{"urgency":"urgent"}""")]
    public void Render_EachStyle_GivesTheAnswerTheModelLearns(AnswerStyle style, string text, string expected) =>
        new AnswerTemplate(style, text, NoAnswers).Render("urgent").ShouldBe(expected);

    [Fact]
    public void Render_JsonWithQuotesAndNonAscii_IsValidJsonKeepingTheText() =>
        new AnswerTemplate(AnswerStyle.Json, "", NoAnswers).Render("say \"hi\" — ok").ShouldBe("""{"label":"say \"hi\" — ok"}""");

    [Fact]
    public void Render_PerLabel_UsesTheWrittenAnswer()
    {
        var template = new AnswerTemplate(AnswerStyle.PerLabel, "", new Dictionary<string, string> { ["urgent"] = "Page the on-call engineer." });

        template.Render("urgent").ShouldBe("Page the on-call engineer.");
    }

    [Fact]
    public void Complete_LabelWithoutAnswer_AddsTheRenderedAnswerAsTheLastTurn()
    {
        var completed = new AnswerTemplate(AnswerStyle.Template, "Urgency: {label}", NoAnswers).Complete(Ticket("urgent"));

        completed.Messages.Count.ShouldBe(2);
        completed.Messages[1].ShouldBe(new MessageContent(MessageRole.Assistant, "Urgency: urgent"));
        completed.Label.ShouldBe("urgent");
    }

    [Fact]
    public void Complete_ExampleThatAnswersAlready_IsUnchanged()
    {
        var answered = Ticket("urgent", new MessageContent(MessageRole.Assistant, "Escalating now."));

        AnswerTemplate.LabelText.Complete(answered).ShouldBeSameAs(answered);
    }

    [Fact]
    public void Complete_NoLabelOrPreferencePair_IsUnchanged()
    {
        var unlabelled = Ticket(null);
        var pair = Ticket("urgent") with { PreferredCompletion = "a", RejectedCompletion = "b" };

        AnswerTemplate.LabelText.Complete(unlabelled).ShouldBeSameAs(unlabelled);
        AnswerTemplate.LabelText.Complete(pair).ShouldBeSameAs(pair);
    }

    [Fact]
    public void Check_PerLabelWithMissingAndUnknownAnswers_NamesBoth()
    {
        var errors = AnswerTemplate.Check(AnswerStyle.PerLabel, null, new Dictionary<string, string> { ["a"] = "x", ["zzz"] = "y" }, ["a", "b", "c"]);

        errors.Select(e => e.Message).ShouldBe(["2 label(s) have no answer text: b, c", "answers for labels the dataset does not have: zzz"]);
    }

    [Fact]
    public void Check_ManyMissing_ListsTenAndSaysHowManyMore()
    {
        var labels = Enumerable.Range(0, 25).Select(i => $"l{i}").ToList();

        var error = AnswerTemplate.Check(AnswerStyle.PerLabel, null, null, labels).Single();

        error.Message.ShouldBe("25 label(s) have no answer text: l0, l1, l2, l3, l4, l5, l6, l7, l8, l9 and 15 more");
    }
}
