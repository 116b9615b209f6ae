using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Tests.Evaluation;

/// <summary>
/// An eval set through Amazon Bedrock's batch inference: out as records (<c>recordId</c>, <c>modelInput</c> as
/// InvokeModel takes it for Claude or Nova), back from the job's output lines (<c>modelOutput</c> or <c>error</c>),
/// in any order, as a run of the set. Line shapes follow Bedrock's documentation.
/// </summary>
public sealed class BedrockBatchTests
{
    private static readonly Actor Lead = new("lead-1", "Lead");
    private readonly ManualClock _clock = new(new DateTime(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc));

    private const string Items = """
        {"id": "a", "expected": "high", "label": "high", "input": [{"role": "system", "content": "Label the urgency."}, {"role": "user", "content": "The site is slow for everyone"}]}
        {"id": "b", "expected": "low", "label": "low", "input": "Typo on the pricing page"}
        {"id": "c", "expected": "normal", "label": "normal", "input": [{"role": "user", "content": "Invoices?"}, {"role": "assistant", "content": "Which ones?"}, {"role": "user", "content": "All of them"}]}
        """;

    private async Task<(TestDatabase Database, int SetId, Dictionary<string, int> StoredIds)> ArrangeAsync()
    {
        var (database, setId) = await HeldOutSets.CreateAsync(_clock, Items);
        await using var db = database.CreateDbContext();
        var ids = await db.EvalItems.Where(i => i.EvalSetId == setId).ToDictionaryAsync(i => i.ExternalId, i => i.Id);
        return (database, setId, ids);
    }

    private static async Task<string[]> ExportAsync(TestDatabase database, int setId, string format, int? maxTokens = null)
    {
        using var buffer = new MemoryStream();
        await new EvalSetExport(database).WriteAsync(setId, format, model: null, "Answer with one word.", 0, buffer, default, maxTokens);
        return Encoding.UTF8.GetString(buffer.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>An output line as Bedrock writes it for Claude: the record's id, the input sent, Anthropic's messages response.</summary>
    private static string ClaudeOutput(string recordId, string answer) => JsonSerializer.Serialize(new
    {
        recordId,
        modelInput = new { anthropic_version = "bedrock-2023-05-31", max_tokens = 1024, messages = new[] { new { role = "user", content = new[] { new { type = "text", text = "…" } } } } },
        modelOutput = new
        {
            id = "msg_bdrk_01", type = "message", role = "assistant", model = "claude-3-haiku-20240307",
            content = new[] { new { type = "text", text = answer } },
            stop_reason = "end_turn", usage = new { input_tokens = 21, output_tokens = 1 },
        },
    });

    /// <summary>An output line as Bedrock writes it for Nova: the messages-v1 response with its output message.</summary>
    private static string NovaOutput(string recordId, params string[] blocks) => JsonSerializer.Serialize(new
    {
        recordId,
        modelInput = new { schemaVersion = "messages-v1", messages = new[] { new { role = "user", content = new[] { new { text = "…" } } } } },
        modelOutput = new
        {
            output = new { message = new { role = "assistant", content = blocks.Select(b => new { text = b }).ToArray() } },
            stopReason = "end_turn", usage = new { inputTokens = 21, outputTokens = 1, totalTokens = 22 },
        },
    });

    [Fact]
    public void RecordIds_AreElevenAlphanumericCharacters_ThatNameTheStoredItem()
    {
        BedrockRecordIds.Of(42).ShouldBe("EVI00000042");
        BedrockRecordIds.ItemId("EVI00000042").ShouldBe(42);
        BedrockRecordIds.ItemId("CALL0000001").ShouldBeNull();
        BedrockRecordIds.ItemId("EVI0000004x").ShouldBeNull();
        BedrockRecordIds.ItemId("EVI-0000042").ShouldBeNull();
    }

    [Fact]
    public async Task ClaudeRecords_HoldAnthropicsMessagesBody_WithTheSystemPromptBesideTheTurns()
    {
        var (database, setId, ids) = await ArrangeAsync();
        await using var _ = database;

        var lines = await ExportAsync(database, setId, EvalSetExport.BedrockClaudeFormat);

        lines.Length.ShouldBe(3);
        lines[0].ShouldBe($$$"""{"recordId":"{{{BedrockRecordIds.Of(ids["a"])}}}","modelInput":{"anthropic_version":"bedrock-2023-05-31","max_tokens":1024,"system":"Label the urgency.","messages":[{"role":"user","content":[{"type":"text","text":"The site is slow for everyone"}]}],"temperature":0}}""");
        // Item b has no system turn of its own: it gets the one given for such items.
        lines[1].ShouldContain("\"system\":\"Answer with one word.\"");
        lines[2].ShouldContain("""[{"role":"user","content":[{"type":"text","text":"Invoices?"}]},{"role":"assistant","content":[{"type":"text","text":"Which ones?"}]},{"role":"user","content":[{"type":"text","text":"All of them"}]}]""");
    }

    [Fact]
    public async Task NovaRecords_HoldTheMessagesV1Body_WithTheAnswerCapInInferenceConfig()
    {
        var (database, setId, ids) = await ArrangeAsync();
        await using var _ = database;

        var lines = await ExportAsync(database, setId, EvalSetExport.BedrockNovaFormat, maxTokens: 200);

        lines[0].ShouldBe($$$$"""{"recordId":"{{{{BedrockRecordIds.Of(ids["a"])}}}}","modelInput":{"schemaVersion":"messages-v1","system":[{"text":"Label the urgency."}],"messages":[{"role":"user","content":[{"text":"The site is slow for everyone"}]}],"inferenceConfig":{"maxTokens":200,"temperature":0}}}""");
        EvalSetExport.FileName(7, "bedrock-nova").ShouldBe("eval-set-7-bedrock-nova-batch-input.jsonl");
        var refused = await Should.ThrowAsync<StudioValidationException>(() => ExportAsync(database, setId, EvalSetExport.BedrockNovaFormat, maxTokens: 0));
        refused.Errors.Single().Field.ShouldBe("maxTokens");
    }

    [Fact]
    public async Task ClaudeOutput_OutOfOrderWithAFailedRecord_ImportsAsARunOfTheSet()
    {
        var (database, setId, ids) = await ArrangeAsync();
        await using var _ = database;
        // Bedrock keeps no order; record b failed (Bedrock writes an error in place of modelOutput).
        var output = string.Join('\n',
            ClaudeOutput(BedrockRecordIds.Of(ids["c"]), "normal"),
            $$$"""{"recordId": "{{{BedrockRecordIds.Of(ids["b"])}}}", "modelInput": {"anthropic_version": "bedrock-2023-05-31"}, "error": {"errorCode": 400, "errorMessage": "Malformed input request"}}""",
            ClaudeOutput(BedrockRecordIds.Of(ids["a"]), "critical"));

        var run = await new EvalRuns(database, _clock).ImportRunAsync(setId, new EvalRunInput("haiku on bedrock"), output, "eval-set-1-bedrock-claude-batch-input.jsonl.out", Lead, default);

        // c right, a wrong, b failed: 1 of 3.
        (run.Summary!.Correct, run.Summary.Failed).ShouldBe((1, 1));
        // Summaries keep four decimals.
        run.Summary.Metrics["accuracy"].ShouldBe(0.3333);
    }

    [Fact]
    public async Task NovaOutput_JoinsTheTextBlocks_AndAnOwnRecordIdNamesTheItemById()
    {
        var (database, setId, ids) = await ArrangeAsync();
        await using var _ = database;
        // A team that wrote its own records with the items' ids: those are read as the ids they are.
        var output = string.Join('\n', NovaOutput("a", "hi", "gh"), NovaOutput(BedrockRecordIds.Of(ids["b"]), "low"), NovaOutput("c", "normal"));

        var run = await new EvalRuns(database, _clock).ImportRunAsync(setId, new EvalRunInput("nova micro"), output, null, Lead, default);

        (run.Summary!.Correct, run.Summary.Failed, run.Summary.Metrics["accuracy"]).ShouldBe((3, 0, 1.0));
    }

    [Fact]
    public async Task Output_OfAnotherSetsExport_IsRefusedNamingTheLine_AndSavesNothing()
    {
        var (database, setId, ids) = await ArrangeAsync();
        await using var _ = database;
        var output = string.Join('\n', ClaudeOutput(BedrockRecordIds.Of(ids["a"]), "high"), ClaudeOutput(BedrockRecordIds.Of(99_999), "low"));

        var refused = await Should.ThrowAsync<StudioValidationException>(() =>
            new EvalRuns(database, _clock).ImportRunAsync(setId, new EvalRunInput("wrong file"), output, null, Lead, default));

        refused.Errors.Single().ToString().ShouldBe("line 2: recordId: The recordId \"EVI00099999\" names no item of this set: generate from an export of this set.");
        await using var db = database.CreateDbContext();
        (await db.EvalRuns.CountAsync()).ShouldBe(0);
    }

    [Theory]
    [InlineData("""{"recordId": "EVI00000001", "modelOutput": {"completion": "high"}}""", "line 1: modelOutput: Expected Claude's content blocks (modelOutput.content) or Nova's (modelOutput.output.message.content).")]
    [InlineData("""{"recordId": "", "modelOutput": {"content": []}}""", "line 1: recordId: The line has no recordId.")]
    [InlineData("""{"recordId": "EVI00000001", "error": null}""", "line 1: modelOutput: The line has neither a modelOutput nor an error.")]
    public void ParseOutputs_ABedrockLineWithoutAnAnswer_IsAnErrorNamingTheField(string line, string error)
    {
        var refused = Should.Throw<StudioValidationException>(() => EvalFileParser.ParseOutputs(line, "out.jsonl.out"));

        refused.Errors[0].ToString().ShouldBe(error);
    }

    [Fact]
    public void ParseOutputs_ARecordIdTwice_IsAnErrorNamingBothLines()
    {
        var refused = Should.Throw<StudioValidationException>(() =>
            EvalFileParser.ParseOutputs(ClaudeOutput("EVI00000001", "high") + "\n" + ClaudeOutput("EVI00000001", "low"), null));

        refused.Errors.Single().ToString().ShouldBe("line 2: recordId: The recordId \"EVI00000001\" was already used on line 1.");
    }

    [Fact]
    public async Task JobRequest_NamesTheUploadedRecords_TheModel_AndTheOutputFolder_AndWarnsBelowBedrocksMinimum()
    {
        var (database, setId, _) = await ArrangeAsync();
        await using var _ = database;

        var job = await new EvalSetExport(database).BedrockJobAsync(setId, "Bedrock-Nova", default);

        job.FileName.ShouldBe($"eval-set-{setId}-bedrock-nova-batch-job.json");
        job.Records.ShouldBe(3);
        var body = JsonDocument.Parse(job.Json).RootElement;
        // CreateModelInvocationJob's required members and nothing else: Bedrock refuses keys it does not know.
        body.EnumerateObject().Select(p => p.Name).ShouldBe(["jobName", "roleArn", "modelId", "inputDataConfig", "outputDataConfig"]);
        body.GetProperty("jobName").GetString().ShouldBe($"eval-set-{setId}-held-out-batch");
        body.GetProperty("modelId").GetString().ShouldBe("amazon.nova-micro-v1:0");
        var input = body.GetProperty("inputDataConfig").GetProperty("s3InputDataConfig");
        input.GetProperty("s3Uri").GetString().ShouldBe($"s3://YOUR_BUCKET/eval-set-{setId}-held-out-batch/input/eval-set-{setId}-bedrock-nova-batch-input.jsonl");
        input.GetProperty("s3InputFormat").GetString().ShouldBe("JSONL");
        body.GetProperty("outputDataConfig").GetProperty("s3OutputDataConfig").GetProperty("s3Uri").GetString().ShouldBe($"s3://YOUR_BUCKET/eval-set-{setId}-held-out-batch/output/");
        job.Notes[^1].ShouldStartWith("This set has 3 items: Bedrock's quotas ask for at least 100 records per batch job by default");

        await Should.ThrowAsync<StudioValidationException>(() => new EvalSetExport(database).BedrockJobAsync(setId, "batch", default));
        await Should.ThrowAsync<NotFoundException>(() => new EvalSetExport(database).BedrockJobAsync(setId + 1000, "bedrock-claude", default));
    }

    [Theory]
    [InlineData("Held-out", "eval-set-7-held-out-batch")]
    [InlineData("  Ärger -- & Co.  ", "eval-set-7-rger-co-batch")]
    [InlineData("🙂", "eval-set-7-batch")]
    [InlineData("a very long name for an evaluation set that keeps going and going past the limit", "eval-set-7-a-very-long-name-for-an-evaluation-set-that-batch")]
    public void JobName_KeepsToBedrocksPattern_AndItsLength(string setName, string expected)
    {
        var name = JsonDocument.Parse(BedrockBatchJob.For(7, setName, "bedrock-claude", 500).Json).RootElement.GetProperty("jobName").GetString()!;

        name.ShouldBe(expected);
        name.Length.ShouldBeLessThanOrEqualTo(63);
        System.Text.RegularExpressions.Regex.IsMatch(name, @"^[a-zA-Z0-9]{1,63}(-*[a-zA-Z0-9\+\-\.]){0,63}$").ShouldBeTrue();
        BedrockBatchJob.For(7, setName, "bedrock-claude", 500).Notes.ShouldNotContain(n => n.Contains("at least 100"));
    }
}
