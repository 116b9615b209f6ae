using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Training;
using FineTuneStudio.Core.Versions;
using static FineTuneStudio.Core.Tests.Imports.ImportFixtures;

namespace FineTuneStudio.Core.Tests.Versions;

/// <summary>
/// The vertex-gemini target: lines written as Vertex AI's Gemini tuning data documents them, checked by the validator
/// with the field named, and read back by the importer to the same conversation.
/// </summary>
public class GeminiLinesTests
{
    private static readonly TrainingTargetProfile Gemini = TrainingTargets.VertexGeminiProfile;

    private static string Write(ExampleContent example) => new JsonlExampleWriter(Gemini).ToLine(example);

    private static async Task<List<string>> IssuesAsync(string line, bool errors = true)
    {
        var report = await ExportSamples.ValidateAsync(Gemini, line + "\n");
        return (errors ? report.Errors : report.Warnings).Select(i => $"{i.Field}: {i.Message}").ToList();
    }

    [Fact]
    public void Write_ATextToolResult_IsWrappedAsAnObject_AndReadsBackAsText()
    {
        var example = new ExampleContent(
        [
            new(MessageRole.User, "Is the shop open?"),
            new(MessageRole.Assistant, "Let me check.", ToolCallsJson: """[{"id": "c7", "type": "function", "function": {"name": "opening_hours", "arguments": ""}}]"""),
            new(MessageRole.Tool, "open until six", ToolCallId: "c7"),
            new(MessageRole.Assistant, "Yes, until six."),
        ]);

        var line = Write(example);

        line.ShouldBe("""{"contents":[{"role":"user","parts":[{"text":"Is the shop open?"}]},{"role":"model","parts":[{"text":"Let me check."},{"functionCall":{"name":"opening_hours","args":{}}}]},{"role":"user","parts":[{"functionResponse":{"name":"opening_hours","response":{"content":"open until six"}}}]},{"role":"model","parts":[{"text":"Yes, until six."}]}]}""");
        var read = JsonRecordMapper.Map(System.Text.Json.JsonDocument.Parse(line).RootElement, ImportFormat.Gemini, 1);
        read.Content!.Messages.Select(m => (m.Role, m.Content)).ShouldBe(example.Messages.Select(m => (m.Role, m.Content)));
    }

    [Fact]
    public void Write_ArgumentsThatAreNotAnObject_AreRefusedNamingTheLine()
    {
        var example = new ExampleContent(
        [
            new(MessageRole.User, "Add them."),
            new(MessageRole.Assistant, null, ToolCallsJson: """[{"id": "c1", "type": "function", "function": {"name": "add", "arguments": "[1, 2]"}}]"""),
            new(MessageRole.Tool, "3", ToolCallId: "c1"),
            new(MessageRole.Assistant, "3."),
        ]);

        var error = Should.Throw<StudioValidationException>(() => new JsonlExampleWriter(Gemini).Write([ExportSamples.SimpleChat, example], new MemoryStream()));

        error.Errors.Single().ToString().ShouldBe("line 2: tool_calls: The arguments of the call to add are not a JSON object, which Gemini's functionCall needs.");
    }

    [Fact]
    public async Task Validate_TheGoldenFile_HasNoErrors_AndWarnsOnlyOfTheMissingSystemInstruction()
    {
        var report = await ExportSamples.ValidateBytesAsync(Gemini, await File.ReadAllBytesAsync(ExportSamples.GoldenPath("vertex-gemini.jsonl")));

        report.Errors.ShouldBeEmpty();
        report.ExampleCount.ShouldBe(3);
        report.Warnings.Select(w => (w.Line, w.Field, w.Message)).ShouldBe([(2, "systemInstruction", "No system instruction.")]);
    }

    [Theory]
    [InlineData("""{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "assistant", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hi"}]}]}""", "contents[1].role: role must be user or model.")]
    [InlineData("""{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}""", "contents: No model turn, so there is nothing for the model to learn.")]
    [InlineData("""{"contents": [{"role": "user", "parts": []}, {"role": "model", "parts": [{"text": "Hi"}]}]}""", "contents[0].parts: parts must be a non-empty list.")]
    [InlineData("""{"contents": [{"role": "user", "parts": [{"text": 7}]}, {"role": "model", "parts": [{"text": "Hi"}]}]}""", "contents[0].parts[0].text: text must be a string.")]
    [InlineData("""{"contents": [{"role": "user", "parts": [{"functionResponse": {"name": "f"}}]}, {"role": "model", "parts": [{"text": "Hi"}]}]}""",
        "contents[0].parts[0].functionResponse: A functionResponse needs the name of its function and the response as an object.")]
    [InlineData("""{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"functionCall": {"name": "f", "args": "x"}}]}]}""",
        "contents[1].parts[0].functionCall: A functionCall needs a name, and args as an object.")]
    [InlineData("""{"messages": [], "contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hi"}]}]}""",
        "messages: Unrecognised key 'messages'. Allowed here: contents, systemInstruction, tools.")]
    [InlineData("""{"systemInstruction": {"parts": [{"functionCall": {"name": "f"}}]}, "contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hi"}]}]}""",
        "systemInstruction.parts[0]: A system instruction holds text parts only.")]
    [InlineData("""{"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hi"}]}], "tools": [{"googleSearch": {}}]}""",
        "tools[0]: Each tool needs functionDeclarations, a list.")]
    public async Task Validate_ALineVertexWouldRefuse_IsAnErrorNamingTheField(string line, string error)
    {
        (await IssuesAsync(line)).ShouldBe([error]);
    }

    [Fact]
    public async Task Validate_FileDataAndATrailingUserTurn_AreWarnings()
    {
        var warnings = await IssuesAsync("""{"systemInstruction": {"parts": [{"text": "Be brief."}]}, "contents": [{"role": "user", "parts": [{"fileData": {"mimeType": "image/png", "fileUri": "gs://b/cat.png"}}]}, {"role": "model", "parts": [{"text": "A cat."}]}, {"role": "user", "parts": [{"text": "Thanks"}]}]}""", errors: false);

        warnings.ShouldBe([
            "contents[0].parts[0]: A file or inline data part: its tokens are not counted here.",
            "contents[2]: The conversation does not end with a model turn; turns after the last reply teach nothing.",
        ]);
    }

    [Fact]
    public async Task ImportedGeminiFile_ExportedAgain_GivesTheSameLines()
    {
        // Round trip: the fixture written after Vertex's documentation, in, then out as vertex-gemini.
        await using var stream = Open("gemini.jsonl");
        var rows = await CollectAsync(new JsonExampleParser().ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));
        var lines = rows.Select(r => Write(r.Content!)).ToList();

        var again = lines.Select(l => JsonRecordMapper.Map(System.Text.Json.JsonDocument.Parse(l).RootElement, ImportFormat.Gemini, 1).Content!).ToList();
        again.Select(Write).ShouldBe(lines);
        lines[0].ShouldBe("""{"systemInstruction":{"parts":[{"text":"You answer questions about the city library in one sentence."}]},"contents":[{"role":"user","parts":[{"text":"When does the library open on Sundays?"}]},{"role":"model","parts":[{"text":"It opens at noon on Sundays."}]}]}""");
        (await ExportSamples.ValidateAsync(Gemini, string.Join("\n", lines) + "\n")).Errors.ShouldBeEmpty();
        // snake_case system_instruction comes back out as Vertex's documented systemInstruction.
        lines[3].ShouldStartWith("""{"systemInstruction":{"parts":[{"text":"Answer in French."}]}""");
    }
}
