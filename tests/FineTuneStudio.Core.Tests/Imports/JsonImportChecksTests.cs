using System.Text;
using FineTuneStudio.Core.Imports;
using static FineTuneStudio.Core.Tests.Imports.ImportFixtures;

namespace FineTuneStudio.Core.Tests.Imports;

/// <summary>What System.Text.Json lets through but an import must refuse or report, each as a line error.</summary>
public class JsonImportChecksTests
{
    private const string Valid = """{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}""";

    private static async Task<List<ImportRow>> ParseAsync(string text, ImportFormat format = ImportFormat.Auto) =>
        await ParseBytesAsync(Encoding.UTF8.GetBytes(text), format);

    private static async Task<List<ImportRow>> ParseBytesAsync(byte[] bytes, ImportFormat format = ImportFormat.Auto)
    {
        await using var stream = new MemoryStream(bytes);
        return await CollectAsync(new JsonExampleParser().ParseAsync(stream, format, CancellationToken.None));
    }

    private static InputError SingleError(List<ImportRow> rows) => Errors(rows).ShouldHaveSingleItem();

    [Fact]
    public async Task ParseAsync_JsonlWhoseFirstLineIsAnArray_NamesEveryBadLine()
    {
        var text = $"\uFEFF\r\n[\"a\", \"b\"]\r\n{Valid}\n[{Valid}]\n{{\"messages\": 5}}\n{Valid}\n";

        var rows = await ParseAsync(text, ImportFormat.Chat);

        Errors(rows).Select(e => (e.Line, e.Field)).ShouldBe([(2, "record"), (4, "record"), (5, "messages")]);
        rows.Where(r => r.IsValid).Select(r => r.Line).ShouldBe([3, 6]);
    }

    [Fact]
    public async Task ParseAsync_SingleLineArrayOrPrettyArray_StillReadAsOneArray()
    {
        var oneLine = await ParseAsync($"[{Valid}, {Valid}]\n");
        var pretty = await ParseAsync($"[\n  {Valid},\n  {Valid}\n]\n");

        oneLine.Count(r => r.IsValid).ShouldBe(2);
        pretty.Select(r => r.Line).ShouldBe([2, 3]);
        Errors(pretty).ShouldBeEmpty();
    }

    [Fact]
    public async Task ParseAsync_LoneSurrogateEscape_LineErrorNamingTheField()
    {
        var rows = await ParseAsync($"{Valid}\n{{\"messages\": [{{\"role\": \"user\", \"content\": \"x \\ud800 y\"}}]}}\n");

        var error = SingleError(rows);
        (error.Line, error.Field).ShouldBe((2, "messages[0].content"));
        error.Message.ShouldContain("unpaired surrogate \\ud800");
    }

    [Fact]
    public async Task ParseAsync_ReversedSurrogatesInAKey_LineError()
    {
        var rows = await ParseAsync("{\"messages\": [{\"role\": \"user\", \"content\": \"a\", \"\\udc00\\ud800\": 1}]}\n");

        var error = SingleError(rows);
        (error.Line, error.Field).ShouldBe((1, "messages[0]"));
        error.Message.ShouldContain("unpaired surrogate \\udc00");
    }

    [Fact]
    public async Task ParseAsync_DuplicateKey_ErrorNamesTheKey()
    {
        var rows = await ParseAsync("{\"messages\": [{\"role\": \"user\", \"content\": \"a\", \"content\": \"b\"}]}\n");

        var error = SingleError(rows);
        (error.Field, error.Message).ShouldBe(("messages[0]", "key 'content' appears twice; keep one"));
    }

    [Fact]
    public async Task ParseAsync_EscapedNul_Refused()
    {
        var rows = await ParseAsync("{\"prompt\": \"a\\u0000b\", \"completion\": \"c\"}\n");

        var error = SingleError(rows);
        (error.Field, error.Message).ShouldBe(("prompt", "the text contains a NUL character (\\u0000), which cannot be stored; remove it"));
    }

    [Fact]
    public async Task ParseAsync_RawNulAndMidLineBom_NamedInTheSyntaxError()
    {
        var nul = await ParseBytesAsync([.. "{\"prompt\": \"a\", "u8, 0, .. "\"completion\": \"b\"}\n"u8]);
        var bom = await ParseBytesAsync([.. "{\"prompt\": \"a\", "u8, 0xEF, 0xBB, 0xBF, .. "\"completion\": \"b\"}\n"u8]);

        SingleError(nul).Message.ShouldContain("a NUL byte");
        SingleError(bom).Message.ShouldContain("byte order mark");
    }

    [Fact]
    public async Task ParseAsync_DeepNesting_SaysHowDeep()
    {
        var deep = "{\"prompt\": \"a\", \"completion\": " + new string('[', 100) + new string(']', 100) + "}\n";

        var error = SingleError(await ParseAsync(deep));

        error.Message.ShouldBe("is nested deeper than 64 levels");
    }

    [Fact]
    public async Task ParseAsync_HugeWeight_NamesTheNumber()
    {
        var rows = await ParseAsync("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\", \"weight\": 1e400}]}\n");

        (SingleError(rows).Field, SingleError(rows).Message).ShouldBe(("messages[1].weight", "must be 0 or 1, found 1e400"));
    }

    [Theory]
    [InlineData("""{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": ""}]}""", "messages[1].content", "an assistant turn needs text or tool calls")]
    [InlineData("""{"messages": [{"role": "user", "content": "a"}, {"role": "assistant"}]}""", "messages[1].content", "an assistant turn needs text or tool calls")]
    [InlineData("""{"prompt": "a", "completion": "  "}""", "completion", "an assistant turn needs text or tool calls")]
    [InlineData("""{"conversations": [{"from": "human", "value": "a"}, {"from": "gpt", "value": ""}]}""", "conversations[1].value", "an assistant turn needs text or tool calls")]
    [InlineData("""{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "weight": 0}]}""", "messages", "every assistant turn has weight 0, so nothing would be learned")]
    [InlineData("""{"prompt": "a", "completion": "b", "tags": ["this tag is far longer than the fifty characters allowed"]}""", "tags", "'this tag is far long…' is longer than 50 characters")]
    [InlineData("""{"messages": [{"role": "user", "content": "a", "train": true}, {"role": "assistant", "content": "b"}]}""", "messages[0].train", "only an assistant turn can be trained on; use false or leave it out")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "x"}}]}]}""", "messages[0].content[1]", "only text parts can be imported; part 1 is 'image_url'")]
    public async Task ParseAsync_RecordEveryExportWouldRefuse_LineError(string line, string field, string message)
    {
        var error = SingleError(await ParseAsync(line + "\n"));

        (error.Line, error.Field, error.Message).ShouldBe((1, field, message));
    }

    [Fact]
    public async Task ParseAsync_UserOnlyAndToolCallOnlyTurns_StayImportable()
    {
        var rows = await ParseAsync("""
            {"messages": [{"role": "user", "content": "Refund please"}], "label": "billing"}
            {"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c", "content": "ok"}, {"role": "assistant", "content": "done"}]}
            """);

        Errors(rows).ShouldBeEmpty();
        rows[0].Content!.Label.ShouldBe("billing");
    }

    [Fact]
    public async Task ParseAsync_UnknownKeys_WarnWithPathButImport()
    {
        var rows = await ParseAsync("""{"id": 7, "idx": 1, "messages": [{"role": "user", "content": "a", "foo": 1}, {"role": "assistant", "content": "b"}], "metadata": {"k": 1}}""");

        rows.Single().IsValid.ShouldBeTrue();
        rows.Single().Warnings.Select(w => (w.Line, w.Field, w.Message)).ShouldBe([
            (1, "messages[0].foo", "unknown key, not imported"),
            (1, "metadata", "unknown key, not imported"),
        ]);
    }

    [Fact]
    public async Task ParseAsync_BooleanLabelOnChat_BecomesKtoTagNotAnError()
    {
        var rows = await ParseAsync(Valid[..^1] + ", \"label\": false}", ImportFormat.Chat);

        Errors(rows).ShouldBeEmpty();
        rows.Single().Content!.Tags.ShouldBe(["kto:undesirable"]);
        rows.Single().Content!.Label.ShouldBeNull();
    }

    [Fact]
    public async Task ParseAsync_UnknownShape_ErrorListsTheKnownShapes()
    {
        var error = SingleError(await ParseAsync("{\"question\": \"a\"}\n"));

        error.Message.ShouldContain("conversations (ShareGPT");
        error.Message.ShouldContain("Label Studio");
        error.Message.ShouldContain("Argilla");
    }
}
