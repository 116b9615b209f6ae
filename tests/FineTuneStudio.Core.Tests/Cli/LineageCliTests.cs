using System.Text.Json;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Cli;

/// <summary>
/// Train anywhere, by script: cut a version (with its recipes), send the eval set out as a batch, bring the trainer's
/// log and the batch output back tied to the version, and read which curve and which score the version produced.
/// </summary>
public sealed class LineageCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-cli-lineage-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private async Task<string> OkAsync(params string[] args)
    {
        var result = await RunAsync([.. args, "--db", DbPath]);
        result.ExitCode.ShouldBe(0, $"{string.Join(' ', args)}: {result.Error}");
        return result.Output;
    }

    /// <summary>A classification dataset of 30 approved tickets cut to <paramref name="target"/> as v1, an eval set of four items and a prompted baseline right on two.</summary>
    private async Task ArrangeAsync(string target)
    {
        await OkAsync("migrate");
        await OkAsync("projects", "create", "--name", "Routing");
        await OkAsync("datasets", "create", "--project", "Routing", "--name", "Intents", "--task", "classification", "--labels", "high,low,normal,critical");
        var examples = Write("examples.jsonl", string.Join('\n', Enumerable.Range(0, 30).Select(i =>
            $$"""{"messages":[{"role":"user","content":"ticket {{i}}"}],"label":"{{(i % 2 == 0 ? "high" : "low")}}"}""")) + "\n");
        await OkAsync("import", examples, "--project", "Routing", "--dataset", "Intents", "--status", "approved");
        await OkAsync("export", "--project", "Routing", "--dataset", "Intents", "--target", target, "--out", Path.Combine(_folder, "v1"));

        await OkAsync("eval-sets", "create", "--project", "Routing", "--name", "Held-out", "--metrics", "exact,accuracy");
        await OkAsync("eval-sets", "import", "--project", "Routing", "--set", "Held-out", Write("items.jsonl", """
            {"id": "a", "expected": "high", "label": "high", "input": "The site is slow for everyone"}
            {"id": "b", "expected": "low", "label": "low", "input": "Typo on the pricing page"}
            {"id": "c", "expected": "normal", "label": "normal", "input": "How do I export my invoices?"}
            {"id": "d", "expected": "critical", "label": "critical", "input": "Payments fail for all customers"}
            """));
        // The prompted baseline: right on a and b, 2 of 4.
        await OkAsync("eval", "import-run", "--project", "Routing", "--set", "Held-out", "--name", "prompted", "--baseline",
            "--outputs", Write("baseline.csv", "id,output\na,high\nb,low\nc,high\nd,high\n"));
    }

    [Fact]
    public async Task Script_CutsTrainsOutsideAndReadsTheLineage()
    {
        await ArrangeAsync("openai-chat");
        File.Exists(Path.Combine(_folder, "v1", "recipe-axolotl.yaml")).ShouldBeTrue("the version's folder holds its recipes");

        var batchInput = Path.Combine(_folder, "batch_input.jsonl");
        await OkAsync("eval-sets", "export", "--project", "Routing", "--set", "Held-out", "--format", "batch", "--model", "ft:v1", "--out", batchInput);
        // What the batch job answers, one line per request: right on a, b and d (3 of 4).
        var answers = new Dictionary<string, string> { ["a"] = "high", ["b"] = "low", ["c"] = "low", ["d"] = "critical" };
        var output = string.Join('\n', File.ReadAllLines(batchInput).Select(line =>
        {
            var id = JsonDocument.Parse(line).RootElement.GetProperty("custom_id").GetString()!;
            return JsonSerializer.Serialize(new { id = $"batch_req_{id}", custom_id = id, response = new { status_code = 200, body = new { choices = new[] { new { message = new { role = "assistant", content = answers[id] } } } } }, error = (object?)null });
        }));
        await OkAsync("eval", "import-run", "--project", "Routing", "--set", "Held-out", "--name", "ft v1", "--outputs", Write("batch_output.jsonl", output),
            "--dataset", "Intents", "--version", "1");
        await OkAsync("training", "import", Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", "trainer_state.json"), "--project", "Routing",
            "--dataset", "Intents", "--version", "1");

        var text = await OkAsync("versions", "lineage", "--project", "Routing", "--dataset", "Intents", "--version", "1");
        text.ShouldContain("Trained on Intents v1: validation loss lowest at epoch 2 (step 40), then rising: overfitting; 75.0% accuracy against the baseline's 50.0%.");

        using var json = JsonDocument.Parse(await OkAsync("versions", "lineage", "--project", "Routing", "--dataset", "Intents", "--version", "1", "--json"));
        var run = json.RootElement.GetProperty("runs").EnumerateArray().Single();
        (run.GetProperty("value").GetDouble(), run.GetProperty("baselineValue").GetDouble(), run.GetProperty("beatsBaseline").GetBoolean()).ShouldBe((0.75, 0.5, true));
        json.RootElement.GetProperty("trainings").EnumerateArray().Single().GetProperty("bestValidEpoch").GetDouble().ShouldBe(2.0);
    }

    [Fact]
    public async Task Script_OnBedrock_CutsForClaude_SendsTheSetAsBatchRecords_AndReadsTheJobsOutputIntoTheLineage()
    {
        await ArrangeAsync("bedrock-claude");
        File.Exists(Path.Combine(_folder, "v1", "bedrock-customization-job.json")).ShouldBeTrue("the version's folder holds Bedrock's job body");

        var records = Path.Combine(_folder, "records.jsonl");
        var jobFile = Path.Combine(_folder, "batch-job.json");
        var exported = await OkAsync("eval-sets", "export", "--project", "Routing", "--set", "Held-out", "--format", "bedrock-claude", "--max-tokens", "16", "--out", records, "--job", jobFile);
        exported.ShouldContain($"wrote the batch job body to {jobFile}");
        exported.ShouldContain("records per batch job by default");
        JsonDocument.Parse(File.ReadAllText(jobFile)).RootElement.GetProperty("inputDataConfig").GetProperty("s3InputDataConfig").GetProperty("s3Uri").GetString()
            .ShouldEndWith("-bedrock-claude-batch-input.jsonl");
        var usage = await RunAsync(["eval-sets", "export", "--project", "Routing", "--set", "Held-out", "--format", "llamafactory", "--out", records + ".alpaca", "--job", jobFile, "--db", DbPath]);
        (usage.ExitCode, usage.Error.Trim()).ShouldBe((2, "error: --job: only Bedrock's records (--format bedrock-claude or bedrock-nova) have a batch job body to write"));
        // What the batch job writes: each record's id and input, and the answer; out of order, and right on a, b and d (3 of 4).
        var questions = new Dictionary<string, string> { ["The site is slow for everyone"] = "high", ["Typo on the pricing page"] = "low", ["How do I export my invoices?"] = "low", ["Payments fail for all customers"] = "critical" };
        var output = string.Join('\n', File.ReadAllLines(records).Reverse().Select(line =>
        {
            var record = JsonDocument.Parse(line).RootElement;
            var input = record.GetProperty("modelInput");
            input.GetProperty("max_tokens").GetInt32().ShouldBe(16);
            var question = input.GetProperty("messages")[0].GetProperty("content")[0].GetProperty("text").GetString()!;
            return JsonSerializer.Serialize(new
            {
                recordId = record.GetProperty("recordId").GetString(),
                modelInput = input,
                modelOutput = new { type = "message", role = "assistant", content = new[] { new { type = "text", text = questions[question] } }, stop_reason = "end_turn" },
            });
        }));
        await OkAsync("eval", "import-run", "--project", "Routing", "--set", "Held-out", "--name", "haiku v1", "--outputs", Write("records.jsonl.out", output),
            "--dataset", "Intents", "--version", "1");

        // The job's two metrics files, as Bedrock writes them to the output folder, are one training run.
        var fixtures = Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures");
        await OkAsync("training", "import", Path.Combine(fixtures, "step_wise_training_metrics.csv"), Path.Combine(fixtures, "validation_metrics.csv"),
            "--project", "Routing", "--dataset", "Intents", "--version", "1", "--name", "haiku v1");

        var text = await OkAsync("versions", "lineage", "--project", "Routing", "--dataset", "Intents", "--version", "1");
        text.ShouldContain("Trained on Intents v1: validation loss lowest at epoch 2 (step 7), then rising: overfitting; 75.0% accuracy against the baseline's 50.0%.");
    }
}
