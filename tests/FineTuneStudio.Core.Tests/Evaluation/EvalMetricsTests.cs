using FineTuneStudio.Core.Evaluation;

namespace FineTuneStudio.Core.Tests.Evaluation;

public sealed class EvalMetricsTests
{
    [Theory]
    [InlineData("  Critical.\n", "critical")]
    [InlineData("Hello,   WORLD!", "hello world")]
    [InlineData("\"low\"", "low")]
    public void Normalise_DropsCaseSpacingAndPunctuation(string input, string expected) =>
        EvalMetrics.Normalise(input).ShouldBe(expected);

    [Fact]
    public void PassFailMetrics_ScoreAsDefined()
    {
        EvalMetrics.IsExact("High", "high").ShouldBeFalse();
        EvalMetrics.IsNormalisedMatch("High.", "high").ShouldBeTrue();
        EvalMetrics.ContainsExpected("The urgency is HIGH, act today", "high").ShouldBeTrue();
        EvalMetrics.MatchesPattern("order #12345", @"#\d{5}\b").ShouldBeTrue();
        EvalMetrics.MatchesPattern("anything", "(unclosed").ShouldBeFalse();
        EvalMetrics.IsValidJson("{\"a\":1}").ShouldBeTrue();
        EvalMetrics.IsValidJson("```json\n{\"a\":1}\n```").ShouldBeFalse();
        EvalMetrics.RatioOfLength("abcdef", "abc").ShouldBe(2);
        EvalMetrics.RatioOfLength("abc", "").ShouldBeNull();
    }

    [Theory]
    // GSM8K's answer line after "####" against a model's worked reply, whose last number is its conclusion.
    [InlineData("Natalia sold 48 / 2 = 24 clips in May, so 48 + 24 = 72 in all.", "48/2 = <<48/2=24>>24\n48+24 = <<48+24=72>>72\n#### 72", true)]
    [InlineData("She earns $1,200.00 a month.", "#### 1200", true)]
    [InlineData("The answer is 1,200", "1200", true)]
    [InlineData("So it is -4 degrees.", "#### -4", true)]
    [InlineData("Between 5-3 and 4 the answer is 5-3", "#### 3", true)]
    [InlineData("Work: 10 - 2 = 8\n#### 8", "#### 8.0", true)]
    [InlineData("72 clips, then 10 more", "#### 72", false)]
    [InlineData("It is 72.5", "#### 72", false)]
    [InlineData("no number here", "#### 0", false)]
    [InlineData("0", "no number here", false)]
    [InlineData("", "#### 1", false)]
    public void FinalNumber_ComparesTheLastNumberWithTheAnswerLine(string output, string expected, bool same) =>
        EvalMetrics.HasSameFinalNumber(output, expected).ShouldBe(same);

    [Fact]
    public void ParseList_FinalAnswerAliases_AreTheFinalNumberMetric() =>
        EvalMetrics.ParseList("final, final_answer, final-number").ShouldBe(["final-number"]);

    [Fact]
    public async Task SchemaErrors_MissingRequiredField_IsReported()
    {
        var schema = await NJsonSchema.JsonSchema.FromJsonAsync("""{"type":"object","required":["urgency"],"properties":{"urgency":{"type":"string"}}}""");

        EvalMetrics.SchemaErrors("""{"urgency":"high"}""", schema).ShouldBeEmpty();
        EvalMetrics.SchemaErrors("""{"other":1}""", schema)!.Count.ShouldBe(1);
        EvalMetrics.SchemaErrors("not json", schema).ShouldBeNull();
    }

    [Fact]
    public void ParseList_UnknownMetric_NamesIt()
    {
        EvalMetrics.ParseList("Exact, normalized,json").ShouldBe(["exact", "normalised", "json-valid"]);
        var error = Should.Throw<StudioValidationException>(() => EvalMetrics.ParseList("exact,bleu"));
        error.Message.ShouldContain("bleu");
    }

    [Fact]
    public async Task Scorer_LabelledSet_AggregatesAndCountsMissingOutputsAsFailed()
    {
        ScoringItem[] items =
        [
            new("1", "high", "high", null), new("2", "low", "low", null),
            new("3", "normal", "normal", null), new("4", "critical", "critical", null),
        ];
        var outputs = new Dictionary<string, string?> { ["1"] = "high", ["2"] = "Low.", ["3"] = "urgent" };

        var run = await EvalScorer.ScoreAsync(items, outputs, ["exact", "normalised", "accuracy", "macro-f1"]);

        // exact: only "1" → 1/4; normalised and accuracy: "1", "2" → 2/4; item 4 has no output.
        run.Summary.MainMetric.ShouldBe("accuracy");
        run.Summary.Metrics["exact"].ShouldBe(0.25);
        run.Summary.Metrics["normalised"].ShouldBe(0.5);
        run.Summary.Metrics["accuracy"].ShouldBe(0.5);
        run.Summary.Correct.ShouldBe(2);
        run.Summary.Failed.ShouldBe(1);
        // Outputs that are a label: "high", "Low." → 2 of 4.
        run.Summary.FormatCompliance.ShouldBe(0.5);
        run.Items[3].Failed.ShouldBeTrue();
        run.Items[3].Correct.ShouldBe(false);
        // F1: high 1, low 1, normal 0, critical 0 → macro 0.5.
        run.Summary.Metrics["macro-f1"].ShouldBe(0.5);
        RunSummary.FromJson(run.Summary.ToJson())!.Metrics.ShouldBe(run.Summary.Metrics);
    }

    [Fact]
    public async Task Scorer_ItemWithSeveralAcceptableAnswers_PassesOnAnyOfThem_LengthRatioReadsTheFirst()
    {
        ScoringItem[] items =
        [
            new("it", "Rome", null, null, ["Roma"]),
            new("es", "Madrid", null, null),
            new("de", "Berlin", null, null, ["Berlín"]),
        ];
        var outputs = new Dictionary<string, string?> { ["it"] = "Roma", ["es"] = "Roma", ["de"] = "It is Berlín." };

        var run = await EvalScorer.ScoreAsync(items, outputs, ["exact", "normalised", "contains", "length-ratio"]);

        // exact: it (second answer) → 1/3; normalised: it → 1/3; contains: it, de ("berlín" inside) → 2/3.
        run.Summary.Metrics["exact"].ShouldBe(0.3333);
        run.Summary.Metrics["contains"].ShouldBe(0.6667);
        run.Items.Select(i => i.Correct).ShouldBe([true, false, false]);
        // Length ratio against the first answer: "Roma"/"Rome" = 1, "Roma"/"Madrid" = 4/6, "It is Berlín."/"Berlin" = 13/6.
        run.Items.Select(i => i.Scores["length-ratio"]!.Value).ShouldBe([4.0 / 4, 4.0 / 6, 13.0 / 6], tolerance: 0.00005); // rounded to 4 places
    }

    [Fact]
    public async Task Scorer_SchemaItems_ScoreComplianceAndSkipItemsWithoutSchema()
    {
        const string schema = """{"type":"object","required":["team"]}""";
        ScoringItem[] items = [new("a", "{}", null, schema), new("b", "{}", null, schema), new("c", "{}", null, null)];
        var outputs = new Dictionary<string, string?> { ["a"] = """{"team":"billing"}""", ["b"] = "{}", ["c"] = "{}" };

        var run = await EvalScorer.ScoreAsync(items, outputs, ["json-schema", "json-valid"]);

        run.Items[2].Scores["json-schema"].ShouldBeNull();
        run.Summary.Metrics["json-schema"].ShouldBe(0.5); // a passes, b lacks "team"; c has no schema
        run.Summary.Metrics["json-valid"].ShouldBe(1);
        run.Summary.FormatCompliance.ShouldBe(0.5);
        run.Summary.MainMetric.ShouldBe("json-schema");
    }
}
