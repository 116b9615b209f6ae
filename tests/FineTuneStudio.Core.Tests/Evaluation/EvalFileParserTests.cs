using FineTuneStudio.Core.Evaluation;

namespace FineTuneStudio.Core.Tests.Evaluation;

public sealed class EvalFileParserTests
{
    [Fact]
    public void ParseItems_Jsonl_ReadsIdsExpectedLabelSchemaAndInput()
    {
        const string text = """
            {"id": 1, "expected": "high", "label": "high", "input": "Server down"}
            {"id": "b", "expected": "{}", "schema": {"type": "object"}, "input": [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hi"}]}
            """;

        var items = EvalFileParser.ParseItems(text, "items.jsonl");

        items.Select(i => i.Id).ShouldBe(["1", "b"]);
        items[0].Label.ShouldBe("high");
        items[0].Input.Single().Content.ShouldBe("Server down");
        items[1].SchemaJson.ShouldBe("""{"type": "object"}""");
        items[1].Input.Count.ShouldBe(2);
    }

    [Fact]
    public void ParseItems_BadLines_ReportsEachWithItsLine()
    {
        const string text = "{\"id\":\"a\",\"expected\":\"x\"}\nnot json\n{\"expected\":\"y\"}\n{\"id\":\"a\",\"expected\":\"z\"}\n{\"id\":\"c\",\"expected\":\"z\",\"schema\":\"[1]\"}";

        var error = Should.Throw<StudioValidationException>(() => EvalFileParser.ParseItems(text));

        error.Errors.Select(e => (e.Line, e.Field)).ShouldBe([(2, "line"), (3, "id"), (4, "id"), (5, "schema")]);
        error.Errors[2].Message.ShouldContain("line 1");
    }

    [Theory]
    [InlineData("outputs.csv", "id,output\nt-1,high\nt-2,lo\0w\n", 3)]
    [InlineData("outputs.jsonl", "{\"id\":\"t-1\",\"output\":\"high\"}\n{\"id\":\"t-2\",\"output\":\"lo\\u0000w\"}\n", 2)]
    public void ParseOutputs_NulInAValue_IsRefusedOnItsLine_AsPostgreSqlCannotStoreIt(string fileName, string text, int line)
    {
        var error = Should.Throw<StudioValidationException>(() => EvalFileParser.ParseOutputs(text, fileName));

        (error.Errors.ShouldHaveSingleItem().Line, error.Errors[0].Field).ShouldBe((line, "output"));
        error.Errors[0].Message.ShouldContain("NUL");
    }

    [Fact]
    public void ParseOutputs_Csv_ReadsQuotedMultilineOutputs()
    {
        const string text = "id,output\nt-1,high\nt-2,\"line one\nline two\"\n";

        var outputs = EvalFileParser.ParseOutputs(text, "outputs.csv");

        outputs.Select(o => o.Id).ShouldBe(["t-1", "t-2"]);
        outputs[1].Output.ShouldBe("line one\nline two");
    }

    [Fact]
    public void ParseOutputs_CsvWithoutOutputColumn_NamesTheMissingColumn()
    {
        var error = Should.Throw<StudioValidationException>(() => EvalFileParser.ParseOutputs("id,answer\n1,x\n", "o.csv"));

        error.Errors.Single().ToString().ShouldBe("line 1: header: The header must have the columns id, output; missing: output.");
    }

    [Fact]
    public void ParseOutputs_EmptyFile_SaysSo() =>
        Should.Throw<StudioValidationException>(() => EvalFileParser.ParseOutputs("\n\n", "o.jsonl")).Message.ShouldContain("no outputs");
}
