using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Imports;
using static FineTuneStudio.Core.Tests.Imports.ImportFixtures;

namespace FineTuneStudio.Core.Tests.Imports;

/// <summary>The shapes people carry from other tools, each from a fixture written after the tool's documentation.</summary>
public class ImportFormatsTests
{
    private static (MessageRole Role, string? Content, string? ToolCalls, string? ToolCallId, int? Weight)[] Turns(ExampleContent content) =>
        content.Messages.Select(m => (m.Role, m.Content, m.ToolCallsJson, m.ToolCallId, m.Weight)).ToArray();

    [Fact]
    public async Task ParseAsync_ShareGptWithBomCrlfToolsStringAndFunctionCalls_MapsToOpenAiShape()
    {
        var rows = await ParseJsonAsync("sharegpt.jsonl");

        Errors(rows).ShouldBeEmpty();
        rows.SelectMany(r => r.Warnings).ShouldBeEmpty();
        rows.Select(r => r.Line).ShouldBe([1, 2, 3]);

        var weather = rows[0].Content!;
        Turns(weather).ShouldBe([
            (MessageRole.System, "You are a weather bot.", null, null, null),
            (MessageRole.User, "Weather in Paris?", null, null, null),
            (MessageRole.Assistant, null, """[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]""", null, null),
            (MessageRole.Tool, """{"temp": 18}""", null, "call_1", null),
            (MessageRole.Assistant, "18 °C in Paris.", null, null, null),
        ]);
        weather.ToolsJson.ShouldBe("""[{"type":"function","function":{"name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]""");
        weather.Label.ShouldBeNull();
        weather.Tags.ShouldBeNull();

        var chat = rows[1].Content!;
        chat.Messages.Select(m => (m.Role, m.Content)).ShouldBe([
            (MessageRole.System, "Be brief."), (MessageRole.User, "Hi"), (MessageRole.Assistant, "Hello!"), (MessageRole.User, "Bye"), (MessageRole.Assistant, "Bye!"),
        ]);
        chat.ToolsJson.ShouldBe("""[{"type": "function", "function": {"name": "noop"}}]""");
        chat.Label.ShouldBe("greeting");
        chat.Tags.ShouldBe(["smalltalk"]);

        var parallel = rows[2].Content!;
        parallel.Messages[1].ToolCallsJson.ShouldBe(
            """[{"id":"call_1","type":"function","function":{"name":"time","arguments":"{\"city\":\"Rome\"}"}},{"id":"call_2","type":"function","function":{"name":"time","arguments":"{\"city\": \"Oslo\"}"}}]""");
        parallel.Messages.Where(m => m.Role == MessageRole.Tool).Select(m => m.ToolCallId).ShouldBe(["call_1", "call_2"]);
    }

    [Fact]
    public async Task ParseAsync_ShareGptPreference_ConversationIsPromptAndAnswersArePair()
    {
        var parser = new JsonExampleParser();
        await using var stream = Open("sharegpt-preference.jsonl");
        var rows = await CollectAsync(parser.ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));

        Errors(rows).ShouldBeEmpty();
        parser.DetectedFormat.ShouldBe(ImportFormat.ShareGptPreference);
        rows[0].Content!.Messages.Select(m => (m.Role, m.Content)).ShouldBe([(MessageRole.User, "Name a colour.")]);
        (rows[0].Content!.PreferredCompletion, rows[0].Content!.RejectedCompletion).ShouldBe(("Blue.", "Seven."));
        rows[1].Content!.Messages.Select(m => m.Role).ShouldBe([MessageRole.System, MessageRole.User]);
        (rows[1].Content!.PreferredCompletion, rows[1].Content!.RejectedCompletion).ShouldBe(("Chat.", "Dog."));
    }

    [Fact]
    public async Task ParseAsync_HuggingFaceTextClassification_TextIsTheUserTurnAndTheClassIndexItsLabel()
    {
        // Dataset.to_json of a ClassLabel column writes the index, not the name (banking77 here).
        var parser = new JsonExampleParser();
        await using var stream = Open("hf-text-classification.jsonl");
        var rows = await CollectAsync(parser.ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));

        Errors(rows).ShouldBeEmpty();
        parser.DetectedFormat.ShouldBe(ImportFormat.Text);
        rows.Select(r => (r.Content!.Messages.Single().Role, r.Content.Label)).ShouldBe([
            (MessageRole.User, "11"), (MessageRole.User, "11"), (MessageRole.User, "63"), (MessageRole.User, "53"),
        ]);
        rows[1].Content!.Messages[0].Content.ShouldBe("What can I do if my card still hasn't arrived after 2 weeks?");
        rows.ShouldAllBe(r => r.Warnings.Count == 0);
    }

    [Fact]
    public async Task ParseAsync_SetFitRowsWithLabelText_TheNameIsTheClass()
    {
        var rows = await ParseJsonAsync("setfit-label-text.jsonl");

        Errors(rows).ShouldBeEmpty();
        rows.Select(r => r.Content!.Label).ShouldBe(["card_arrival", "cash_withdrawal_charge"]);
        rows.ShouldAllBe(r => r.Warnings.Count == 0);
    }

    [Fact]
    public async Task ParseAsync_GlueSentenceRows_MinusOneIsNoLabel_IdxIsDroppedQuietly()
    {
        var rows = await ParseJsonAsync("glue-sst2.jsonl");

        Errors(rows).ShouldBeEmpty();
        rows.Select(r => (r.Line, r.Content!.Label)).ShouldBe([(1, "0"), (2, "1"), (3, null)]);
        rows[0].Content!.Messages.Single().Content.ShouldBe("hide new secretions from the parental units ");
        rows.ShouldAllBe(r => r.Warnings.Count == 0);
    }

    [Theory]
    [InlineData("""{"text": "", "label": 1}""", "text", "is empty")]
    [InlineData("""{"text": 42, "label": 1}""", "text", "must be a string, found a number")]
    [InlineData("""{"text": "ok", "label": 1.5}""", "label", "must be a string (a class), a whole number (a class index) or true/false (KTO), found a number")]
    [InlineData("""{"text": "ok", "label": 1, "label_text": 7}""", "label_text", "must be a string, found a number")]
    public async Task ParseAsync_BadTextRow_NamesTheField(string hostile, string field, string message)
    {
        await using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes("{\"text\": \"fine\", \"label\": 0}\n" + hostile + "\n"));

        var rows = await CollectAsync(new JsonExampleParser().ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));

        rows[0].IsValid.ShouldBeTrue();
        var error = rows[1].Errors.ShouldHaveSingleItem();
        (error.Line, error.Field, error.Message).ShouldBe((2, field, message));
    }

    [Fact]
    public async Task ParseAsync_Kto_BooleanLabelBecomesTagAndConversationIsKept()
    {
        var parser = new JsonExampleParser();
        await using var stream = Open("kto.jsonl");
        var rows = await CollectAsync(parser.ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));

        Errors(rows).ShouldBeEmpty();
        parser.DetectedFormat.ShouldBe(ImportFormat.Kto);
        rows.Select(r => r.Content!.Tags!.Single()).ShouldBe(["kto:desirable", "kto:undesirable", "kto:desirable", "kto:undesirable"]);
        rows.ShouldAllBe(r => r.Content!.Label == null);
        rows[0].Content!.Messages.Select(m => (m.Role, m.Content)).ShouldBe([(MessageRole.User, "2+2?"), (MessageRole.Assistant, "4")]);
        rows[1].Content!.Messages[1].Content.ShouldBe("5");
        rows[2].Content!.Messages.Select(m => m.Content).ShouldBe(["Capital of Italy?", "Rome."]);
        rows[3].Content!.Messages.Select(m => m.Content).ShouldBe(["Hi", "Go away."]);
    }

    [Fact]
    public async Task ParseAsync_LabelStudioJsonMin_ReadsEachResultUnderItsControlsName()
    {
        // JSON-MIN flattens each task: its text, each result under its control's name, the annotation's own keys.
        var parser = new JsonExampleParser();
        await using var stream = Open("label-studio-min.json");
        var rows = await CollectAsync(parser.ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));

        Errors(rows).ShouldBeEmpty();
        parser.DetectedFormat.ShouldBe(ImportFormat.LabelStudio);
        rows.Select(r => r.Content!.Label).ShouldBe(["negative", "positive", "plans"]);
        rows[0].Content!.Messages.Select(m => m.Content).ShouldBe(["The delivery was late again."]);
        rows[0].Warnings.ShouldBeEmpty();
        // A rating and a text area: the tag rating:5 and the assistant's answer, its lines joined.
        rows[1].Content!.Messages.Select(m => (m.Role, m.Content)).ShouldBe([(MessageRole.User, "Great service, thank you!"), (MessageRole.Assistant, "Thank you!\nSee you soon.")]);
        rows[1].Content!.Tags.ShouldBe(["rating:5"]);
        // A multiple choice gives its first; the rectangle labels are not text and say so.
        rows[2].Warnings.Select(w => w.Field).ShouldBe(["topics.choices", "bbox"]);
    }

    [Fact]
    public void Map_AJsonMinLineWithTwoCandidateLabels_IsRefusedNamingBoth()
    {
        using var line = System.Text.Json.JsonDocument.Parse("""{"text": "Late again", "sentiment": "negative", "urgency": "high", "annotator": 1, "annotation_id": 4, "lead_time": 2}""");

        var row = JsonRecordMapper.Map(line.RootElement, JsonRecordMapper.Detect(line.RootElement)!.Value, 7);

        row.Errors.Single().ToString().ShouldBe("line 7: urgency: and sentiment could each be the label; keep one choice control in the export, or import the full JSON export");
    }

    [Fact]
    public async Task ParseAsync_LabelStudioExport_LatestUncancelledAnnotationGivesLabelAnswerAndRating()
    {
        var parser = new JsonExampleParser();
        await using var stream = Open("label-studio.json");
        var rows = await CollectAsync(parser.ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));

        Errors(rows).ShouldBeEmpty();
        parser.DetectedFormat.ShouldBe(ImportFormat.LabelStudio);
        rows.Count.ShouldBe(3);

        var late = rows[0].Content!;
        late.Messages.Select(m => (m.Role, m.Content)).ShouldBe([
            (MessageRole.User, "The delivery was late again."),
            (MessageRole.Assistant, "Sorry about the delay.\nWe will refund the fee."),
        ]);
        late.Label.ShouldBe("negative");
        late.Tags.ShouldBe(["rating:4"]);
        rows[0].Warnings.Select(w => w.Field).ShouldBe(["data.meta_info"]);

        var unlabelled = rows[1].Content!;
        unlabelled.Messages.Select(m => (m.Role, m.Content)).ShouldBe([(MessageRole.User, "How do I reset my password?")]);
        unlabelled.Label.ShouldBeNull();

        var many = rows[2].Content!;
        many.Messages.Single().Content.ShouldBe("Great value, works fine.");
        many.Label.ShouldBe("praise");
        rows[2].Warnings.Select(w => w.Field).ShouldBe(["annotations[1].result[0].value.choices", "annotations[1].result[1]"]);
        rows[2].Warnings[0].Message.ShouldContain("3 choices");
    }

    [Fact]
    public async Task ParseAsync_ArgillaV2AndV1_ResponsesBeforeSuggestionsAndCorrectionsAsAnswers()
    {
        var parser = new JsonExampleParser();
        await using var stream = Open("argilla.jsonl");
        var rows = await CollectAsync(parser.ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));

        Errors(rows).ShouldBeEmpty();
        parser.DetectedFormat.ShouldBe(ImportFormat.Argilla);

        rows[0].Content!.Messages.Single().Content.ShouldBe("I love this phone.");
        rows[0].Content!.Label.ShouldBe("positive");
        rows[0].Warnings.Select(w => w.Field).ShouldBe(["metadata.source"]);

        var corrected = rows[1].Content!;
        corrected.Messages.Select(m => (m.Role, m.Content)).ShouldBe([
            (MessageRole.User, "Explain DNS in one line."), (MessageRole.Assistant, "DNS maps names to IP addresses."),
        ]);
        corrected.Tags.ShouldBe(["rating:3"]);
        corrected.Label.ShouldBeNull();

        rows[2].Content!.Label.ShouldBe("shipping");
        rows[3].Content!.Messages.Single().Content.ShouldBe("Refund please");
        rows[3].Content!.Label.ShouldBe("billing");
        rows[4].Content!.Messages.Single().Content.ShouldBe("The screen cracked");
        rows[4].Content!.Label.ShouldBe("hardware");
    }

    [Fact]
    public async Task ParseAsync_AxolotlTrainFlagsAndValueParts_BecomeWeightsAndText()
    {
        var rows = await ParseJsonAsync("axolotl-chat.jsonl");

        Errors(rows).ShouldBeEmpty();
        rows[0].Warnings.ShouldBeEmpty();
        Turns(rows[0].Content!).ShouldBe([
            (MessageRole.System, "Be kind.", null, null, null),
            (MessageRole.User, "Hello, there", null, null, null),
            (MessageRole.Assistant, "Draft answer", null, null, 0),
            (MessageRole.User, "Again", null, null, null),
            (MessageRole.Assistant, "Final answer", null, null, 1),
        ]);
    }

    [Theory]
    [InlineData("sharegpt", ImportFormat.ShareGpt)]
    [InlineData("sharegpt-preference", ImportFormat.ShareGptPreference)]
    [InlineData("kto", ImportFormat.Kto)]
    [InlineData("label-studio", ImportFormat.LabelStudio)]
    [InlineData("argilla", ImportFormat.Argilla)]
    [InlineData("text", ImportFormat.Text)]
    [InlineData("gemini", ImportFormat.Gemini)]
    public void Parse_NewFormatName_IsAccepted(string name, ImportFormat expected)
    {
        ImportSettings.Parse(name, null, null, null, dryRun: false).Format.ShouldBe(expected);
    }

    [Theory]
    [InlineData(ImportFormat.ShareGpt, "conversations")]
    [InlineData(ImportFormat.ShareGptPreference, "conversations")]
    [InlineData(ImportFormat.Kto, "label")]
    [InlineData(ImportFormat.LabelStudio, "data")]
    [InlineData(ImportFormat.Argilla, "fields")]
    [InlineData(ImportFormat.Alpaca, "instruction")]
    [InlineData(ImportFormat.Text, "text")]
    public async Task ParseAsync_ForcedShapeOnChatRecords_OneErrorPerLineNamingTheMissingKey(ImportFormat format, string key)
    {
        var rows = await ParseJsonAsync("chat.jsonl", format);

        rows.Count.ShouldBe(3);
        rows.ShouldAllBe(r => r.Errors.Count == 1 && r.Errors[0].Field == key);
        rows[0].Errors[0].Message.ShouldContain("looks like openai-chat");
    }
}
