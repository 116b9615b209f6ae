using System.Text;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Imports;
using static FineTuneStudio.Core.Tests.Imports.ImportFixtures;

namespace FineTuneStudio.Core.Tests.Imports;

public class JsonExampleParserTests
{
    [Fact]
    public async Task ParseAsync_OpenAiChatWithBlankLines_ReadsEveryTurnWithStartLines()
    {
        var rows = await ParseJsonAsync("chat.jsonl");

        Errors(rows).ShouldBeEmpty();
        rows.Select(r => r.Line).ShouldBe([1, 3, 5]);

        var first = rows[0].Content!;
        first.Messages.Select(m => m.Role).ShouldBe([MessageRole.System, MessageRole.User, MessageRole.Assistant]);
        first.Messages[2].Weight.ShouldBe(1);
        first.Label.ShouldBe("billing");
        first.Tags.ShouldBe(["money", "urgent"]);

        var tools = rows[1].Content!;
        tools.Messages[1].Content.ShouldBeNull();
        tools.Messages[1].ToolCallsJson!.ShouldContain("\"call_1\"");
        tools.Messages[2].Role.ShouldBe(MessageRole.Tool);
        tools.Messages[2].ToolCallId.ShouldBe("call_1");
        tools.Messages[3].Name.ShouldBe("helper");
        tools.Messages[3].Content.ShouldBe("It is 18 C and sunny.");
        tools.ToolsJson.ShouldBe("""[{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]""");
        first.ToolsJson.ShouldBeNull();

        rows[2].Content!.Messages[1].Weight.ShouldBe(0);
        rows[2].Content!.Tags.ShouldBe(["greeting", "smalltalk"]);
    }

    [Fact]
    public async Task ParseAsync_Auto_DetectsEachShape()
    {
        var cases = new (string File, ImportFormat Expected)[]
        {
            ("chat.jsonl", ImportFormat.Chat),
            ("hf-messages.jsonl", ImportFormat.Chat),
            ("prompt-completion.jsonl", ImportFormat.PromptCompletion),
            ("preference.jsonl", ImportFormat.Preference),
            ("openai-preference.jsonl", ImportFormat.Preference),
            ("alpaca.jsonl", ImportFormat.Alpaca),
            ("alpaca-array.json", ImportFormat.Alpaca),
        };
        foreach (var (file, expected) in cases)
        {
            var parser = new JsonExampleParser();
            await using var stream = Open(file);
            var rows = await CollectAsync(parser.ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));
            Errors(rows).ShouldBeEmpty(file);
            parser.DetectedFormat.ShouldBe(expected, file);
        }
    }

    [Fact]
    public async Task ParseAsync_PromptCompletion_StringsAndMessageLists()
    {
        var rows = await ParseJsonAsync("prompt-completion.jsonl", ImportFormat.PromptCompletion);

        rows[0].Content!.Messages.Select(m => (m.Role, m.Content)).ShouldBe([(MessageRole.User, "Translate to French: cat"), (MessageRole.Assistant, "chat")]);
        rows[1].Content!.Messages.Select(m => m.Role).ShouldBe([MessageRole.System, MessageRole.User, MessageRole.Assistant]);
        rows[1].Content!.Label.ShouldBe("math");
    }

    [Fact]
    public async Task ParseAsync_Preference_BothShapesGivePromptAndTwoCompletions()
    {
        var rows = await ParseJsonAsync("preference.jsonl");
        var openAi = await ParseJsonAsync("openai-preference.jsonl");

        rows[0].Content!.Messages.Single().Content.ShouldBe("Summarise: the meeting moved to Friday.");
        rows[0].Content!.PreferredCompletion.ShouldBe("The meeting is now on Friday.");
        rows[0].Content!.RejectedCompletion.ShouldBe("Meetings are important.");
        rows[1].Content!.PreferredCompletion.ShouldBe("Hi!");
        rows[1].Content!.RejectedCompletion.ShouldBe("Go away.");
        openAi[0].Content!.Messages.Single().Content.ShouldBe("Capital of France?");
        openAi[0].Content!.PreferredCompletion.ShouldBe("Paris.");
        openAi[0].Content!.RejectedCompletion.ShouldBe("Lyon.");
    }

    [Fact]
    public async Task ParseAsync_AlpacaArrayFile_JoinsInstructionAndInputAndKeepsElementLines()
    {
        var rows = await ParseJsonAsync("alpaca-array.json");

        Errors(rows).ShouldBeEmpty();
        rows.Select(r => r.Line).ShouldBe([2, 7, 12]);
        rows[0].Content!.Messages.Select(m => m.Content).ShouldBe(["Classify the sentiment.\n\nI love it.", "positive"]);
        rows[2].Content!.Messages[0].Content.ShouldBe("Write a haiku about rain.");
    }

    [Fact]
    public async Task ParseAsync_AlpacaJsonl_EmptyInputIsLeftOut()
    {
        var rows = await ParseJsonAsync("alpaca.jsonl", ImportFormat.Alpaca);

        rows[1].Content!.Messages[0].Content.ShouldBe("Write a haiku about rain.");
    }

    [Fact]
    public async Task ParseAsync_BomAndCrlf_ReadAsPlainUtf8()
    {
        var rows = await ParseJsonAsync("bom-crlf.jsonl");

        Errors(rows).ShouldBeEmpty();
        rows.Select(r => r.Line).ShouldBe([1, 3]);
        rows[1].Content!.Messages[1].Content.ShouldBe("2");
    }

    [Fact]
    public async Task ParseAsync_MalformedRecords_NameLineAndFieldOfEach()
    {
        var rows = await ParseJsonAsync("malformed.jsonl");

        rows[0].IsValid.ShouldBeTrue();
        var errors = Errors(rows).Select(e => (e.Line, e.Field)).ToList();
        errors.ShouldBe([
            (2, "record"),
            (3, "messages[0].content"),
            (4, "messages"),
            (5, "messages[0].weight"),
            (6, "record"),
            (7, "messages[1].role"),
            (8, "messages[1]"),
        ]);
        var messages = Errors(rows).Select(e => e.Message).ToList();
        messages[0].ShouldContain("ends before its JSON is complete");
        messages[1].ShouldBe("must be a string, found a number");
        messages[2].ShouldBe("is missing");
        messages[3].ShouldContain("NaN");
        messages[4].ShouldBe("must be a JSON object, found an array");
        messages[5].ShouldContain("'narrator' is not a role");
        messages[6].ShouldContain("found a number");
    }

    [Fact]
    public async Task ParseAsync_MalformedArrayFile_NamesElementLines()
    {
        var rows = await ParseJsonAsync("alpaca-array-malformed.json");

        Errors(rows).Select(e => (e.Line, e.Field, e.Message)).ShouldBe([
            (3, "record", "must be a JSON object, found an array"),
            (4, "instruction", "must be a string, found a number"),
            (5, "record", "the record ends before its JSON is complete (truncated, or a closing bracket is missing)"),
        ]);
    }

    [Fact]
    public async Task ParseAsync_InvalidUtf8_NamesTheLine()
    {
        var rows = await ParseJsonAsync("invalid-utf8.jsonl");

        rows.Count(r => r.IsValid).ShouldBe(2);
        var error = Errors(rows).Single();
        error.Line.ShouldBe(3);
        error.Field.ShouldBe("encoding");
        // {"prompt": "caf is 15 bytes, so the bad byte is the 16th of the line.
        error.Message.ShouldContain("byte 16 of the line");
    }

    [Fact]
    public async Task ParseAsync_EmptyFile_SaysItHasNoExamples()
    {
        var rows = await ParseJsonAsync("empty.jsonl");

        Errors(rows).Single().Message.ShouldBe("the file has no examples");
    }

    [Fact]
    public async Task ParseAsync_UnknownShape_StopsWithOneFormatError()
    {
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes("{\"question\": \"a\"}\n{\"question\": \"b\"}\n"));

        var rows = await CollectAsync(new JsonExampleParser().ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));

        var error = Errors(rows).Single();
        (error.Line, error.Field).ShouldBe((1, "format"));
    }

    [Fact]
    public async Task ParseAsync_LabelOverLimitAndBadWeight_Reported()
    {
        var label = new string('x', 201);
        var line = $"{{\"messages\": [{{\"role\": \"user\", \"content\": \"a\", \"weight\": 1}}, {{\"role\": \"assistant\", \"content\": \"b\", \"weight\": 2}}], \"label\": \"{label}\"}}";
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(line));

        var rows = await CollectAsync(new JsonExampleParser().ParseAsync(stream, ImportFormat.Chat, CancellationToken.None));

        Errors(rows).Select(e => e.Field).ShouldBe(["messages[0].weight", "messages[1].weight", "label"]);
    }

    [Fact]
    public async Task ParseAsync_LongLineOverLimit_ReportedAndSkipped()
    {
        var text = "{\"prompt\": \"" + new string('a', 200) + "\", \"completion\": \"b\"}\n{\"prompt\": \"a\", \"completion\": \"b\"}\n";
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));

        var rows = await CollectAsync(new JsonExampleParser(maxRecordBytes: 100).ParseAsync(stream, ImportFormat.PromptCompletion, CancellationToken.None));

        rows.Count.ShouldBe(2);
        rows[0].Errors.Single().Line.ShouldBe(1);
        rows[1].IsValid.ShouldBeTrue();
        rows[1].Line.ShouldBe(2);
    }
}
