using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Core.Tests.Support;

namespace FineTuneStudio.Core.Tests.Evaluation;

/// <summary>
/// Predictions made outside the studio come back as runs: the set goes out as a batch input JSONL or LLaMA-Factory
/// lines, the answers return as an OpenAI-style batch output (OpenAI's Batch API, vLLM's run_batch) or LLaMA-Factory's
/// generated_predictions.jsonl. Line shapes follow those tools' documentation.
/// </summary>
public sealed class ExternalPredictionsTests
{
    private static readonly Actor Lead = new("lead-1", "Lead");
    private readonly ManualClock _clock = new(new DateTime(2026, 12, 4, 9, 0, 0, DateTimeKind.Utc));

    private const string Items = """
        {"id": "a", "expected": "high", "label": "high", "input": [{"role": "system", "content": "Label the urgency."}, {"role": "user", "content": "The site is slow for everyone"}]}
        {"id": "b", "expected": "low", "label": "low", "input": "Typo on the pricing page"}
        {"id": "c", "expected": "normal", "label": "normal", "input": "How do I export my invoices?"}
        {"id": "d", "expected": "critical", "label": "critical", "input": "Payments fail for all customers"}
        """;

    private Task<(TestDatabase Database, int SetId)> ArrangeAsync() => HeldOutSets.CreateAsync(_clock, Items);

    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures");

    /// <summary>A new project's eval set scored by <paramref name="metric"/>, its items imported from a fixture file without ids.</summary>
    private async Task<(TestDatabase Database, int ProjectId, EvalSets Sets, EvalSetSummary Set)> SetFromFixtureAsync(string metric, string fixture)
    {
        var database = await TestDatabase.CreateAsync();
        var project = await new ProjectService(database, _clock).CreateAsync(new ProjectInput("Held out", null), Lead, default);
        var sets = new EvalSets(database, _clock);
        var set = await sets.CreateSetAsync(project.Id, new EvalSetInput(fixture, "", [metric]), Lead, default);
        await sets.ImportItemsAsync(set.Id, await File.ReadAllTextAsync(Path.Combine(Fixtures, fixture)), fixture, Lead, default);
        return (database, project.Id, sets, set);
    }

    private static async Task<List<JsonElement>> ExportAsync(TestDatabase database, int setId, string format, string? model = "my-finetune")
    {
        using var buffer = new MemoryStream();
        await new EvalSetExport(database).WriteAsync(setId, format, model, "Answer with one word.", 0, buffer, default);
        return Encoding.UTF8.GetString(buffer.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
    }

    /// <summary>A batch output line as OpenAI documents it: the request id, custom_id, the response with status and body.</summary>
    private static string BatchLine(string customId, string answer) => JsonSerializer.Serialize(new
    {
        id = $"batch_req_{customId}",
        custom_id = customId,
        response = new
        {
            status_code = 200,
            request_id = $"req_{customId}",
            body = new
            {
                id = "chatcmpl-1", @object = "chat.completion", model = "my-finetune",
                choices = new[] { new { index = 0, message = new { role = "assistant", content = answer }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 20, completion_tokens = 1, total_tokens = 21 },
            },
        },
        error = (object?)null,
    });

    [Fact]
    public async Task BatchInput_OneChatRequestPerItem_InTheSetsOrder()
    {
        var (database, setId) = await ArrangeAsync();
        await using var _ = database;

        var lines = await ExportAsync(database, setId, EvalSetExport.BatchFormat);

        lines.Select(l => l.GetProperty("custom_id").GetString()).ShouldBe(["a", "b", "c", "d"]);
        lines[0].GetProperty("method").GetString().ShouldBe("POST");
        lines[0].GetProperty("url").GetString().ShouldBe("/v1/chat/completions");
        var body = lines[0].GetProperty("body");
        (body.GetProperty("model").GetString(), body.GetProperty("temperature").GetDouble()).ShouldBe(("my-finetune", 0));
        // Item a has its own system turn; b gets the one given for items without.
        body.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString()))
            .ShouldBe([("system", "Label the urgency."), ("user", "The site is slow for everyone")]);
        lines[1].GetProperty("body").GetProperty("messages")[0].GetProperty("content").GetString().ShouldBe("Answer with one word.");
        await Should.ThrowAsync<StudioValidationException>(() => ExportAsync(database, setId, EvalSetExport.BatchFormat, model: null));
    }

    [Fact]
    public async Task BatchOutput_ImportsAsARun_AFailedRequestCountsAsAFailedItem()
    {
        var (database, setId) = await ArrangeAsync();
        await using var _ = database;
        // Out of order, as batch outputs are; c failed at the provider (error set, no response).
        var output = string.Join('\n',
            BatchLine("d", "critical"),
            BatchLine("a", "high"),
            """{"id": "batch_req_c", "custom_id": "c", "response": null, "error": {"code": "rate_limit_exceeded", "message": "Too many requests"}}""",
            BatchLine("b", "normal"));

        var run = await new EvalRuns(database, _clock).ImportRunAsync(setId, new EvalRunInput("batch v3"), output, "batch_output.jsonl", Lead, default);

        // a and d right, b wrong, c failed: 2 of 4 correct.
        (run.Summary!.Correct, run.Summary.Failed).ShouldBe((2, 1));
        run.Summary.Metrics["accuracy"].ShouldBe(0.5);
    }

    [Fact]
    public async Task LlamaFactoryPredictions_FollowTheSetsOrder_CheckedByTheirLabels()
    {
        var (database, setId) = await ArrangeAsync();
        await using var _ = database;
        var exported = await ExportAsync(database, setId, EvalSetExport.LlamaFactoryFormat);
        exported[0].GetProperty("instruction").GetString().ShouldBe("The site is slow for everyone");
        exported[0].GetProperty("system").GetString().ShouldBe("Label the urgency.");
        exported.Select(l => l.GetProperty("output").GetString()).ShouldBe(["high", "low", "normal", "critical"]);

        // generated_predictions.jsonl: prompt as the chat template rendered it, predict, label.
        string Line(string prompt, string predict, string label) => $$"""{"prompt": "{{prompt}}", "predict": "{{predict}}", "label": "{{label}}"}""";
        var predictions = string.Join('\n', Line("user: The site is slow", "high", "high"), Line("user: Typo", "low", "low"),
            Line("user: export invoices", "critical", "normal"), Line("user: Payments fail", "critical", "critical")) + "\n";
        var run = await new EvalRuns(database, _clock).ImportRunAsync(setId, new EvalRunInput("llamafactory v3"), predictions, "generated_predictions.jsonl", Lead, default);
        run.Summary!.Correct.ShouldBe(3);

        // The same lines in another order are refused, naming the first line whose label is not its item's answer.
        var shuffled = string.Join('\n', Line("p", "low", "low"), Line("p", "high", "high"), Line("p", "normal", "normal"), Line("p", "critical", "critical"));
        var refused = await Should.ThrowAsync<StudioValidationException>(() =>
            new EvalRuns(database, _clock).ImportRunAsync(setId, new EvalRunInput("shuffled"), shuffled, "generated_predictions.jsonl", Lead, default));
        refused.Errors.Select(e => (e.Field, e.Line)).ShouldBe([("label", (int?)1), ("label", 2)]);
        var short_ = await Should.ThrowAsync<StudioValidationException>(() =>
            new EvalRuns(database, _clock).ImportRunAsync(setId, new EvalRunInput("short"), Line("p", "high", "high"), "generated_predictions.jsonl", Lead, default));
        short_.Errors.Single().Message.ShouldContain("1 predictions without ids and the set has 4 items");
    }

    [Fact]
    public void BadBatchLines_AreNamedByLineAndField()
    {
        var text = string.Join('\n',
            BatchLine("a", "high"),
            """{"custom_id": "b", "response": {"status_code": 200, "body": {"object": "chat.completion"}}}""",
            """{"custom_id": "", "response": {}}""",
            BatchLine("a", "low"));

        var error = Should.Throw<StudioValidationException>(() => EvalFileParser.ParseOutputs(text, "out.jsonl"));

        error.Errors.Select(e => (e.Field, e.Line)).ShouldBe([("response.body.choices", (int?)2), ("custom_id", 3), ("custom_id", 4)]);
    }

    [Fact]
    public void MangledOutputFiles_NeverCrashTheParser()
    {
        var random = new Random(4122026);
        var seeds = new[]
        {
            BatchLine("a", "high") + "\n" + BatchLine("b", "low"),
            """{"prompt": "p", "predict": "high", "label": "high"}""" + "\n",
            "id,output\na,high\n",
        };
        const string alphabet = "{}[]\",:0123456789 \\\nnullcustom_idchoicesmessagecontentpredict";
        for (var i = 0; i < 3_000; i++)
        {
            var text = new StringBuilder(seeds[i % seeds.Length]);
            for (var edit = random.Next(1, 6); edit > 0 && text.Length > 0; edit--)
            {
                var at = random.Next(text.Length);
                switch (random.Next(3))
                {
                    case 0: text.Remove(at, Math.Min(random.Next(1, 25), text.Length - at)); break;
                    case 1: text.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    default: text[at] = (char)random.Next(0, 0x10000); break;
                }
            }

            try
            {
                EvalFileParser.ParseOutputs(text.ToString(), i % 3 == 2 ? "out.csv" : "out.jsonl");
            }
            catch (StudioValidationException)
            {
                // Refused with a message, as bad input should be.
            }
        }
    }

    [Fact]
    public async Task OaievalRecord_OfTheRegistrySamples_IsARunOfTheSet_EachSampleOnItsItem()
    {
        // A registry samples file imported without ids, and the record file oaieval wrote for a Match eval over it:
        // events out of order, a match event after each sampling one, the spec first and the final report last.
        var (database, _, _, set) = await SetFromFixtureAsync("exact", "oaieval-samples.jsonl");
        await using var _ = database;

        var runs = new EvalRuns(database, _clock);
        var run = await runs.ImportRunAsync(set.Id, new EvalRunInput("ft:capitals-v1"), await File.ReadAllTextAsync(Path.Combine(Fixtures, "oaieval-record.jsonl")), "record.jsonl", Lead, default);

        // Sample 0 (Italy) said Rome, 1 (Spain) Barcelona, 2 (Austria) Wien: 2 of 3, as oaieval's own report says.
        var results = (await runs.GetResultsAsync(run.Id, null, null, default)).Items;
        results.Select(r => (r.ExternalId, r.Output, r.Correct)).ShouldBe([("1", "Rome", true), ("2", "Barcelona", false), ("3", "Wien", true)]);
        run.Summary!.Metrics["exact"].ShouldBe(0.6667);

        // Into a set whose items carry their own ids, the numbers mean nothing: refused, saying how samples are matched.
        var (named, namedSet) = await ArrangeAsync();
        await using var __ = named;
        var error = await Should.ThrowAsync<StudioValidationException>(() => new EvalRuns(named, _clock).ImportRunAsync(namedSet, new EvalRunInput("ft:capitals-v1"),
            File.ReadAllText(Path.Combine(Fixtures, "oaieval-record.jsonl")), "record.jsonl", Lead, default));
        error.Errors[0].ToString().ShouldStartWith("line 2: id: The set has no item \"3\" for oaieval's sample 2: samples are matched to the items an import of the samples file without ids numbers");
    }

    [Fact]
    public async Task LmEvalSamples_OfGsm8k_AreARunOfTheTestSplit_RawAnswersScoredByFinalNumber()
    {
        // GSM8K's test split imported as it is (no ids), and lm-evaluation-harness's --log_samples file for a run over
        // it: every document twice, once per filter (strict-match, flexible-extract).
        var (database, projectId, sets, set) = await SetFromFixtureAsync("final-number", "gsm8k-test.jsonl");
        await using var _ = database;
        var samples = await File.ReadAllTextAsync(Path.Combine(Fixtures, "lm-eval-samples-gsm8k.jsonl"));

        var runs = new EvalRuns(database, _clock);
        var run = await runs.ImportRunAsync(set.Id, new EvalRunInput("ft:math-v1"), samples, "samples_gsm8k_2026-12-07T14-00-00.jsonl", Lead, default);

        // The raw generations, not the harness's extracts: 12 and $18.00 are right, 200 pages is not 250. 2 of 3.
        var results = (await runs.GetResultsAsync(run.Id, null, null, default)).Items;
        results.Select(r => (r.ExternalId, r.Correct)).ShouldBe([("1", true), ("2", true), ("3", false)]);
        results[1].Output.ShouldBe("Both cost $18.00 together.");
        run.Summary!.Metrics["final-number"].ShouldBe(0.6667);

        // A set in another order: the logged documents do not ask what the items ask, so nothing is paired wrongly.
        var shuffled = await sets.CreateSetAsync(projectId, new EvalSetInput("GSM8K reversed", "", ["final-number"]), Lead, default);
        await sets.ImportItemsAsync(shuffled.Id, string.Join('\n', File.ReadAllLines(Path.Combine(Fixtures, "gsm8k-test.jsonl")).Reverse()), "test.jsonl", Lead, default);
        var error = await Should.ThrowAsync<StudioValidationException>(() => runs.ImportRunAsync(shuffled.Id, new EvalRunInput("ft:math-v1"), samples, "samples.jsonl", Lead, default));
        error.Errors[0].ToString().ShouldStartWith("line 1: doc: lm-evaluation-harness's doc_id 0 asks \"Tom has 3 bags of 4 apples. How many apples does he have?\", but item \"1\" asks \"Sara reads");
        error.Errors.Count.ShouldBe(2, "documents 0 and 2 changed places; document 1 stayed");
    }

    [Theory]
    [InlineData("""{"doc_id": 0, "doc": {}, "resps": [[[-1.25, true]], [[-3.5, false]]], "filtered_resps": [[-1.25, true]]}""", "resps", "log-likelihood scores")]
    [InlineData("""{"doc_id": -1, "resps": [["12"]]}""", "doc_id", "0 or more")]
    [InlineData("""{"doc_id": "0", "resps": [["12"]]}""", "doc_id", "0 or more")]
    [InlineData("""{"doc_id": 0, "resps": []}""", "resps", "has no response")]
    [InlineData("""{"doc_id": 0, "resps": ["12"]}""", "resps", "has no response")]
    public void LmEvalSample_WithoutAGeneratedAnswer_IsRefusedOnItsLine(string line, string field, string message)
    {
        var error = Should.Throw<StudioValidationException>(() => EvalFileParser.ParseOutputs(line, "samples.jsonl")).Errors.ShouldHaveSingleItem();

        (error.Line, error.Field).ShouldBe((1, field));
        error.Message.ShouldContain(message);
    }

    [Theory]
    [InlineData("""{"run_id": "r", "event_id": 0, "sample_id": "capitals.dev", "type": "sampling", "data": {"sampled": ["Rome"]}}""", "sample_id")]
    [InlineData("""{"run_id": "r", "event_id": 0, "sample_id": "capitals.dev.0", "type": "sampling", "data": {"prompt": "x"}}""", "data.sampled")]
    [InlineData("""{"run_id": "r", "event_id": 0, "sample_id": "capitals.dev.0", "type": "sampling", "data": {"sampled": [7]}}""", "data.sampled")]
    public void OaievalRecord_SamplingEventWithoutItsParts_IsRefusedOnItsLine(string line, string field)
    {
        var error = Should.Throw<StudioValidationException>(() => EvalFileParser.ParseOutputs("""{"spec": {"run_id": "r"}}""" + "\n" + line, "record.jsonl"));

        (error.Errors.ShouldHaveSingleItem().Line, error.Errors[0].Field).ShouldBe((2, field));
    }
}
