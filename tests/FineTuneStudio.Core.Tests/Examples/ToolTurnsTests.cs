using System.Text;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Imports;

namespace FineTuneStudio.Core.Tests.Examples;

public sealed class ToolTurnsTests
{
    private const string TwoCalls =
        """[{"id": "call_a", "type": "function", "function": {"name": "lookup_order", "arguments": "{\"id\": 7}"}}, {"id": "call_b", "type": "function", "function": {"name": "refund", "arguments": "{}"}}]""";

    private static MessageContent User(string text) => new(MessageRole.User, text);
    private static MessageContent Calling(string calls) => new(MessageRole.Assistant, null, ToolCallsJson: calls);
    private static MessageContent Result(string text, string? id) => new(MessageRole.Tool, text, ToolCallId: id);

    [Fact]
    public void CallsBefore_AToolTurn_OffersTheCallsOfTheNearestCallingAssistantTurn_NotOnesBeforeTheUserSpoke()
    {
        List<MessageContent> turns =
        [
            User("where is order 7?"), Calling(TwoCalls), Result("shipped", "call_a"), Result("refund queued", null),
            new(MessageRole.Assistant, "It shipped."), User("thanks"), Result("stray", null),
        ];

        ToolTurns.CallsBefore(turns, 3).ShouldBe([new ToolCallRef("call_a", "lookup_order"), new ToolCallRef("call_b", "refund")]);
        ToolTurns.CallsBefore(turns, 6).ShouldBeEmpty();
        ToolTurns.Calls("""[{"type": "function"}, {"id": "x"}]""").ShouldBe([new ToolCallRef("x", "")]);
        ToolTurns.Calls("not json").ShouldBeEmpty();
    }

    [Fact]
    public void Validate_ToolTurnWithoutIdOrWithAnUnknownOne_IsRefusedNamingTheTurnAndTheCallsToChooseFrom()
    {
        var input = new ExampleInput(
        [
            User("where is order 7?"), Calling(TwoCalls), Result("shipped", null), Result("refund queued", "call_z"),
            new MessageContent(MessageRole.User, "ok", ToolCallId: "call_a"),
        ]);

        var errors = Should.Throw<StudioValidationException>(() => ExampleValidator.Validate(input, TaskKind.Chat, [])).Errors;

        errors.Select(e => e.ToString()).ShouldBe([
            "messages[3].toolCallId: choose the call this result answers (call_a, call_b)",
            "messages[4].toolCallId: 'call_z' is not a call of the assistant turn before; choose one of call_a, call_b",
            "messages[5].toolCallId: only tool turns answer a tool call",
        ]);
    }

    [Fact]
    public void Validate_ToolTurnsAnsweringTheirCalls_AndToolsInOpenAiShape_AreKept()
    {
        const string tools = """[{"type": "function", "function": {"name": "lookup_order", "description": "Find an order", "parameters": {"type": "object", "properties": {"id": {"type": "integer"}}}}}]""";
        var input = new ExampleInput(
            [User("where is order 7?"), Calling(TwoCalls), Result("shipped", "call_a"), Result("queued", "call_b"), new MessageContent(MessageRole.Assistant, "Shipped; refund queued.")],
            ToolsJson: tools);

        var valid = ExampleValidator.Validate(input, TaskKind.Chat, []);

        valid.Messages.Select(m => m.ToolCallId).ShouldBe([null, null, "call_a", "call_b", null]);
        valid.ToolsJson.ShouldBe(tools);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("  ", null)]
    [InlineData("""[{"type": "function", "function": {"name": "f"}}]""", null)]
    [InlineData("""{"type": "function"}""", "must be a JSON array of tools, e.g. [{\"type\": \"function\", \"function\": {\"name\": \"lookup\", \"parameters\": {\"type\": \"object\"}}}]")]
    [InlineData("""[{"type": "function", "function": {"name": "f"}}, 3]""", "tool 2 must be an object")]
    [InlineData("""[{"function": {"name": "f"}}]""", "tool 1: \"type\" must be \"function\"")]
    [InlineData("""[{"type": "function", "name": "f"}]""", "tool 1: \"function\" must be an object with a name")]
    [InlineData("""[{"type": "function", "function": {"name": ""}}]""", "tool 1: \"function.name\" must be a non-empty string")]
    [InlineData("""[{"type": "function", "function": {"name": "f"}}, {"type": "function", "function": {"name": "f"}}]""", "tool 2: the name 'f' is used by an earlier tool")]
    [InlineData("""[{"type": "function", "function": {"name": "f", "description": 4}}]""", "tool 1: \"function.description\" must be a string")]
    [InlineData("""[{"type": "function", "function": {"name": "f", "parameters": {"type": "string"}}}]""", "tool 1: \"function.parameters\" must be a JSON Schema object ({\"type\": \"object\", \"properties\": {...}})")]
    [InlineData("[{\"type\": \"function\",\n \"function\": {", "is not valid JSON (line 2, position 15)")]
    public void ToolsProblem_NamesTheToolAndTheField(string? json, string? expected) =>
        ToolTurns.ToolsProblem(json).ShouldBe(expected);

    [Fact]
    public void Validate_BrokenTools_IsRefusedOnTheToolsField()
    {
        var input = new ExampleInput([User("hi")], ToolsJson: """[{"type": "function", "function": {}}]""");

        var error = Should.Throw<StudioValidationException>(() => ExampleValidator.Validate(input, TaskKind.Chat, [])).Errors.Single();

        (error.Field, error.Message).ShouldBe(("tools", "tool 1: \"function.name\" must be a non-empty string"));
    }

    [Fact]
    public async Task Import_AWrappedToolWithoutType_GetsTheTypeTheEditorAndTheExportNeed()
    {
        const string line = """{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}], "tools": [{"function": {"name": "f", "parameters": {"type": "object"}}}]}""";
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(line));
        var rows = new List<ImportRow>();
        await foreach (var row in new JsonExampleParser().ParseAsync(stream, ImportFormat.Auto, CancellationToken.None))
        {
            rows.Add(row);
        }

        var tools = rows.Single().Content!.ToolsJson;
        tools.ShouldBe("""[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]""");
        ToolTurns.ToolsProblem(tools).ShouldBeNull();
    }

    /// <summary>Truncations and byte flips of valid tool JSON: every rule answers with a message or null, never throws.</summary>
    [Fact]
    public void Fuzz_MangledToolJson_NeverThrows()
    {
        var random = new Random(20261204);
        string[] seeds =
        [
            TwoCalls,
            """[{"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object", "properties": {"a": {"type": "string"}}}}}]""",
        ];
        const string alphabet = "{}[]\":,\\ nulltruefalse0123456789eE.-+\u00e9\ud83d\ude00\u0000";

        for (var round = 0; round < 3000; round++)
        {
            var text = new StringBuilder(seeds[round % seeds.Length]);
            var edits = random.Next(1, 6);
            for (var e = 0; e < edits && text.Length > 0; e++)
            {
                var at = random.Next(text.Length);
                switch (random.Next(3))
                {
                    case 0: text.Remove(at, Math.Min(random.Next(1, 8), text.Length - at)); break;
                    case 1: text.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    default: text[at] = alphabet[random.Next(alphabet.Length)]; break;
                }
            }

            var json = text.ToString();
            var turns = new List<MessageContent> { User("q"), Calling(json), Result("r", random.Next(2) == 0 ? "call_a" : null) };

            Should.NotThrow(() =>
            {
                ToolTurns.ToolsProblem(json);
                ToolTurns.Calls(json);
                ToolTurns.ToolCallIdProblem(turns, 2);
            }, json);
        }
    }

    [Fact]
    public void JsonRules_LoneSurrogate_IsAMessageNotACrash()
    {
        const string broken = "[{\"type\": \"function\", \"function\": {\"name\": \"f\ud83d\"}}]";

        ToolTurns.ToolsProblem(broken).ShouldBe("holds a broken character (a lone UTF-16 surrogate)");
        ExampleValidator.JsonArrayProblem(broken).ShouldBe("holds a broken character (a lone UTF-16 surrogate)");
        ToolTurns.Calls(broken).ShouldBeEmpty();
    }
}
