using System.Text;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Versions;

public class JsonlExampleWriterTests
{
    public static TheoryData<string> TargetKeys => new(TrainingTargets.All.Select(t => t.Key));

    [Theory]
    [MemberData(nameof(TargetKeys))]
    public async Task WriteAsync_SampleSet_MatchesHandWrittenGoldenFile(string key)
    {
        var target = TrainingTargets.Get(key);
        using var output = new MemoryStream();

        var lines = await new JsonlExampleWriter(target).WriteAsync(ToAsync(ExportSamples.SetFor(target)), output);

        var expected = await File.ReadAllBytesAsync(ExportSamples.GoldenPath(key + ".jsonl"));
        lines.ShouldBe(ExportSamples.SetFor(target).Count);
        Encoding.UTF8.GetString(output.ToArray()).ShouldBe(Encoding.UTF8.GetString(expected));
        output.ToArray().ShouldBe(expected);
    }

    [Theory]
    [MemberData(nameof(TargetKeys))]
    public async Task WriteAsync_SampleSet_PassesOwnValidatorWithoutErrors(string key)
    {
        var target = TrainingTargets.Get(key);
        using var output = new MemoryStream();
        await new JsonlExampleWriter(target).WriteAsync(ToAsync(ExportSamples.SetFor(target)), output);

        var report = await ExportSamples.ValidateBytesAsync(target, output.ToArray());

        report.Errors.ShouldBeEmpty();
        report.ExampleCount.ShouldBe(ExportSamples.SetFor(target).Count);
    }

    [Fact]
    public void Write_SyncOverload_GivesSameBytesAsAsync()
    {
        var target = TrainingTargets.OpenAiChatProfile;
        using var output = new MemoryStream();
        new JsonlExampleWriter(target).Write(ExportSamples.ChatSet, output);

        output.ToArray().ShouldBe(File.ReadAllBytes(ExportSamples.GoldenPath("openai-chat.jsonl")));
    }

    [Fact]
    public void Write_Output_HasNoBomAndOnlyLineFeeds()
    {
        using var output = new MemoryStream();
        new JsonlExampleWriter(TrainingTargets.HfMessagesProfile).Write(ExportSamples.ChatSet, output);
        var bytes = output.ToArray();

        bytes.Take(3).ShouldNotBe(new byte[] { 0xEF, 0xBB, 0xBF });
        bytes.ShouldNotContain((byte)'\r');
        bytes.Count(b => b == (byte)'\n').ShouldBe(3);
        bytes[^1].ShouldBe((byte)'\n');
    }

    [Fact]
    public void ToLine_PreferenceTargetWithoutRejected_ThrowsValidation()
    {
        var example = ExportSamples.PreferencePair with { RejectedCompletion = null };

        var error = Should.Throw<StudioValidationException>(() => new JsonlExampleWriter(TrainingTargets.OpenAiDpoProfile).ToLine(example));
        error.Errors[0].Field.ShouldBe("preferred_completion");
    }

    [Fact]
    public async Task ToLine_OpenAiChatWithTools_WritesToolsAfterMessagesAndPassesValidator()
    {
        var line = new JsonlExampleWriter(TrainingTargets.OpenAiChatProfile).ToLine(ExportSamples.ToolCall);

        line.ShouldEndWith("""],"tools":[{"type":"function","function":{"name":"get_weather","description":"Current weather for a city","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}]}""");
        var report = await ExportSamples.ValidateAsync(TrainingTargets.OpenAiChatProfile, line + "\n");
        report.Errors.ShouldBeEmpty();
        report.Warnings.ShouldNotContain(w => w.Field.Contains("tools"));
    }

    [Fact]
    public async Task ToLine_OpenAiDpoWithTools_PutsToolsBesideTheInputMessages()
    {
        var example = ExportSamples.PreferencePair with { ToolsJson = """[{"type": "function", "function": {"name": "lookup"}}]""" };

        var line = new JsonlExampleWriter(TrainingTargets.OpenAiDpoProfile).ToLine(example);

        line.ShouldContain("""You write one-line summaries."},{"role":"user","content":"Summarise: The meeting moved to Friday."}],"tools":[{"type":"function","function":{"name":"lookup"}}]},"preferred_output":""");
        (await ExportSamples.ValidateAsync(TrainingTargets.OpenAiDpoProfile, line + "\n")).Errors.ShouldBeEmpty();
    }

    [Fact]
    public void ToLine_PromptCompletionTarget_LeavesToolsOut()
    {
        var line = new JsonlExampleWriter(TrainingTargets.HfPromptCompletionProfile).ToLine(ExportSamples.ToolCall);

        line.ShouldNotContain("\"tools\"");
        line.ShouldNotContain("Current weather for a city");
    }

    [Fact]
    public void ToLine_InvalidToolsJson_ThrowsValidation()
    {
        var example = ExportSamples.SimpleChat with { ToolsJson = "[{not json" };

        Should.Throw<StudioValidationException>(() => new JsonlExampleWriter(TrainingTargets.OpenAiChatProfile).ToLine(example))
            .Errors[0].Field.ShouldBe("tools");
    }

    [Fact]
    public void ToLine_InvalidToolCallsJson_ThrowsValidation()
    {
        var example = new ExampleContent([new(MessageRole.User, "x"), new(MessageRole.Assistant, null, ToolCallsJson: "[{not json")]);

        Should.Throw<StudioValidationException>(() => new JsonlExampleWriter(TrainingTargets.OpenAiChatProfile).ToLine(example))
            .Errors[0].Field.ShouldBe("tool_calls");
    }

    [Fact]
    public void ToLine_WeightOnUserMessage_IsNotWritten()
    {
        var example = new ExampleContent([new(MessageRole.User, "a", Weight: 1), new(MessageRole.Assistant, "b", Weight: 1)]);

        new JsonlExampleWriter(TrainingTargets.OpenAiChatProfile).ToLine(example)
            .ShouldBe("""{"messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b","weight":1}]}""");
    }

    private static async IAsyncEnumerable<ExampleContent> ToAsync(IEnumerable<ExampleContent> items)
    {
        foreach (var item in items)
        {
            await Task.Yield();
            yield return item;
        }
    }
}
