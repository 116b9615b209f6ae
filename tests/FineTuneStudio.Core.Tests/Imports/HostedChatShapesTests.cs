using System.Text;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Imports;
using static FineTuneStudio.Core.Tests.Imports.ImportFixtures;

namespace FineTuneStudio.Core.Tests.Imports;

/// <summary>
/// Chat files as other hosts and public sets write them, each from a fixture written after the documented fields:
/// Amazon Bedrock's fine-tuning lines (a system prompt beside the messages; Nova's text parts without a type),
/// Vertex AI's Gemini tuning lines, lmsys-chat-1m's <c>conversation</c>, and SlimOrca's float weights. Each was refused,
/// or lost its system prompt, before.
/// </summary>
public class HostedChatShapesTests
{
    private static async Task<(List<ImportRow> Rows, ImportFormat? Detected)> DetectAsync(string fixture)
    {
        var parser = new JsonExampleParser();
        await using var stream = Open(fixture);
        var rows = await CollectAsync(parser.ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));
        return (rows, parser.DetectedFormat);
    }

    private static async Task<List<ImportRow>> ParseAsync(string jsonl)
    {
        await using var stream = new MemoryStream(Encoding.UTF8.GetBytes(jsonl));
        return await CollectAsync(new JsonExampleParser().ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));
    }

    private static (MessageRole, string?)[] Turns(ImportRow row) => row.Content!.Messages.Select(m => (m.Role, m.Content)).ToArray();

    [Fact]
    public async Task BedrockClaude_SystemBesideTheMessages_BecomesTheFirstTurn()
    {
        var (rows, detected) = await DetectAsync("bedrock-claude.jsonl");

        detected.ShouldBe(ImportFormat.Chat);
        Errors(rows).ShouldBeEmpty();
        rows.SelectMany(r => r.Warnings).ShouldBeEmpty();
        Turns(rows[1]).ShouldBe([
            (MessageRole.System, "You answer questions about the city library in one sentence."),
            (MessageRole.User, "Can I renew a book online?"),
            (MessageRole.Assistant, "Yes, from your account page, up to three times."),
        ]);
    }

    [Fact]
    public async Task BedrockNova_TextPartsWithoutAType_AreJoined_AndSchemaVersionIsNoWarning()
    {
        var (rows, detected) = await DetectAsync("bedrock-nova.jsonl");

        detected.ShouldBe(ImportFormat.Chat);
        Errors(rows).ShouldBeEmpty();
        rows.SelectMany(r => r.Warnings).ShouldBeEmpty();
        Turns(rows[0]).ShouldBe([
            (MessageRole.System, "You answer questions about the city library in one sentence."),
            (MessageRole.User, "When does the library open on Sundays?"),
            (MessageRole.Assistant, "It opens at noon on Sundays."),
        ]);
        Turns(rows[1])[0].ShouldBe((MessageRole.User, "Can I renew a book online?"));
        rows[1].Content!.Messages.Count.ShouldBe(4);
    }

    [Fact]
    public async Task Gemini_ContentsAndSystemInstruction_BecomeTheTurns_MissingRolesAlternate()
    {
        var (rows, detected) = await DetectAsync("gemini.jsonl");

        detected.ShouldBe(ImportFormat.Gemini);
        Errors(rows).ShouldBeEmpty();
        rows.SelectMany(r => r.Warnings).ShouldBeEmpty();
        Turns(rows[0]).ShouldBe([
            (MessageRole.System, "You answer questions about the city library in one sentence."),
            (MessageRole.User, "When does the library open on Sundays?"),
            (MessageRole.Assistant, "It opens at noon on Sundays."),
        ]);
        Turns(rows[1])[^1].ShouldBe((MessageRole.Assistant, "Up to three times."));
        Turns(rows[2]).ShouldBe([(MessageRole.User, "Is there a quiet room?"), (MessageRole.Assistant, "Yes, on the second floor.")]);
        Turns(rows[3])[0].ShouldBe((MessageRole.System, "Answer in French."));
    }

    [Fact]
    public async Task Gemini_FunctionCallsAndResponses_BecomeToolCallsAndResults_ToolsTheirDeclarations()
    {
        // Vertex's function-calling tuning line: a call, its result in a user turn, the answer; declarations in tools.
        var rows = await ParseAsync("""
            {"contents": [{"role": "user", "parts": [{"text": "Weather in Oslo and Bergen?"}]}, {"role": "model", "parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}}, {"functionCall": {"name": "get_weather", "args": {"city": "Bergen"}}}]}, {"role": "user", "parts": [{"functionResponse": {"name": "get_weather", "response": {"temp_c": 4}}}, {"functionResponse": {"name": "get_weather", "response": {"content": "rain"}}}]}, {"role": "model", "parts": [{"text": "4 °C in Oslo, rain in Bergen."}]}], "tools": [{"functionDeclarations": [{"name": "get_weather", "description": "Weather for a city", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}]}]}
            """);

        Errors(rows).ShouldBeEmpty();
        var messages = rows.Single().Content!.Messages;
        messages.Select(m => (m.Role, m.Content, m.ToolCallId)).ShouldBe([
            (MessageRole.User, "Weather in Oslo and Bergen?", null),
            (MessageRole.Assistant, null, null),
            (MessageRole.Tool, """{"temp_c":4}""", "call_1"),
            (MessageRole.Tool, "rain", "call_2"),
            (MessageRole.Assistant, "4 °C in Oslo, rain in Bergen.", null),
        ]);
        messages[1].ToolCallsJson.ShouldBe("""[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Oslo\"}"}},{"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Bergen\"}"}}]""");
        rows.Single().Content!.ToolsJson.ShouldBe("""[{"type":"function","function":{"name":"get_weather","description":"Weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]""");
    }

    [Theory]
    [InlineData("""{"contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "gs://b/cat.png"}}]}, {"role": "model", "parts": [{"text": "A cat."}]}]}""",
        "contents[0].parts[0]: only text and function parts can be imported; part 0 is 'fileData'")]
    [InlineData("""{"contents": [{"role": "user", "parts": [{"text": "Weather?"}]}, {"role": "user", "parts": [{"functionResponse": {"name": "weather", "response": {"ok": true}}}]}]}""",
        "contents[1].parts: a functionResponse must answer a functionCall of an earlier model turn")]
    [InlineData("""{"contents": [{"role": "user", "parts": [{"functionCall": {"name": "weather"}}]}]}""", "contents[0].parts: only a model turn can hold a functionCall")]
    [InlineData("""{"contents": [{"role": "user", "parts": [{"text": "Weather?"}]}, {"role": "model", "parts": [{"functionCall": {"args": {}}}]}]}""", "contents[1].parts: a function_call needs a \"name\" string")]
    [InlineData("""{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}], "tools": [{"googleSearch": {}}]}""", "tools[0]: only function declarations can be imported: a tool like {\"functionDeclarations\": [...]}")]
    [InlineData("""{"contents": [{"role": "assistant", "parts": [{"text": "Hi"}]}]}""", "contents[0].role: 'assistant' is not a Gemini role; use user or model")]
    [InlineData("""{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": " "}]}]}""", "contents[1].parts: an assistant turn needs text or tool calls")]
    [InlineData("""{"contents": [{"role": "user", "parts": "Hi"}]}""", "contents[0].parts: must be a list of parts, found a string")]
    [InlineData("""{"contents": []}""", "contents: has no turns")]
    [InlineData("""{"systemInstruction": {"parts": [{"text": "a"}]}, "system_instruction": {"parts": [{"text": "b"}]}, "contents": [{"parts": [{"text": "Hi"}]}]}""",
        "system_instruction: and systemInstruction are both given and mean the same part; keep one")]
    public async Task Gemini_PartsWithoutText_AndUnknownRoles_AreRefusedNamingThePart(string line, string error)
    {
        var rows = await ParseAsync(line);

        Errors(rows).Select(e => $"{e.Field}: {e.Message}").ShouldBe([error]);
    }

    [Fact]
    public async Task LmsysChat_ConversationIsTheMessageList_ItsBookkeepingWarned()
    {
        var (rows, detected) = await DetectAsync("lmsys-chat.jsonl");

        detected.ShouldBe(ImportFormat.Chat);
        Errors(rows).ShouldBeEmpty();
        Turns(rows[1]).ShouldBe([
            (MessageRole.User, "Name a prime number above 90."),
            (MessageRole.Assistant, "97 is a prime number above 90."),
            (MessageRole.User, "And below 90?"),
            (MessageRole.Assistant, "89."),
        ]);
        rows[0].Warnings.Select(w => w.Field).ShouldBe(["conversation_id", "model", "turn", "language", "openai_moderation", "redacted"]);
    }

    [Fact]
    public async Task SlimOrca_FloatWeightsAndNullWeights_AreRead()
    {
        var (rows, detected) = await DetectAsync("slimorca.jsonl");

        detected.ShouldBe(ImportFormat.ShareGpt);
        Errors(rows).ShouldBeEmpty();
        Turns(rows[1]).ShouldBe([
            (MessageRole.System, "You are a helpful assistant, who always provide explanation."),
            (MessageRole.User, "Is 91 a prime number?"),
            (MessageRole.Assistant, "No. 91 is 7 times 13, so it has divisors other than 1 and itself."),
        ]);
        rows.Select(r => r.Content!.Messages[^1].Weight).ShouldBe([1, 1]);
    }

    [Theory]
    [InlineData("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 0.0}, {"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Bye", "weight": 1.0}]}""", null)]
    [InlineData("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 0.5}]}""", "messages[1].weight: must be 0 or 1, found 0.5")]
    [InlineData("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello", "weight": 1.0e1}]}""", "messages[1].weight: must be 0 or 1, found 1.0e1")]
    [InlineData("""{"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello", "weight": -0.0}]}""", "conversations: every assistant turn has weight 0, so nothing would be learned")]
    public async Task Weights_WholeNumbersWrittenAsFloats_AreFlags_OtherNumbersAreNot(string line, string? error)
    {
        var rows = await ParseAsync(line);

        Errors(rows).Select(e => $"{e.Field}: {e.Message}").ShouldBe(error is null ? [] : [error]);
    }

    [Theory]
    [InlineData("""{"system": "Be brief.", "messages": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}""",
        "system: and a system message in messages are both given; keep one")]
    [InlineData("""{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}], "conversation": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}""",
        "conversation: and messages are both given and mean the same part; keep one")]
    [InlineData("""{"system": 42, "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}""",
        "system: must be a string, found a number")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"image": {"format": "png"}}]}, {"role": "assistant", "content": "A cat."}]}""",
        "messages[0].content[0]: only text parts can be imported; part 0 has no type")]
    public async Task HostedShapes_AmbiguousOrUnreadableLines_AreRefusedNamingTheField(string line, string error)
    {
        var rows = await ParseAsync(line);

        Errors(rows).Select(e => $"{e.Field}: {e.Message}").ShouldBe([error]);
    }
}
