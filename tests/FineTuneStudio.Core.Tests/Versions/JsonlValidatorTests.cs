using System.Text;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Versions;

public class JsonlValidatorTests
{
    private static readonly TrainingTargetProfile Chat = TrainingTargets.OpenAiChatProfile;

    private const string Good = """{"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"},{"role":"assistant","content":"a"}]}""";

    [Theory]
    [InlineData("""[1,2]""", "$", "JSON object")]
    [InlineData("""{"prompt":"x"}""", "prompt", "Unrecognised key")]
    [InlineData("""{"foo":1,"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a"}]}""", "foo", "Unrecognised key")]
    [InlineData("""{"other":[]}""", "messages", "Missing messages")]
    [InlineData("""{"messages":[]}""", "messages", "empty")]
    [InlineData("""{"messages":"hi"}""", "messages", "list of messages")]
    [InlineData("""{"messages":[{"content":"u"},{"role":"assistant","content":"a"}]}""", "messages[0].role", "Missing role")]
    [InlineData("""{"messages":[{"role":"user"},{"role":"assistant","content":"a"}]}""", "messages[0].content", "Missing content")]
    [InlineData("""{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a","extra":1}]}""", "messages[1].extra", "Unrecognised key")]
    [InlineData("""{"messages":[{"role":"human","content":"u"},{"role":"assistant","content":"a"}]}""", "messages[0].role", "Unrecognised role")]
    [InlineData("""{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"   "}]}""", "messages[1].content", "empty")]
    [InlineData("""{"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"}]}""", "messages", "No assistant message")]
    [InlineData("""{"messages":[{"role":"user","content":"u","weight":1},{"role":"assistant","content":"a"}]}""", "messages[0].weight", "only allowed on assistant")]
    [InlineData("""{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a","weight":0.5}]}""", "messages[1].weight", "0 or 1")]
    [InlineData("""{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a","weight":0}]}""", "messages", "weight 0")]
    [InlineData("""{"messages":[{"role":"user","content":"u"},{"role":"assistant","tool_calls":[]}]}""", "messages[1].tool_calls", "non-empty")]
    [InlineData("""{"messages":[{"role":"user","content":"u","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"assistant","content":"a"}]}""", "messages[0].tool_calls", "Only assistant")]
    [InlineData("""{"messages":[{"role":"user","content":"u"},{"role":"assistant","tool_calls":[{"type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"assistant","content":"a"}]}""", "messages[1].tool_calls[0].id", "needs an id")]
    [InlineData("""{"messages":[{"role":"user","content":"u"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","content":"r"},{"role":"assistant","content":"a"}]}""", "messages[2].tool_call_id", "needs the tool_call_id")]
    [InlineData("""{"messages":[{"role":"user","content":"u"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","content":"r","tool_call_id":"zzz"},{"role":"assistant","content":"a"}]}""", "messages[2].tool_call_id", "does not match")]
    [InlineData("""{"messages":[{"role":"user","content":"u","tool_call_id":"c"},{"role":"assistant","content":"a"}]}""", "messages[0].tool_call_id", "tool messages only")]
    [InlineData("""{"tools":{"a":1},"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a"}]}""", "tools", "list of tool definitions")]
    [InlineData("""{"parallel_tool_calls":"yes","messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a"}]}""", "parallel_tool_calls", "true or false")]
    public async Task ValidateAsync_OpenAiChatBadLine_ReportsFieldAndReason(string line, string field, string fragment)
    {
        var report = await ExportSamples.ValidateAsync(Chat, Good + "\n" + line + "\n");

        report.IsValid.ShouldBeFalse();
        report.Errors.ShouldAllBe(e => e.Line == 2);
        report.Errors.ShouldContain(e => e.Field == field && e.Message.Contains(fragment), $"errors: {string.Join(" | ", report.Errors)}");
    }

    [Theory]
    // Tool call with no content, tool answer with its call id, and parallel_tool_calls + tools: older checkers reject these.
    [InlineData("""{"tools":[{"type":"function","function":{"name":"f","parameters":{}}}],"parallel_tool_calls":false,"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"},{"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]},{"role":"tool","content":"r","tool_call_id":"c1"},{"role":"assistant","content":"done"}]}""")]
    [InlineData("""{"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","content":"r","tool_call_id":"c1"},{"role":"assistant","content":"done"}]}""")]
    // Weighted assistant turns (0 and 1) are accepted.
    [InlineData("""{"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"},{"role":"assistant","content":"a","weight":0},{"role":"user","content":"u2"},{"role":"assistant","content":"b","weight":1}]}""")]
    [InlineData("""{"messages":[{"role":"system","content":"s"},{"role":"user","name":"ann","content":"u"},{"role":"assistant","content":"a"}]}""")]
    public async Task ValidateAsync_OpenAiChatModernLine_HasNoErrorsOrWarnings(string line)
    {
        var report = await ExportSamples.ValidateAsync(Chat, line + "\n");

        report.Errors.ShouldBeEmpty();
        report.Warnings.ShouldBeEmpty();
        report.ExampleCount.ShouldBe(1);
    }

    [Fact]
    public async Task ValidateAsync_NoSystemNoUserAndDuplicate_AreWarningsOnly()
    {
        const string line = """{"messages":[{"role":"assistant","content":"a"}]}""";

        var report = await ExportSamples.ValidateAsync(Chat, line + "\n" + line + "\n");

        report.IsValid.ShouldBeTrue();
        report.Warnings.ShouldContain(w => w.Line == 1 && w.Message == "No system message.");
        report.Warnings.ShouldContain(w => w.Line == 1 && w.Message == "No user message.");
        report.Warnings.ShouldContain(w => w.Line == 2 && w.Message == "Duplicate of line 1.");
    }

    [Fact]
    public async Task ValidateAsync_ExampleOverTokenLimit_WarnsAndBillsOnlyTheLimit()
    {
        // "hello world" = 2 tokens. user: 3 + 1 + 2 = 6, assistant: 6, +3 = 15 tokens per example.
        const string line = """{"messages":[{"role":"system","content":"hello world"},{"role":"user","content":"hello world"},{"role":"assistant","content":"hello world"}]}""";
        // With a system message too: 6 + 6 + 6 + 3 = 21 tokens; limit 20 → billed 20.
        var target = Chat with { TokenLimitPerExample = 20, MinimumExamples = 1 };
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(line + "\n"));

        var report = await new JsonlValidator(target).ValidateAsync(stream);

        report.Tokens.Max.ShouldBe(21);
        report.OverTokenLimitCount.ShouldBe(1);
        report.Warnings.ShouldContain(w => w.Message.Contains("over the limit of 20"));
        report.BilledTokens.ShouldBe(20);
        // 1 example → min(25, 100 / 1) = 25 epochs; charged 25 × 20 = 500; at $3 per million = $0.0015 → rounds to $0.00.
        report.Epochs.ShouldBe(25);
        report.ChargedTokens.ShouldBe(500);
        report.EstimatedCost.ShouldBe(0.00m);
    }

    [Fact]
    public async Task ValidateAsync_BomAndCrLf_AreAccepted()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes(Good + "\r\n" + Good.Replace("\"s\"", "\"t\"") + "\r\n")).ToArray();

        var report = await ExportSamples.ValidateBytesAsync(Chat, bytes);

        report.Errors.ShouldBeEmpty();
        report.ExampleCount.ShouldBe(2);
        report.LineCount.ShouldBe(2);
    }

    [Fact]
    public async Task ValidateAsync_BlankLineInMiddle_IsAnErrorNamingTheLine()
    {
        var report = await ExportSamples.ValidateAsync(Chat, Good + "\n   \n" + Good.Replace("\"s\"", "\"t\"") + "\n");

        report.Errors.ShouldHaveSingleItem().ShouldBe(report.Errors[0] with { Line = 2, Field = "$" });
        report.Errors[0].Message.ShouldStartWith("Blank line");
        report.ExampleCount.ShouldBe(2);
    }

    [Theory]
    [InlineData("this is not json")]
    [InlineData("""{"messages":[""")]
    [InlineData("""{"a":1} {"b":2}""")]
    public async Task ValidateAsync_NotJson_IsAnErrorAndTheRestIsStillChecked(string bad)
    {
        var report = await ExportSamples.ValidateAsync(Chat, bad + "\n" + Good + "\n");

        report.Errors.ShouldHaveSingleItem().Line.ShouldBe(1);
        report.Errors[0].Message.ShouldContain("not valid JSON");
        report.ExampleCount.ShouldBe(1);
    }

    [Fact]
    public async Task ValidateAsync_InvalidUtf8_IsAnErrorNotACrash()
    {
        var bytes = Encoding.UTF8.GetBytes("{\"messages\":\"").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\"}\n" + Good + "\n")).ToArray();

        var report = await ExportSamples.ValidateBytesAsync(Chat, bytes);

        report.Errors.ShouldHaveSingleItem().Message.ShouldContain("UTF-8");
        report.ExampleCount.ShouldBe(1);
    }

    [Fact]
    public async Task ValidateAsync_Utf16File_SaysSoOnce()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes(Good + "\n")).ToArray();

        var report = await ExportSamples.ValidateBytesAsync(Chat, bytes);

        report.Errors.ShouldContain(e => e.Line == 1 && e.Message.Contains("UTF-16"));
    }

    [Fact]
    public async Task ValidateAsync_FewerThanMinimum_IsAFileLevelError()
    {
        var report = await ExportSamples.ValidateAsync(Chat, Good + "\n", minimumExamples: 10);

        report.Errors.ShouldHaveSingleItem().ShouldBe(report.Errors[0] with { Line = null, Field = "file" });
    }

    [Fact]
    public async Task ValidateAsync_ManyErrors_ListsCapButCountsAll()
    {
        var text = string.Concat(Enumerable.Repeat("nope\n", 30));
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));

        var report = await new JsonlValidator(Chat with { MinimumExamples = 0 }, maxListedIssues: 5).ValidateAsync(stream);

        report.Errors.Count.ShouldBe(5);
        report.ErrorCount.ShouldBe(30);
        Should.Throw<StudioValidationException>(report.ThrowIfInvalid).TotalCount.ShouldBe(30);
    }

    [Theory]
    [InlineData("""{"input":{"messages":[{"role":"user","content":"u"}]},"preferred_output":[{"role":"assistant","content":"a"},{"role":"assistant","content":"b"}],"non_preferred_output":[{"role":"assistant","content":"c"}]}""", "preferred_output", "exactly one")]
    [InlineData("""{"input":{"messages":[{"role":"user","content":"u"}]},"preferred_output":[{"role":"user","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"c"}]}""", "preferred_output[0].role", "must have role assistant")]
    [InlineData("""{"input":{"messages":[{"role":"user","content":"u"}]},"preferred_output":[{"role":"assistant","content":"a"}]}""", "non_preferred_output", "Missing")]
    [InlineData("""{"input":{"messages":[]},"preferred_output":[{"role":"assistant","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"c"}]}""", "input.messages", "empty")]
    [InlineData("""{"messages":[{"role":"user","content":"u"}],"preferred_output":[{"role":"assistant","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"c"}]}""", "input", "Missing input")]
    [InlineData("""{"input":{"messages":[{"role":"user","content":"u"}]},"preferred_output":[{"role":"assistant","content":"a","weight":1}],"non_preferred_output":[{"role":"assistant","content":"c"}]}""", "preferred_output[0].weight", "Unrecognised key")]
    public async Task ValidateAsync_OpenAiDpoBadLine_ReportsField(string line, string field, string fragment)
    {
        var report = await ExportSamples.ValidateAsync(TrainingTargets.OpenAiDpoProfile, line + "\n");

        report.Errors.ShouldContain(e => e.Field == field && e.Message.Contains(fragment), $"errors: {string.Join(" | ", report.Errors)}");
    }

    [Fact]
    public async Task ValidateAsync_OpenAiDpoIdenticalOutputs_Warns()
    {
        const string line = """{"input":{"messages":[{"role":"user","content":"u"}]},"preferred_output":[{"role":"assistant","content":"a"}],"non_preferred_output":[{"role":"assistant","content":"a"}]}""";

        var report = await ExportSamples.ValidateAsync(TrainingTargets.OpenAiDpoProfile, line + "\n");

        report.Errors.ShouldBeEmpty();
        report.Warnings.ShouldContain(w => w.Field == "non_preferred_output");
    }

    [Theory]
    [InlineData("""{"prompt":"What is 2+2?","completion":"4"}""", true)]
    [InlineData("""{"prompt":[{"role":"user","content":"q"}],"completion":[{"role":"assistant","content":"a"}]}""", true)]
    [InlineData("""{"prompt":"q","completion":[{"role":"assistant","content":"a"}]}""", false)]
    [InlineData("""{"prompt":"q","completion":""}""", false)]
    [InlineData("""{"prompt":"q"}""", false)]
    [InlineData("""{"prompt":[{"role":"user","content":"q"}],"completion":[{"role":"user","content":"a"}]}""", false)]
    public async Task ValidateAsync_HfPromptCompletion_AcceptsTextOrMessagesConsistently(string line, bool valid)
    {
        var report = await ExportSamples.ValidateAsync(TrainingTargets.HfPromptCompletionProfile, line + "\n");

        report.IsValid.ShouldBe(valid, string.Join(" | ", report.Errors));
    }

    [Theory]
    [InlineData("""{"prompt":"q","chosen":"good","rejected":"bad"}""", true)]
    [InlineData("""{"prompt":[{"role":"user","content":"q"}],"chosen":[{"role":"assistant","content":"good"}],"rejected":[{"role":"assistant","content":"bad"}]}""", true)]
    [InlineData("""{"prompt":"q","chosen":"good"}""", false)]
    [InlineData("""{"prompt":"q","chosen":"good","rejected":[{"role":"assistant","content":"bad"}]}""", false)]
    public async Task ValidateAsync_HfPreference_ChecksPairs(string line, bool valid)
    {
        var report = await ExportSamples.ValidateAsync(TrainingTargets.HfPreferenceProfile, line + "\n");

        report.IsValid.ShouldBe(valid, string.Join(" | ", report.Errors));
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"u","train":false},{"role":"assistant","content":"a","train":true}]}""", true)]
    [InlineData("""{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a","train":"yes"}]}""", false)]
    [InlineData("""{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a","train":false}]}""", false)]
    [InlineData("""{"messages":[{"role":"user","content":"u"},{"role":"assistant","content":"a","weight":1}]}""", true)]
    public async Task ValidateAsync_AxolotlTrainFlag_MustBeBooleanAndTrainSomething(string line, bool valid)
    {
        var report = await ExportSamples.ValidateAsync(TrainingTargets.AxolotlChatProfile, line + "\n");

        report.IsValid.ShouldBe(valid, string.Join(" | ", report.Errors));
    }

    [Fact]
    public async Task ValidateAsync_HfMessagesUnknownKey_IsOnlyAWarning()
    {
        const string line = """{"id":7,"messages":[{"role":"system","content":"s"},{"role":"user","content":"u"},{"role":"assistant","content":"a"}]}""";

        var report = await ExportSamples.ValidateAsync(TrainingTargets.HfMessagesProfile, line + "\n");

        report.IsValid.ShouldBeTrue();
        report.Warnings.ShouldContain(w => w.Field == "id");
    }

    [Fact]
    public async Task ValidateAsync_TokenStats_UseInterpolatedPercentiles()
    {
        // Example sizes by convention (3 per message + role 1 + content, +3 per conversation), "hello world" = 2, "hello" = 1:
        // a: sys/user/asst "hello world" → 21; b: content "hello" in all three → 3 × (3 + 1 + 1) + 3 = 18.
        const string a = """{"messages":[{"role":"system","content":"hello world"},{"role":"user","content":"hello world"},{"role":"assistant","content":"hello world"}]}""";
        const string b = """{"messages":[{"role":"system","content":"hello"},{"role":"user","content":"hello"},{"role":"assistant","content":"hello"}]}""";

        var report = await ExportSamples.ValidateAsync(Chat, a + "\n" + b + "\n");

        // Sorted [18, 21]: median = 19.5; p5 = 18 + 0.05 × 3 = 18.15; p95 = 18 + 0.95 × 3 = 20.85.
        report.Tokens.ShouldBe(new TokenStats(2, 39, 18, 18.15, 19.5, 20.85, 21));
    }

    /// <summary>Lines are checked in parallel batches of 2,048: findings must still come in line order, duplicates name the first line across batches.</summary>
    [Fact]
    public async Task ValidateAsync_FileOfSeveralBatches_ReportsInLineOrderAsOnePassWould()
    {
        var lines = new List<string>();
        for (var i = 1; i <= 5_000; i++)
        {
            lines.Add(i switch
            {
                1001 or 2049 or 3001 or 4097 => lines[0],
                2_500 => "{bad",
                4_100 => """{"other":[]}""",
                _ => Good.Replace("\"content\":\"u\"", $"\"content\":\"ticket {i}\""),
            });
        }

        var report = await ExportSamples.ValidateAsync(Chat, string.Join("\n", lines));

        report.LineCount.ShouldBe(5_000);
        report.ExampleCount.ShouldBe(4_999);
        report.Errors.Select(e => (e.Line, e.Field)).ShouldBe([(2_500, "$"), (4_100, "other"), (4_100, "messages")]);
        report.Warnings.Select(w => (w.Line, w.Message)).ShouldBe(new[] { 1001, 2049, 3001, 4097 }.Select(n => ((int?)n, "Duplicate of line 1.")));

        // The same lines checked one file at a time give the same token total.
        var oneByOne = 0L;
        foreach (var line in lines.Where(l => l != "{bad"))
        {
            oneByOne += (await ExportSamples.ValidateAsync(Chat, line)).Tokens.Total;
        }

        report.Tokens.Total.ShouldBe(oneByOne);
    }

    /// <summary>Cancelled halfway through a file of several batches: the caller gets OperationCanceledException itself, not an AggregateException from the parallel batch.</summary>
    [Fact]
    public async Task ValidateAsync_CancelledMidFile_ThrowsOperationCanceled()
    {
        var text = string.Join("\n", Enumerable.Range(1, 10_000).Select(i => Good.Replace("\"content\":\"u\"", $"\"content\":\"ticket {i}\"")));
        using var cts = new CancellationTokenSource();
        await using var stream = new CancelAfterStream(new MemoryStream(Encoding.UTF8.GetBytes(text)), text.Length / 2, cts);

        await Should.ThrowAsync<OperationCanceledException>(() => new JsonlValidator(Chat).ValidateAsync(stream, cts.Token));
        stream.Position.ShouldBeLessThan(text.Length, "the rest of the file was not read");
    }

    /// <summary>Cancels the token once this many bytes have been read, as a user pressing cancel mid-file would.</summary>
    private sealed class CancelAfterStream(Stream inner, long after, CancellationTokenSource cts) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (inner.Position >= after)
            {
                cts.Cancel();
            }

            return inner.Read(buffer, offset, Math.Min(count, 4096));
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (inner.Position >= after)
            {
                cts.Cancel();
            }

            return inner.ReadAsync(buffer[..Math.Min(buffer.Length, 4096)], CancellationToken.None);
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
