using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core;
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
    public void ParseItems_OpenAiEvalsRegistryLines_IdealIsTheExpectedAnswer_AndItemsAreNumberedByPosition()
    {
        // The registry's match-eval layout: chat input and an ideal answer (a string, or a list of acceptable ones).
        const string text = """
            {"input": [{"role": "system", "content": "Complete the phrase as briefly as you can."}, {"role": "user", "content": "Once upon a "}], "ideal": "time"}
            {"input": [{"role": "system", "content": "Complete the phrase as briefly as you can."}, {"role": "user", "content": "The quick brown "}], "ideal": ["fox"]}
            """;

        var items = EvalFileParser.ParseItems(text, "samples.jsonl");

        items.Select(i => (i.Id, i.Expected, i.Line)).ShouldBe([("1", "time", 1), ("2", "fox", 2)]);
        items[0].Input.Select(m => m.Content).ShouldBe(["Complete the phrase as briefly as you can.", "Once upon a "]);
    }

    [Fact]
    public void ParseItems_IdealListingSeveralAnswers_KeepsThemAll_TheFirstAsExpected()
    {
        // As the registry writes answers that may be spelled more than one way; the same list is taken under "expected".
        const string text = """
            {"input": [{"role": "user", "content": "Capital of Italy?"}], "ideal": ["Rome", "Roma", "Rome"]}
            {"input": [{"role": "user", "content": "Capital of Spain?"}], "ideal": "Madrid"}
            {"input": [{"role": "user", "content": "2 + 2?"}], "ideal": ["4", "", "four"]}
            """;

        var items = EvalFileParser.ParseItems(text, "samples.jsonl");

        items.Select(i => (i.Expected, string.Join("|", i.OtherAnswers))).ShouldBe([("Rome", "Roma"), ("Madrid", ""), ("4", "four")]);
        EvalFileParser.ParseItems("""{"id": "it", "expected": ["Rome", "Roma"]}""").Single().OtherAnswers.ShouldBe(["Roma"]);
        // Our own files keep taking a number as its text.
        EvalFileParser.ParseItems("""{"id": "n", "expected": 42}""").Single().Expected.ShouldBe("42");
    }

    [Theory]
    [InlineData("ideal", "7", "must be a string or a list of strings")]
    [InlineData("ideal", "[\"Rome\", 7]", "must be a string or a list of strings")]
    [InlineData("expected", "[\"Rome\", null]", "must be a string or a list of strings")]
    [InlineData("ideal", "[]", "The list of acceptable answers is empty.")]
    [InlineData("ideal", "[\"\"]", "The list of acceptable answers is empty.")]
    public void ParseItems_AnswersThatAreNotText_AreRefusedOnTheirLine(string field, string value, string reason)
    {
        var error = Should.Throw<StudioValidationException>(() => EvalFileParser.ParseItems(
            """{"input": "Capital of France?", "ideal": "Paris"}""" + "\n" + $$"""{"input": "Capital of Italy?", "{{field}}": {{value}}}"""));

        var only = error.Errors.ShouldHaveSingleItem();
        (only.Line, only.Field).ShouldBe((2, field));
        only.Message.ShouldContain(reason);
    }

    [Fact]
    public void ParseItems_MoreAnswersThanKept_IsRefusedNotCut()
    {
        var answers = string.Join(", ", Enumerable.Range(1, EvalFileParser.MaxAnswers + 1).Select(n => $"\"{n}\""));

        var error = Should.Throw<StudioValidationException>(() => EvalFileParser.ParseItems($$"""{"input": "Count", "ideal": [{{answers}}]}"""));

        error.Errors.ShouldHaveSingleItem().Message.ShouldBe($"The item lists {EvalFileParser.MaxAnswers + 1} acceptable answers; at most {EvalFileParser.MaxAnswers} are kept per item.");
    }

    [Fact]
    public void ParseItems_HeldOutChatFile_TheLastAnswerIsExpected_AndTextPartsAreJoined()
    {
        // An OpenAI chat validation file as it is: no ids, content as a string or as text parts, the answer last.
        const string text = """
            {"messages": [{"role": "system", "content": "Label the ticket."}, {"role": "user", "content": [{"type": "text", "text": "Server "}, {"type": "text", "text": "down"}]}, {"role": "assistant", "content": "high"}]}
            {"messages": [{"role": "user", "content": "Typo on the site"}, {"role": "assistant", "content": [{"type": "text", "text": "low"}], "weight": 1}]}
            """;

        var items = EvalFileParser.ParseItems(text, "validation.jsonl");

        items.Select(i => (i.Id, i.Expected)).ShouldBe([("1", "high"), ("2", "low")]);
        items[0].Input.Select(m => (m.Role, m.Content)).ShouldBe([(MessageRole.System, "Label the ticket."), (MessageRole.User, "Server down")]);
        items[1].Input.ShouldHaveSingleItem().Content.ShouldBe("Typo on the site");
    }

    [Fact]
    public void ParseItems_HeldOutFilesOfOtherHosts_KeepTheSystemPrompt_AndExpectTheLastAnswer()
    {
        // Amazon Bedrock's system beside the messages, lmsys-chat-1m's conversation, Gemini's contents on Vertex AI.
        const string text = """
            {"system": "Answer in one sentence.", "messages": [{"role": "user", "content": "When does the library open?"}, {"role": "assistant", "content": "At nine."}]}
            {"conversation": [{"content": "How many legs does a spider have?", "role": "user"}, {"content": "Eight.", "role": "assistant"}], "model": "m"}
            {"systemInstruction": {"parts": [{"text": "Be brief."}]}, "contents": [{"role": "user", "parts": [{"text": "Capital of Peru?"}]}, {"role": "model", "parts": [{"text": "Lima."}]}]}
            """;

        var items = EvalFileParser.ParseItems(text, "validation.jsonl");

        items.Select(i => (i.Id, i.Expected)).ShouldBe([("1", "At nine."), ("2", "Eight."), ("3", "Lima.")]);
        items[0].Input.Select(m => (m.Role, m.Content)).ShouldBe([(MessageRole.System, "Answer in one sentence."), (MessageRole.User, "When does the library open?")]);
        items[1].Input.ShouldHaveSingleItem().Content.ShouldBe("How many legs does a spider have?");
        items[2].Input.Select(m => (m.Role, m.Content)).ShouldBe([(MessageRole.System, "Be brief."), (MessageRole.User, "Capital of Peru?")]);
        Should.Throw<StudioValidationException>(() => EvalFileParser.ParseItems("""{"contents": [{"role": "user", "parts": [{"fileData": {}}]}]}"""))
            .Errors.ShouldHaveSingleItem().ToString().ShouldBe("line 1: contents[0].parts[0]: only text and function parts can be imported; part 0 is 'fileData'");
    }

    [Fact]
    public void ParseItems_TrlPromptCompletionRows_AreItems_StandardAndConversational()
    {
        // TRL's prompt-completion type, in both of its documented forms.
        const string text = """
            {"prompt": "The sky is", "completion": " blue."}
            {"prompt": [{"role": "user", "content": "What color is the sky?"}], "completion": [{"role": "assistant", "content": "It is blue."}]}
            """;

        var items = EvalFileParser.ParseItems(text, "test.jsonl");

        items.Select(i => (i.Id, i.Input.Single().Content, i.Expected)).ShouldBe([("1", "The sky is", " blue."), ("2", "What color is the sky?", "It is blue.")]);
        // Many exports name the answer "response" (HelpSteer, logs): the same item.
        EvalFileParser.ParseItems("""{"prompt": "The sky is", "response": " blue.", "helpfulness": 4}""").Single().Expected.ShouldBe(" blue.");
        Should.Throw<StudioValidationException>(() => EvalFileParser.ParseItems("""{"prompt": "Hi", "completion": [{"role": "user", "content": "x"}]}"""))
            .Errors.ShouldHaveSingleItem().ToString().ShouldBe("line 1: completion: The completion must be a text, or a list of messages ending with the assistant's answer as text.");
    }

    [Fact]
    public void ParseItems_HeldOutInstructionFiles_AskTheInstructionWithItsInput_ExpectTheAnswer()
    {
        // Alpaca, Dolly and GSM8K's test split, as the example importer reads them; no ids, so numbered by position.
        const string text = """
            {"instruction": "Translate to French.", "input": "Good morning", "output": "Bonjour"}
            {"instruction": "When did the ferry line start?", "context": "It opened in May 1998.", "response": "In May 1998.", "category": "closed_qa"}
            {"question": "Ana has 3 boxes of 12 pencils and gives away 5. How many are left?", "answer": "3 * 12 = 36; 36 - 5 = 31.\n#### 31"}
            {"instruction": "And a third?", "output": "Blue.", "system": "Name colours.", "history": [["Name a colour.", "Red."]]}
            """;

        var items = EvalFileParser.ParseItems(text, "test.jsonl");

        items.Select(i => (i.Id, i.Input[^1].Content, i.Expected)).ShouldBe([
            ("1", "Translate to French.\n\nGood morning", "Bonjour"),
            ("2", "When did the ferry line start?\n\nIt opened in May 1998.", "In May 1998."),
            ("3", "Ana has 3 boxes of 12 pencils and gives away 5. How many are left?", "3 * 12 = 36; 36 - 5 = 31.\n#### 31"),
            ("4", "And a third?", "Blue."),
        ]);
        items[3].Input.Select(m => m.Role).ShouldBe([MessageRole.System, MessageRole.User, MessageRole.Assistant, MessageRole.User]);
        Should.Throw<StudioValidationException>(() => EvalFileParser.ParseItems("""{"instruction": "Hi", "output": "a", "response": "b"}"""))
            .Errors.ShouldHaveSingleItem().ToString().ShouldBe("line 1: response: and output are both given and mean the same part; keep one");
        Should.Throw<StudioValidationException>(() => EvalFileParser.ParseItems("""{"instruction": "Hi"}"""))
            .Errors.ShouldHaveSingleItem().ToString().ShouldBe("line 1: output: is missing; an instruction item needs instruction (or question) and output (or response, answer).");
    }

    [Theory]
    [InlineData("""{"id": "a", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}], "expected": "x"}""", "input: messages[0].content[0]: only text parts can be imported; part 0 is 'image_url'")]
    [InlineData("""{"id": "a", "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": null, "tool_calls": []}]}""", "expected: The conversation's last assistant turn has no text to score against; give the item an expected answer.")]
    [InlineData("""{"id": "a", "messages": [{"role": "user", "content": "Hi"}]}""", "expected: The item has no expected output (give expected, ideal, or a label, or end its messages with the assistant's answer).")]
    public void ParseItems_ChatLineThatCannotBeAnItem_IsRefusedNamingWhy(string line, string error) =>
        Should.Throw<StudioValidationException>(() => EvalFileParser.ParseItems(line)).Errors.ShouldHaveSingleItem().ToString().ShouldBe("line 1: " + error);

    [Fact]
    public void ParseItems_OpenAiEvalsApiDataSourceLines_AreUnwrappedFromTheirItem()
    {
        // The hosted Evals API's JSONL data source: each line {"item": {...}} with the eval's item schema.
        var items = EvalFileParser.ParseItems("""
            {"item": {"input": "Capital of France?", "ideal": "Paris"}}
            {"item": {"input": "Capital of Italy?", "ideal": ["Rome", "Roma"]}}
            """);

        items.Select(i => (i.Id, i.Input.Single().Content, i.Expected, string.Join("|", i.OtherAnswers))).ShouldBe([("1", "Capital of France?", "Paris", ""), ("2", "Capital of Italy?", "Rome", "Roma")]);
    }

    [Fact]
    public void ParseItems_SomeLinesWithIdsAndSomeWithout_NamesTheLinesWithout()
    {
        var error = Should.Throw<StudioValidationException>(() => EvalFileParser.ParseItems("""
            {"id": "a", "input": "Capital of France?", "ideal": "Paris"}
            {"input": "Capital of Spain?", "ideal": "Madrid"}
            """));

        (error.Errors.ShouldHaveSingleItem().Line, error.Errors[0].Field).ShouldBe((2, "id"));
    }

    [Fact]
    public void ParseItems_LinesWithoutIdsBeforeTheFirstWithOne_AreNamedToo_NotNumbered()
    {
        // Read line by line, the first lines cannot yet tell whether the file has ids: once line 3 shows it does, 1 and 2 lack theirs.
        var error = Should.Throw<StudioValidationException>(() => EvalFileParser.ParseItems("""
            {"input": "Capital of Spain?", "ideal": "Madrid"}
            {"input": "Capital of Italy?", "ideal": "Rome"}
            {"id": "a", "input": "Capital of France?", "ideal": "Paris"}
            """));

        error.Errors.Select(e => (e.Line, e.Field, e.Message)).ShouldBe([(1, "id", "The item has no id."), (2, "id", "The item has no id.")]);
    }

    [Fact]
    public void ParseItems_FromAReader_IsReadLineByLine_NumberedWhenNoLineHasAnId()
    {
        var lines = Enumerable.Range(1, 300).Select(i => $$"""{"input": "question {{i}}", "ideal": "answer {{i}}"}""");
        using var reader = new NoReadToEndReader(string.Join("\n", lines));

        var items = EvalFileParser.ParseItems(reader, "registry.jsonl");

        items.Count.ShouldBe(300);
        (items[299].Id, items[299].Expected, items[299].Line, items[299].NumberedByPosition).ShouldBe(("300", "answer 300", 300, true));
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
    public void ParseItems_CsvWithAnEmptyExpectedCell_ExpectsTheLabel_OrNamesTheLineWithoutEither()
    {
        const string text = "id,input,expected,label\nt-1,Site down,,high\nt-2,Typo,low,\nt-3,Invoices?,,\n";

        var error = Should.Throw<StudioValidationException>(() => EvalFileParser.ParseItems(text, "items.csv"));
        (error.Errors.ShouldHaveSingleItem().Line, error.Errors[0].Field).ShouldBe((4, "expected"));

        var items = EvalFileParser.ParseItems(text[..text.IndexOf("t-3", StringComparison.Ordinal)], "items.csv");
        items.Select(i => (i.Id, i.Expected, i.Label)).ShouldBe([("t-1", "high", "high"), ("t-2", "low", null)]);
        // In JSON an empty string is written on purpose: an item may expect an empty answer.
        EvalFileParser.ParseItems("{\"id\": \"e\", \"input\": \"Say nothing\", \"expected\": \"\", \"label\": \"quiet\"}", "items.jsonl").Single().Expected.ShouldBe("");
    }

    [Fact]
    public void OaievalRecord_MatchedToASetInAnotherOrder_IsRefusedNamingThePrompt_NotScoredAgainstTheWrongItems()
    {
        // oaieval numbers its samples by their place in the samples file; here the set was imported in another order.
        var record = EvalFileParser.ParseOutputs("""
            {"spec": {"run_id": "r1", "eval_name": "capitals.dev.v0"}}
            {"run_id": "r1", "event_id": 0, "sample_id": "capitals.dev.0", "type": "sampling", "data": {"prompt": [{"role": "system", "content": "Answer with the city only."}, {"role": "user", "content": "Capital of Italy?"}], "sampled": ["Rome"]}}
            {"run_id": "r1", "event_id": 1, "sample_id": "capitals.dev.1", "type": "sampling", "data": {"prompt": "Capital of Spain?", "sampled": ["Madrid"]}}
            """, "record.jsonl");
        var inOrder = EvalFileParser.ParseItems("""
            {"input": [{"role": "system", "content": "Answer with the city only."}, {"role": "user", "content": "Capital of Italy?"}], "ideal": "Rome"}
            {"input": "Capital of Spain?", "ideal": "Madrid"}
            """);
        var reversed = EvalFileParser.ParseItems("""
            {"input": "Capital of Spain?", "ideal": "Madrid"}
            {"input": "Capital of Italy?", "ideal": "Rome"}
            """);

        EvalFileParser.Misaligned(record, inOrder).ShouldBeEmpty();
        var errors = EvalFileParser.Misaligned(record, reversed);
        errors.Select(e => (e.Line, e.Field)).ShouldBe([(2, "data.prompt"), (3, "data.prompt")]);
        errors[0].Message.ShouldBe("oaieval's sample 0 asks \"Capital of Italy?\", but item \"1\" asks \"Capital of Spain?\": the set's items are not the eval's samples in their order; import the run into a set imported from the same samples file.");
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

    [Theory]
    // No extension: what the file is shows in its first non-blank character; the blank lines before it are still lines.
    [InlineData("outputs", "\n\n  id,output\nt-1,high\nt-2,lo\0w\n", 5, "output")]
    [InlineData("outputs", "\r\n \r\n{\"id\":\"t-1\",\"output\":\"high\"}\nnot json\n", 4, "line")]
    [InlineData("outputs.csv", "\n\nid,answer\n1,x\n", 3, "header")]
    [InlineData("outputs.jsonl", "\n\n\n{\"output\":\"high\"}\n", 4, "id")]
    public void ParseOutputs_BlankLinesBeforeTheFirstRecord_CountInTheLineNamed(string fileName, string text, int line, string field)
    {
        var error = Should.Throw<StudioValidationException>(() => EvalFileParser.ParseOutputs(text, fileName));

        (error.Errors.ShouldHaveSingleItem().Line, error.Errors[0].Field).ShouldBe((line, field));
    }

    [Fact]
    public void ParseOutputs_FromAReader_IsReadLineByLine_NeverWhole()
    {
        var lines = Enumerable.Range(1, 500).Select(i => $$"""{"id":"t-{{i}}","output":"answer {{i}}"}""");
        using var reader = new NoReadToEndReader(string.Join("\n", lines));

        var outputs = EvalFileParser.ParseOutputs(reader, "outputs.jsonl");

        outputs.Count.ShouldBe(500);
        outputs[499].ShouldBe(new EvalOutputInput("t-500", "answer 500", 500));
    }

    /// <summary>A file the parser may only read line by line: reading it whole would hold a big file in memory twice.</summary>
    private sealed class NoReadToEndReader(string text) : StringReader(text)
    {
        public override string ReadToEnd() => throw new InvalidOperationException("read whole");

        public override Task<string> ReadToEndAsync() => throw new InvalidOperationException("read whole");
    }

    [Fact]
    public void ParseOutputs_EmptyFile_SaysSo() =>
        Should.Throw<StudioValidationException>(() => EvalFileParser.ParseOutputs("\n\n", "o.jsonl")).Message.ShouldContain("no outputs");
}
