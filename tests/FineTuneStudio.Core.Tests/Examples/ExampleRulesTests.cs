using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Examples;

public sealed class ExampleRulesTests
{
    [Fact]
    public void Validate_TrimsAndDeduplicatesTags()
    {
        var valid = ExampleValidator.Validate(new ExampleInput([new MessageContent(MessageRole.User, "hi")], Tags: [" vip ", "VIP", "", "billing"]), TaskKind.Chat, []);
        valid.Tags.ShouldBe(["vip", "billing"]);
    }

    [Theory]
    [InlineData("[{\"id\":\"c1\",\"type\":\"function\"}]", null)]
    [InlineData("{\"id\":\"c1\"}", "must be a JSON array, e.g. [{...}]")]
    [InlineData("[{\"id\":", "is not valid JSON (line 1, position 8)")]
    public void JsonArrayProblem_ExplainsWhatIsWrong(string json, string? expected) =>
        ExampleValidator.JsonArrayProblem(json).ShouldBe(expected);

    [Fact]
    public void Validate_SystemPromptOnlyFirst_ToolTurnNeedsText_PreferenceNeedsBothOnSubmit()
    {
        var input = new ExampleInput(
            [new MessageContent(MessageRole.User, "hi"), new MessageContent(MessageRole.System, "late"), new MessageContent(MessageRole.Tool, " ")],
            PreferredCompletion: "yes", Submit: true);
        var error = Should.Throw<StudioValidationException>(() => ExampleValidator.Validate(input, TaskKind.Preference, []));
        error.Errors.Select(e => e.ToString()).ShouldBe([
            "messages[2].role: a system prompt may only be the first message",
            "messages[3].content: a tool turn needs text",
            "preferredCompletion: a preference example needs a chosen and a rejected completion before it is submitted",
        ]);
    }

    [Fact]
    public void Validate_EveryAnswerWeightZero_SavesAsDraftButIsNotSubmitted()
    {
        var masked = new ExampleInput([new MessageContent(MessageRole.User, "hi"), new MessageContent(MessageRole.Assistant, "hello", Weight: 0)]);

        ExampleValidator.Validate(masked, TaskKind.Chat, []).ShouldNotBeNull();
        var error = Should.Throw<StudioValidationException>(() => ExampleValidator.Validate(masked with { Submit = true }, TaskKind.Chat, [])).Errors.Single();
        (error.Field, error.Message).ShouldBe(("messages", "every assistant turn has weight 0, so nothing would be learned"));
    }

    [Fact]
    public void Agreement_DifferentLabelsOrRatingsTwoApartDisagree()
    {
        AnnotationAgreement.Disagree([("high", 3), ("high", 4)]).ShouldBeFalse();
        AnnotationAgreement.Disagree([("high", 2), ("high", 4)]).ShouldBeTrue();
        AnnotationAgreement.Disagree([("high", null), ("low", null)]).ShouldBeTrue();
        AnnotationAgreement.Consensus([("high", null), (null, 3), ("high", 1)]).ShouldBe("high");
    }

    [Fact]
    public void GuidelinesRenderer_RendersMarkdownAndDropsScriptsAndRawHtml()
    {
        var html = GuidelinesRenderer.ToHtml("# Rules\n\n**Critical** means outage.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1))");
        html.ShouldContain("Rules</h3>");
        html.ShouldNotContain("<h1");
        html.ShouldContain("<strong>Critical</strong>");
        html.ShouldNotContain("<script");
        html.ShouldNotContain("javascript:");
    }

    [Fact]
    public void ExampleTokens_TotalIsMessagesPlusReplyPrimer()
    {
        // "hello" is one o200k token: 3 (envelope) + 1 ("user") + 1 ("hello") = 5 per message; 5 + 3 = 8 in total.
        var (perMessage, total) = ExampleTokens.Count([new MessageContent(MessageRole.User, "hello")]);
        perMessage.ShouldBe([5]);
        total.ShouldBe(8);
    }
}
