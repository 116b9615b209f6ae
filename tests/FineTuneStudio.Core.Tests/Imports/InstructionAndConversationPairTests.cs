using System.Text;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Imports;
using static FineTuneStudio.Core.Tests.Imports.ImportFixtures;

namespace FineTuneStudio.Core.Tests.Imports;

/// <summary>
/// Public instruction sets under their own names (Dolly, OpenOrca, GSM8K, LLaMA-Factory's Alpaca with history) and
/// preference pairs without a prompt key (TRL's implicit prompt, HH-RLHF transcripts), and OpenAI's older
/// function-calling lines, each from a fixture written after the documented fields. Every one of them was refused before.
/// </summary>
public class InstructionAndConversationPairTests
{
    private static async Task<(List<ImportRow> Rows, ImportFormat? Detected)> DetectAsync(string fixture)
    {
        var parser = new JsonExampleParser();
        await using var stream = Open(fixture);
        var rows = await CollectAsync(parser.ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));
        return (rows, parser.DetectedFormat);
    }

    private static async Task<List<ImportRow>> ParseAsync(string jsonl, ImportFormat format = ImportFormat.Auto)
    {
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(jsonl));
        return await CollectAsync(new JsonExampleParser().ParseAsync(stream, format, CancellationToken.None));
    }

    private static (MessageRole, string?)[] Turns(ImportRow row) => row.Content!.Messages.Select(m => (m.Role, m.Content)).ToArray();

    [Fact]
    public async Task Dolly_ContextFollowsTheInstruction_ResponseIsTheAnswer_CategoryATag()
    {
        var (rows, detected) = await DetectAsync("dolly.jsonl");

        detected.ShouldBe(ImportFormat.Alpaca);
        Errors(rows).ShouldBeEmpty();
        rows.SelectMany(r => r.Warnings).ShouldBeEmpty();
        Turns(rows[0]).ShouldBe([
            (MessageRole.User, "When did the ferry line start?\n\nThe ferry line opened in May 1998 with one boat between the two harbours.\nA second boat joined in 2004."),
            (MessageRole.Assistant, "It started in May 1998."),
        ]);
        Turns(rows[1]).ShouldBe([(MessageRole.User, "Name three hand tools."), (MessageRole.Assistant, "A hammer, a saw and a chisel.")]);
        rows.Select(r => r.Content!.Tags!.Single()).ShouldBe(["closed_qa", "brainstorming", "open_qa"]);
        rows.ShouldAllBe(r => r.Content!.Label == null);
    }

    [Fact]
    public async Task OpenOrca_SystemPromptQuestionResponse_IdDroppedWithoutAWarning()
    {
        var (rows, detected) = await DetectAsync("openorca.jsonl");

        detected.ShouldBe(ImportFormat.Alpaca);
        Errors(rows).ShouldBeEmpty();
        rows.SelectMany(r => r.Warnings).ShouldBeEmpty();
        Turns(rows[0]).ShouldBe([
            (MessageRole.System, "You are a helpful assistant who answers in one sentence."),
            (MessageRole.User, "What is the boiling point of water at sea level in Celsius?"),
            (MessageRole.Assistant, "Water boils at 100 °C at sea level."),
        ]);
        Turns(rows[1]).Select(t => t.Item1).ShouldBe([MessageRole.User, MessageRole.Assistant]);
    }

    [Fact]
    public async Task Gsm8k_QuestionAndAnswer_TheWorkedAnswerKeptWhole()
    {
        var (rows, detected) = await DetectAsync("gsm8k.jsonl");

        detected.ShouldBe(ImportFormat.Alpaca);
        Turns(rows.ShouldHaveSingleItem()).ShouldBe([
            (MessageRole.User, "Ana has 3 boxes of 12 pencils and gives away 5. How many pencils are left?"),
            (MessageRole.Assistant, "She has 3 * 12 = <<3*12=36>>36 pencils.\n36 - 5 = <<36-5=31>>31 pencils are left.\n#### 31"),
        ]);
    }

    [Fact]
    public async Task LlamaFactoryAlpaca_HistoryRoundsComeBeforeTheInstruction()
    {
        var (rows, _) = await DetectAsync("alpaca-history.json");

        Errors(rows).ShouldBeEmpty();
        rows.SelectMany(r => r.Warnings).ShouldBeEmpty();
        Turns(rows[0]).ShouldBe([
            (MessageRole.System, "You name colours, one word each."),
            (MessageRole.User, "Name a colour."), (MessageRole.Assistant, "Red."),
            (MessageRole.User, "Another?"), (MessageRole.Assistant, "Green."),
            (MessageRole.User, "And a third one?"), (MessageRole.Assistant, "Blue."),
        ]);
        Turns(rows[1]).ShouldBe([(MessageRole.User, "Translate to French.\n\nGood morning"), (MessageRole.Assistant, "Bonjour")]);
    }

    [Fact]
    public async Task HhRlhfTranscripts_SharedTurnsArePrompt_LastAnswersThePair()
    {
        var (rows, detected) = await DetectAsync("hh-rlhf.jsonl");

        detected.ShouldBe(ImportFormat.Preference);
        Errors(rows).ShouldBeEmpty();
        var basil = rows[0].Content!;
        basil.Messages.Select(m => (m.Role, m.Content)).ShouldBe([
            (MessageRole.User, "How do I keep basil alive indoors?"),
            (MessageRole.Assistant, "Give it a sunny window and water it when the soil feels dry."),
            (MessageRole.User, "How often is that?"),
        ]);
        basil.PreferredCompletion.ShouldBe("Usually every two or three days; check the top centimetre of soil first.");
        basil.RejectedCompletion.ShouldBe("Every day, a full glass.");

        // HH-RLHF has rejected answers with nothing after "Assistant:"; an explicit pair with an empty answer imports too.
        (rows[1].Content!.PreferredCompletion, rows[1].Content!.RejectedCompletion).ShouldBe(("Why did the cat sit on the computer? To keep an eye on the mouse.", ""));
    }

    [Fact]
    public async Task TrlImplicitPrompt_ConversationsShareThePrompt_SystemTurnKept()
    {
        var (rows, detected) = await DetectAsync("trl-implicit-preference.jsonl");

        detected.ShouldBe(ImportFormat.Preference);
        Errors(rows).ShouldBeEmpty();
        Turns(rows[0]).ShouldBe([(MessageRole.User, "What colour is fresh snow?")]);
        (rows[0].Content!.PreferredCompletion, rows[0].Content!.RejectedCompletion).ShouldBe(("White.", "Green."));
        Turns(rows[1]).ShouldBe([(MessageRole.System, "Answer in French."), (MessageRole.User, "Say thank you.")]);
        (rows[1].Content!.PreferredCompletion, rows[1].Content!.RejectedCompletion).ShouldBe(("Merci.", "Thank you."));
    }

    [Fact]
    public async Task UltraFeedback_PromptGivenAndRepeatedInTheConversations_PromptOnceScoresWarned()
    {
        var (rows, detected) = await DetectAsync("ultrafeedback.jsonl");

        detected.ShouldBe(ImportFormat.Preference);
        var row = rows.ShouldHaveSingleItem();
        Turns(row).ShouldBe([(MessageRole.User, "Which planet is the largest?")]);
        (row.Content!.PreferredCompletion, row.Content.RejectedCompletion).ShouldBe(("Jupiter is the largest planet of the solar system.", "Saturn."));
        row.Warnings.Select(w => w.Field).ShouldBe(["prompt_id", "messages", "score_chosen", "score_rejected"]);
    }

    [Fact]
    public async Task PromptAndResponse_ReadAsPromptAndCompletion_TheScoresWarnedAsNotImported()
    {
        // HelpSteer's shape: prompt, response and five attribute scores per line.
        var (rows, detected) = await DetectAsync("helpsteer.jsonl");

        detected.ShouldBe(ImportFormat.PromptCompletion);
        Errors(rows).ShouldBeEmpty();
        Turns(rows[1]).ShouldBe([(MessageRole.User, "Name a prime number above 90."), (MessageRole.Assistant, "97 is prime.")]);
        rows[0].Warnings.Select(w => w.Field).ShouldBe(["helpfulness", "correctness", "coherence", "complexity", "verbosity"]);

        var both = await ParseAsync("""{"prompt": "Hi", "completion": "Hello", "response": "Hey"}""" + "\n");
        var error = Errors(both).ShouldHaveSingleItem();
        (error.Field, error.Message).ShouldBe(("response", "and completion are both given and mean the same part; keep one"));
    }

    [Fact]
    public async Task OpenAiLegacyFunctionCalling_ReadAsToolCalls_FunctionResultsAnswerTheOpenCall()
    {
        // OpenAI's older function-calling fine-tuning lines: functions, function_call and role "function".
        var (rows, detected) = await DetectAsync("openai-legacy-functions.jsonl");

        detected.ShouldBe(ImportFormat.Chat);
        Errors(rows).ShouldBeEmpty();
        rows.SelectMany(r => r.Warnings).ShouldBeEmpty();
        var weather = rows[0].Content!;
        weather.Messages.Select(m => (m.Role, m.Content, m.ToolCallsJson, m.ToolCallId)).ShouldBe([
            (MessageRole.User, "How warm is it in Lisbon?", null, null),
            (MessageRole.Assistant, null, """[{"id":"call_1","type":"function","function":{"name":"current_weather","arguments":"{\"city\": \"Lisbon\", \"unit\": \"celsius\"}"}}]""", null),
            (MessageRole.Tool, """{"temperature": 19}""", null, "call_1"),
            (MessageRole.Assistant, "It is 19 °C in Lisbon.", null, null),
        ]);
        weather.Messages[2].Name.ShouldBe("current_weather");
        weather.ToolsJson.ShouldBe("""[{"type":"function","function":{"name":"current_weather","description":"The weather now in a city","parameters":{"type":"object","properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}}}]""");

        // Two calls in turn: each result answers the call before it; object arguments are written as OpenAI's JSON string.
        var twice = rows[1].Content!;
        twice.Messages.Where(m => m.ToolCallsJson is not null).Select(m => m.ToolCallsJson).ShouldBe([
            """[{"id":"call_1","type":"function","function":{"name":"current_weather","arguments":"{\"city\":\"Lisbon\"}"}}]""",
            """[{"id":"call_2","type":"function","function":{"name":"current_weather","arguments":"{\"city\": \"Porto\"}"}}]""",
        ]);
        twice.Messages.Where(m => m.Role == MessageRole.Tool).Select(m => (m.Content, m.ToolCallId)).ShouldBe([("19", "call_1"), ("17", "call_2")]);
    }

    [Theory]
    [InlineData("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "function", "name": "f", "content": "1"}, {"role": "assistant", "content": "x"}]}""", "messages[1].role", "answers an assistant's function_call before it, and there is none")]
    [InlineData("""{"messages": [{"role": "user", "content": "Hi", "function_call": {"name": "f"}}, {"role": "assistant", "content": "x"}]}""", "messages[0].function_call", "only an assistant message may carry a function call")]
    [InlineData("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "function_call": "f"}]}""", "messages[1].function_call", "must be an object")]
    [InlineData("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "function_call": {"arguments": "{}"}}]}""", "messages[1].function_call", "needs a \"name\" string")]
    [InlineData("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "function_call": {"name": "f"}, "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}]}""", "messages[1].function_call", "and tool_calls are both given")]
    [InlineData("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "x"}], "functions": [{"name": "f"}], "tools": [{"type": "function", "function": {"name": "f"}}]}""", "functions", "and tools are both given")]
    [InlineData("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "x"}], "functions": [{"description": "no name"}]}""", "functions[0].name", "is missing; a tool needs a name")]
    public async Task LegacyFunctionCalling_BadPart_OneErrorNamingTheField(string record, string field, string message)
    {
        var rows = await ParseAsync(record + "\n", ImportFormat.Chat);

        var error = Errors(rows).ShouldHaveSingleItem();
        (error.Line, error.Field).ShouldBe((1, field));
        error.Message.ShouldContain(message);
    }

    [Theory]
    [InlineData("""{"instruction": "Hi", "output": "Hello", "response": "Hey"}""", "response", "and output are both given")]
    [InlineData("""{"question": "Hi", "instruction": "Hi", "answer": "Hello"}""", "question", "and instruction are both given")]
    [InlineData("""{"instruction": "Hi", "context": "a"}""", "output", "is missing")]
    [InlineData("""{"instruction": "Hi", "response": 42}""", "response", "must be a string, found a number")]
    [InlineData("""{"instruction": "Hi", "response": " "}""", "response", "an assistant turn needs text or tool calls")]
    [InlineData("""{"instruction": "Hi", "output": "x", "history": "Hi"}""", "history", "must be a list of [instruction, answer] pairs, found a string")]
    [InlineData("""{"instruction": "Hi", "output": "x", "history": [["a", "b"], ["a"]]}""", "history[1]", "must be a pair of strings [instruction, answer], found a list of 1 item(s)")]
    [InlineData("""{"instruction": "Hi", "output": "x", "history": [["a", 2]]}""", "history[0]", "a pair that is not two strings")]
    [InlineData("""{"instruction": "Hi", "output": "x", "history": [["a", ""]]}""", "history[0][1]", "an assistant turn needs text or tool calls")]
    [InlineData("""{"instruction": "Hi", "output": "x", "category": 3}""", "category", "must be a string, found a number")]
    public async Task InstructionRecord_BadPart_OneErrorNamingTheField(string record, string field, string message)
    {
        var rows = await ParseAsync(record + "\n", ImportFormat.Alpaca);

        var error = Errors(rows).ShouldHaveSingleItem();
        (error.Line, error.Field).ShouldBe((1, field));
        error.Message.ShouldContain(message);
    }

    [Theory]
    [InlineData("""{"chosen": "Blue.", "rejected": "Red."}""", "prompt", "or give each as its whole conversation")]
    [InlineData("""{"chosen": "\n\nHuman: Hi\n\nAssistant: Hello.", "rejected": "\n\nHuman: Bye\n\nAssistant: Go."}""", "rejected", "turn 1 differs from chosen's")]
    [InlineData("""{"chosen": "\n\nHuman: Hi\n\nAssistant: Hello.", "rejected": "\n\nHuman: Hi\n\nAssistant: A\n\nHuman: B\n\nAssistant: C"}""", "rejected", "turn 2 differs from chosen's")]
    [InlineData("""{"chosen": "\n\nHuman: Hi\n\nAssistant: Hello.", "rejected": "\n\nHuman: Hi"}""", "rejected", "must end with the assistant's answer")]
    [InlineData("""{"chosen": "\n\nHuman: Hi\n\nAssistant: Hello.", "rejected": 7}""", "rejected", "must be a list of messages or a Human:/Assistant: transcript, found a number")]
    [InlineData("""{"chosen": "\n\nHuman: Hi\n\nAssistant: Hello.", "rejected": "Go away."}""", "rejected", "found text that does not start with Human:")]
    [InlineData("""{"chosen": "\n\nHuman: Hi\n\nAssistant: Hello."}""", "rejected", "is missing")]
    [InlineData("""{"chosen": [{"role": "assistant", "content": "Hello."}], "rejected": [{"role": "assistant", "content": "Go."}]}""", "chosen", "holds only an answer")]
    [InlineData("""{"chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}], "rejected": [{"role": "user", "content": "Hey"}, {"role": "assistant", "content": "Go."}]}""", "rejected", "turn 1 differs from chosen's")]
    [InlineData("""{"chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}], "rejected": []}""", "rejected", "must hold at least one message")]
    public async Task PairWithoutPrompt_BadConversation_OneErrorNamingTheField(string record, string field, string message)
    {
        var rows = await ParseAsync(record + "\n", ImportFormat.Preference);

        var error = Errors(rows).ShouldHaveSingleItem();
        (error.Line, error.Field).ShouldBe((1, field));
        error.Message.ShouldContain(message);
    }
}
