using FineTuneStudio.Core.Readiness;

namespace FineTuneStudio.Core.Tests.Readiness;

public class ReadinessAnswerValidatorTests
{
    private readonly ReadinessAnswerValidator _validator = new();

    [Fact]
    public void Validate_CompleteValidAnswers_NoErrors()
    {
        _validator.Validate(ReadinessAnswerSets.Ready()).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""{}""")]
    [InlineData("""{"simpler.prompting": null}""")]
    [InlineData("""{"task.nature": []}""")]
    [InlineData("""{"data.high_quality_examples": 0}""")]
    [InlineData("""{"data.high_quality_examples": 10000000}""")]
    [InlineData("""{"data.minutes_per_example": 2.5}""")]
    [InlineData("""{"simpler.evidence_links": ""}""")]
    public void Validate_MissingOrBoundaryAnswers_NoErrors(string json)
    {
        _validator.Validate(ReadinessAnswerSets.Parse(json)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("""{"nope.question": "x"}""", "nope.question", "no question")]
    [InlineData("""{"simpler.prompting": 3}""", "simpler.prompting", "one option id")]
    [InlineData("""{"simpler.prompting": "maybe"}""", "simpler.prompting", "'maybe' is not an option")]
    [InlineData("""{"task.nature": "output_format"}""", "task.nature", "array")]
    [InlineData("""{"task.nature": ["output_format", "bogus"]}""", "task.nature", "'bogus' is not an option")]
    [InlineData("""{"task.nature": ["output_format", 1]}""", "task.nature", "option id string")]
    [InlineData("""{"task.nature": ["general", "general"]}""", "task.nature", "twice")]
    [InlineData("""{"data.high_quality_examples": -1}""", "data.high_quality_examples", "from 0 to 10000000")]
    [InlineData("""{"data.high_quality_examples": 10000001}""", "data.high_quality_examples", "from 0 to 10000000")]
    [InlineData("""{"data.high_quality_examples": "NaN"}""", "data.high_quality_examples", "NaN")]
    [InlineData("""{"business.requests_per_day": "Infinity"}""", "business.requests_per_day", "NaN or infinity")]
    [InlineData("""{"data.high_quality_examples": "12"}""", "data.high_quality_examples", "Expected a number")]
    [InlineData("""{"data.high_quality_examples": true}""", "data.high_quality_examples", "Expected a number")]
    [InlineData("""{"simpler.evidence_links": 5}""", "simpler.evidence_links", "text")]
    public void Validate_BadAnswer_ErrorNamesTheQuestion(string json, string field, string messagePart)
    {
        var errors = _validator.Validate(ReadinessAnswerSets.Parse(json));

        var error = errors.ShouldHaveSingleItem();
        error.Field.ShouldBe(field);
        error.Message.ShouldContain(messagePart);
    }

    [Fact]
    public void Validate_TooLongText_Error()
    {
        var json = $$"""{"simpler.evidence_links": "{{new string('a', ReadinessQuestion.MaxTextLength + 1)}}"}""";

        _validator.Validate(ReadinessAnswerSets.Parse(json)).ShouldHaveSingleItem().Field.ShouldBe("simpler.evidence_links");
    }

    [Fact]
    public void Validate_SeveralBadAnswers_OneErrorEach()
    {
        var errors = _validator.Validate(ReadinessAnswerSets.Ready().With(
            """{"simpler.prompting": "maybe", "owner.monitoring": 1, "made.up": 2}"""));

        errors.Select(e => e.Field).ShouldBe(["made.up", "owner.monitoring", "simpler.prompting"]);
    }

    [Fact]
    public void EnsureValid_BadAnswer_ThrowsValidationExceptionWithTheField()
    {
        var ex = Should.Throw<StudioValidationException>(() =>
            _validator.EnsureValid(ReadinessAnswerSets.Parse("""{"simpler.rag": "sometimes"}""")));

        ex.Errors.ShouldHaveSingleItem().Field.ShouldBe("simpler.rag");
    }
}
