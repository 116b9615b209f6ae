using System.Text.Json;
using FineTuneStudio.Cli;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Projects;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Tests.Support.CliRun;
using FineTuneStudio.Core.Tests.Support;

namespace FineTuneStudio.Core.Tests.Evaluation;

public sealed class EvaluationCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-eval-cli-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Items = "{\"id\":\"1\",\"expected\":\"high\",\"label\":\"high\"}\n{\"id\":\"2\",\"expected\":\"low\",\"label\":\"low\"}\n{\"id\":\"3\",\"expected\":\"low\",\"label\":\"low\"}\n{\"id\":\"4\",\"expected\":\"normal\",\"label\":\"normal\"}\n";

    [Fact]
    public async Task Score_Json_PrintsHandCheckedAggregates()
    {
        var items = Write("items.jsonl", Items);
        var outputs = Write("outputs.csv", "id,output\n1,High\n2,low\n3,normal\n4,normal\n");

        var result = await RunAsync("eval", "score", "--items", items, "--outputs", outputs, "--json");

        result.ExitCode.ShouldBe(0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var metrics = json.RootElement.GetProperty("summary").GetProperty("metrics");
        // exact: 2, 4 → 0.5; normalised/accuracy: 1, 2, 4 → 0.75.
        metrics.GetProperty("exact").GetDouble().ShouldBe(0.5);
        metrics.GetProperty("accuracy").GetDouble().ShouldBe(0.75);
        // F1: high 1; low P = 1, R = 1/2 → 2/3; normal P = 1/2, R = 1 → 2/3; macro = (1 + 2/3 + 2/3)/3 = 0.7778.
        metrics.GetProperty("macro-f1").GetDouble().ShouldBe(0.7778);
    }

    [Fact]
    public async Task Score_VertexPredictions_FindEachItemByTheRequestItEchoes()
    {
        var items = Write("items.jsonl", """
            {"id": "slow", "expected": "high", "input": [{"role": "system", "content": "One word."}, {"role": "user", "content": "The site is slow"}]}
            {"id": "typo", "expected": "low", "input": "Typo on the pricing page"}
            """);
        // Vertex's predictions file: no ids, each request echoed (with the system instruction the export added), answers in another order.
        var outputs = Write("predictions.jsonl", """
            {"status": "", "request": {"contents": [{"role": "user", "parts": [{"text": "Typo on the pricing page"}]}], "systemInstruction": {"parts": [{"text": "One word."}]}}, "response": {"candidates": [{"content": {"role": "model", "parts": [{"text": "low"}]}}]}}
            {"status": "", "request": {"contents": [{"role": "user", "parts": [{"text": "The site is slow"}]}]}, "response": {"candidates": [{"content": {"role": "model", "parts": [{"text": "low"}]}}]}}
            """);

        var result = await RunAsync("eval", "score", "--items", items, "--outputs", outputs, "--metrics", "exact", "--json");

        result.ExitCode.ShouldBe(0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        // typo right, slow wrong: 1 of 2.
        json.RootElement.GetProperty("summary").GetProperty("metrics").GetProperty("exact").GetDouble().ShouldBe(0.5);
        var unknown = await RunAsync("eval", "score", "--items", items, "--outputs", Write("other.jsonl", """
            {"status": "", "request": {"contents": [{"role": "user", "parts": [{"text": "Printer on fire"}]}]}, "response": {"candidates": [{"content": {"parts": [{"text": "high"}]}}]}}
            """));
        (unknown.ExitCode, unknown.Error.Trim()).ShouldBe((1, "error: line 1: request: No item of this set asks this request: generate from an export of this set."));
    }

    [Fact]
    public async Task Score_RegistryLinesWithSeveralIdealAnswers_CountsAnyOfThemRight()
    {
        var items = Write("samples.jsonl", """
            {"input": [{"role": "user", "content": "Capital of Italy?"}], "ideal": ["Rome", "Roma"]}
            {"input": [{"role": "user", "content": "Capital of Austria?"}], "ideal": ["Vienna", "Wien"]}
            """);
        var outputs = Write("outputs.csv", "id,output\n1,Roma\n2,Graz\n");

        var result = await RunAsync("eval", "score", "--items", items, "--outputs", outputs, "--metrics", "exact", "--json");

        result.ExitCode.ShouldBe(0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        // "Roma" is item 1's second answer; "Graz" is neither of item 2's: 1 of 2.
        json.RootElement.GetProperty("summary").GetProperty("metrics").GetProperty("exact").GetDouble().ShouldBe(0.5);
    }

    [Fact]
    public async Task Score_Gsm8kTestLines_FinalNumberCountsTheConclusionNotTheWording()
    {
        // GSM8K's test split as it is: question and a worked answer ending in "#### N"; no ids, so numbered 1, 2, 3.
        var items = Write("test.jsonl", """
            {"question": "Tom has 3 bags of 4 apples. How many apples?", "answer": "3 * 4 = <<3*4=12>>12\n#### 12"}
            {"question": "A book costs $15 and a pen $3. What do both cost?", "answer": "15 + 3 = <<15+3=18>>18\n#### 18"}
            {"question": "Sara reads 1,000 pages in 4 days. Pages a day?", "answer": "1000 / 4 = <<1000/4=250>>250\n#### 250"}
            """);
        var outputs = Write("outputs.jsonl", """
            {"id": "1", "output": "He has 3 bags with 4 each, so 12 apples."}
            {"id": "2", "output": "Both cost $18.00."}
            {"id": "3", "output": "She reads 1,000 / 4 = 200 pages a day."}
            """);

        var result = await RunAsync("eval", "score", "--items", items, "--outputs", outputs, "--metrics", "final-number,exact", "--json");

        result.ExitCode.ShouldBe(0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var metrics = json.RootElement.GetProperty("summary").GetProperty("metrics");
        // 12 = 12 and 18.00 = 18 are right; 200 is not 250: 2 of 3. No reply repeats the worked answer: exact 0.
        metrics.GetProperty("final-number").GetDouble().ShouldBe(0.6667);
        metrics.GetProperty("exact").GetDouble().ShouldBe(0);
    }

    [Fact]
    public async Task Score_LmEvalSamplesAgainstTheGsm8kSplit_PairsEachDocumentWithItsItem()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures");

        var result = await RunAsync("eval", "score", "--items", Path.Combine(folder, "gsm8k-test.jsonl"),
            "--outputs", Path.Combine(folder, "lm-eval-samples-gsm8k.jsonl"), "--metrics", "final-number", "--json");

        result.ExitCode.ShouldBe(0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        json.RootElement.GetProperty("summary").GetProperty("metrics").GetProperty("final-number").GetDouble().ShouldBe(0.6667);

        // The same samples against the split in another order are refused, naming the document that does not line up.
        var reversed = Write("reversed.jsonl", string.Join('\n', File.ReadAllLines(Path.Combine(folder, "gsm8k-test.jsonl")).Reverse()));
        var refused = await RunAsync("eval", "score", "--items", reversed, "--outputs", Path.Combine(folder, "lm-eval-samples-gsm8k.jsonl"), "--metrics", "final-number");
        refused.ExitCode.ShouldBe(1);
        refused.Error.ShouldContain("doc: lm-evaluation-harness's doc_id 0 asks \"Tom has 3 bags");
    }

    [Fact]
    public async Task Score_MalformedOutputs_Exits1WithLineErrors()
    {
        var items = Write("items.jsonl", Items);
        var outputs = Write("outputs.jsonl", "{\"id\":\"1\",\"output\":\"high\"}\n{\"id\":\"2\" \"output\":\"low\"}\n{\"output\":\"x\"}\n");

        var result = await RunAsync("eval", "score", "--items", items, "--outputs", outputs);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("error: line 2: line: Not valid JSON");
        result.Error.ShouldContain("error: line 3: id: The output has no id.");
        result.Output.ShouldBeEmpty();
    }

    [Fact]
    public async Task Compare_FailOnRegression_ExitsOneOnlyWhenTheCandidateIsSignificantlyWorse()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        var factory = new SettingsDbContextFactory(new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(DbPath)));
        var project = await new ProjectService(factory, TimeProvider.System).CreateAsync(new ProjectInput("Triage", null), Actor.System, default);
        var evaluation = new EvalSets(factory, TimeProvider.System);
        var set = await evaluation.CreateSetAsync(project.Id, new EvalSetInput("Held-out", null, ["accuracy", "exact"]), Actor.System, default);
        // 20 items; odd ids are "high", even ids "low".
        string Answer(int id) => id % 2 == 1 ? "high" : "low";
        string Wrong(int id) => id % 2 == 1 ? "low" : "high";
        await evaluation.ImportItemsAsync(set.Id, string.Concat(Enumerable.Range(1, 20).Select(i => $"{{\"id\":\"{i}\",\"expected\":\"{Answer(i)}\",\"label\":\"{Answer(i)}\"}}\n")),
            "items.jsonl", Actor.System, default);
        async Task<int> Run(string name, Func<int, string> output)
        {
            var csv = "id,output\n" + string.Concat(Enumerable.Range(1, 20).Select(i => $"{i},{output(i)}\n"));
            (await RunAsync("eval", "import-run", "--db", DbPath, "--project", "Triage", "--set", "Held-out", "--name", name, "--outputs", Write(name + ".csv", csv))).ExitCode.ShouldBe(0);
            await using var db = factory.CreateDbContext();
            return await db.EvalRuns.Where(r => r.Name == name).Select(r => r.Id).SingleAsync();
        }

        var baseline = (await Run("Prompted", Answer)).ToString();
        // Wrong on 8 items the baseline got right, right elsewhere: McNemar exact p = 2 * 0.5^8 = 0.0078.
        var worse = (await Run("Worse", i => i <= 8 ? Wrong(i) : Answer(i))).ToString();
        // Wrong on 3: accuracy drops 0.15, but p = 2 * 0.5^3 = 0.25, not significant.
        var unlucky = (await Run("Unlucky", i => i <= 3 ? Wrong(i) : Answer(i))).ToString();

        var failed = await RunAsync("eval", "compare", baseline, worse, "--db", DbPath, "--fail-on-regression");
        failed.ExitCode.ShouldBe(1, failed.Output);
        failed.Error.ShouldContain("significant regression: accuracy 1.0000 -> 0.6000 (drop 0.4000, allowed 0.0000); 8 regressions, 0 fixes, McNemar exact p = 0.0078");
        failed.Output.ShouldContain("regressions 8, fixes 0");

        var json = await RunAsync("eval", "compare", baseline, worse, "--db", DbPath, "--fail-on-regression", "--json");
        json.ExitCode.ShouldBe(1);
        using (var document = JsonDocument.Parse(json.Output))
        {
            document.RootElement.GetProperty("regressions").GetInt32().ShouldBe(8);
            var gate = document.RootElement.GetProperty("gate");
            gate.GetProperty("failed").GetBoolean().ShouldBeTrue();
            gate.GetProperty("drop").GetDouble().ShouldBe(0.4);
            gate.GetProperty("pValue").GetDouble().ShouldBe(0.0078125, 1e-9);
        }

        var small = await RunAsync("eval", "compare", baseline, unlucky, "--db", DbPath, "--fail-on-regression");
        small.ExitCode.ShouldBe(0, small.Error);
        small.Output.ShouldContain("gate passed: no significant regression: accuracy 1.0000 -> 0.8500 (drop 0.1500, allowed 0.0000), but 3 regressions, 0 fixes, McNemar exact p = 0.2500");

        // A drop within what is allowed passes, however significant.
        var allowed = await RunAsync("eval", "compare", baseline, worse, "--db", DbPath, "--fail-on-regression", "--max-drop", "0.4");
        allowed.ExitCode.ShouldBe(0, allowed.Error);
        // Another metric has no paired test: its drop alone decides.
        var exact = await RunAsync("eval", "compare", baseline, unlucky, "--db", DbPath, "--fail-on-regression", "--metric", "exact", "--max-drop", "0.1");
        exact.ExitCode.ShouldBe(1);
        exact.Error.ShouldContain("regression: exact 1.0000 -> 0.8500 (drop 0.1500, allowed 0.1000); no paired significance test");
        // The candidate better than the baseline passes.
        (await RunAsync("eval", "compare", worse, baseline, "--db", DbPath, "--fail-on-regression")).ExitCode.ShouldBe(0);

        var unknown = await RunAsync("eval", "compare", baseline, worse, "--db", DbPath, "--fail-on-regression", "--metric", "bleu");
        unknown.ExitCode.ShouldBe(1);
        unknown.Error.ShouldContain("--metric");
        unknown.Error.ShouldContain("'bleu' is not a metric of these runs; choose one of: accuracy, exact");
        (await RunAsync("eval", "compare", baseline, worse, "--db", DbPath, "--fail-on-regression", "--max-drop", "-1")).ExitCode.ShouldBe(1);
        var usage = await RunAsync("eval", "compare", baseline, worse, "--db", DbPath, "--max-drop", "0.1");
        usage.ExitCode.ShouldBe(2);
        usage.Error.ShouldContain("add --fail-on-regression");
    }

    [Fact]
    public async Task ImportRunThenCompare_PrintsRegressions()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        var factory = new SettingsDbContextFactory(new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(DbPath)));
        var project = await new ProjectService(factory, TimeProvider.System).CreateAsync(new ProjectInput("Triage", null), Actor.System, default);
        var evaluation = new EvalSets(factory, TimeProvider.System);
        var set = await evaluation.CreateSetAsync(project.Id, new EvalSetInput("Held-out", null, ["accuracy"]), Actor.System, default);
        await evaluation.ImportItemsAsync(set.Id, Items, "items.jsonl", Actor.System, default);

        var baseline = await RunAsync("eval", "import-run", "--db", DbPath, "--project", "Triage", "--set", "Held-out", "--name", "Prompted",
            "--outputs", Write("a.csv", "id,output\n1,high\n2,low\n3,high\n4,high\n"), "--baseline", "--json");
        baseline.ExitCode.ShouldBe(0, baseline.Error);
        var candidate = await RunAsync("eval", "import-run", "--db", DbPath, "--project", "Triage", "--set", "Held-out", "--name", "Tuned",
            "--outputs", Write("b.csv", "id,output\n1,low\n2,low\n3,low\n4,normal\n"));
        candidate.ExitCode.ShouldBe(0, candidate.Error);
        candidate.Output.ShouldContain("accuracy  0.7500");

        int runA, runB;
        await using (var db = factory.CreateDbContext())
        {
            var ids = await db.EvalRuns.OrderBy(r => r.Id).Select(r => r.Id).ToListAsync();
            (runA, runB) = (ids[0], ids[1]);
        }

        var compared = await RunAsync("eval", "compare", runA.ToString(), runB.ToString(), "--db", DbPath);
        compared.ExitCode.ShouldBe(0, compared.Error);
        // Baseline right on 1, 2 (0.5); candidate on 2, 3, 4 (0.75): regression 1, fixes 3 and 4.
        compared.Output.ShouldContain("regressions 1, fixes 2");
        compared.Output.ShouldContain("regression 1: expected \"high\", baseline \"high\", candidate \"low\"");

        var json = await RunAsync("eval", "compare", runA.ToString(), runB.ToString(), "--db", DbPath, "--json");
        using var document = JsonDocument.Parse(json.Output);
        document.RootElement.GetProperty("regressions").GetInt32().ShouldBe(1);

        var wrongSet = await RunAsync("eval", "import-run", "--db", DbPath, "--project", "Triage", "--set", "Nope", "--name", "X", "--outputs", Write("c.csv", "id,output\n1,high\n"));
        wrongSet.ExitCode.ShouldBe(1);
        wrongSet.Error.ShouldContain("Eval set 'Nope' was not found");
    }

    [Fact]
    public async Task Generate_EndpointFromTheEnvironment_RecordsAndScoresTheRun()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        var factory = new SettingsDbContextFactory(new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(DbPath)));
        var project = await new ProjectService(factory, TimeProvider.System).CreateAsync(new ProjectInput("Triage", null), Actor.System, default);
        var evaluation = new EvalSets(factory, TimeProvider.System);
        var set = await evaluation.CreateSetAsync(project.Id, new EvalSetInput("Held-out", null, ["accuracy"]), Actor.System, default);
        await evaluation.ImportItemsAsync(set.Id, "{\"id\":\"1\",\"input\":\"site down\",\"expected\":\"high\",\"label\":\"high\"}\n{\"id\":\"2\",\"input\":\"typo\",\"expected\":\"low\",\"label\":\"low\"}\n", "items.jsonl", Actor.System, default);
        // "typo" gets a 500 every time: recorded as failed, the run still completes.
        await using var server = ScriptedChatServer.Start((text, _) => text == "typo" ? FakeReply.Status(500) : FakeReply.Text("high"));
        var endpoint = $"cli{Guid.NewGuid():N}";
        var prefix = $"Studio__Evaluation__Generation__Endpoints__{endpoint}__";
        Environment.SetEnvironmentVariable(prefix + "BaseUrl", server.BaseUrl);
        Environment.SetEnvironmentVariable(prefix + "ApiKey", "sk-from-env");
        Environment.SetEnvironmentVariable("Studio__Evaluation__Generation__RetryDelayMilliseconds", "10");
        try
        {
            var result = await RunAsync("eval", "generate", "--db", DbPath, "--set", set.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--endpoint", endpoint, "--model", "small-model", "--name", "Generated");

            result.ExitCode.ShouldBe(0, result.Error);
            result.Output.ShouldContain("\"Generated\" on Held-out: Completed, 2 of 2 items, 1 failed");
            result.Output.ShouldContain("accuracy  0.5000"); // 1 of 2 right; the failed item counts as wrong
            server.RequestsFor("typo").ShouldBe(4); // the first try and the default three retries

            var unknown = await RunAsync("eval", "generate", "--db", DbPath, "--set", set.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--endpoint", "nowhere", "--model", "m");
            unknown.ExitCode.ShouldBe(1);
            unknown.Error.ShouldContain("endpoint: choose one of the configured endpoints");
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "BaseUrl", null);
            Environment.SetEnvironmentVariable(prefix + "ApiKey", null);
            Environment.SetEnvironmentVariable("Studio__Evaluation__Generation__RetryDelayMilliseconds", null);
        }
    }

    [Fact]
    public async Task EvalSetsImport_InvalidSkip_LeavesOutTheBadLines_AndWritesThemToRejectsAsTheyWere()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        var factory = new SettingsDbContextFactory(new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(DbPath)));
        var project = await new ProjectService(factory, TimeProvider.System).CreateAsync(new ProjectInput("Triage", null), Actor.System, default);
        await new EvalSets(factory, TimeProvider.System).CreateSetAsync(project.Id, new EvalSetInput("Held-out", null, ["exact"]), Actor.System, default);
        // Line 2 is cut short, line 4 has no expected answer; CRLF line ends as a Windows editor saves them.
        const string bad2 = "{\"id\":\"2\",\"expected\":\"lo";
        const string bad4 = "{\"id\":\"4\",\"input\":\"Invoices?\"}";
        var items = Write("items.jsonl", $"{{\"id\":\"1\",\"expected\":\"high\",\"input\":\"Site down\"}}\r\n{bad2}\r\n{{\"id\":\"3\",\"expected\":\"low\",\"input\":\"Typo\"}}\r\n{bad4}\r\n");

        var refused = await RunAsync("eval-sets", "import", items, "--db", DbPath, "--project", "Triage", "--set", "Held-out");
        refused.ExitCode.ShouldBe(1);
        refused.Error.ShouldContain("line 2");
        refused.Error.ShouldContain("line 4");
        refused.Error.ShouldContain("2 lines have problems and 2 have none; fix the file, or pass --invalid skip");

        var rejects = Path.Combine(_folder, "items.rejects.jsonl");
        var skipped = await RunAsync("eval-sets", "import", items, "--db", DbPath, "--project", "Triage", "--set", "Held-out", "--invalid", "skip", "--rejects", rejects, "--json");

        skipped.ExitCode.ShouldBe(0);
        var json = JsonDocument.Parse(skipped.Output).RootElement;
        (json.GetProperty("added").GetInt32(), json.GetProperty("invalidRecords").GetInt32()).ShouldBe((2, 2));
        json.GetProperty("leftOutLines").EnumerateArray().Select(l => l.GetInt32()).ShouldBe([2, 4]);
        json.GetProperty("set").GetProperty("itemCount").GetInt32().ShouldBe(2);
        (await File.ReadAllTextAsync(rejects)).ShouldBe(bad2 + "\n" + bad4 + "\n");
        // The same file again: its good lines are in the set now, so they are the ones left out, named by id.
        var again = await RunAsync("eval-sets", "import", items, "--db", DbPath, "--project", "Triage", "--set", "Held-out", "--invalid", "skip");
        again.ExitCode.ShouldBe(1);
        again.Error.ShouldContain("The set already has an item \"1\".");
    }

    [Fact]
    public async Task EvalSetsImport_RejectsOfACsvWithoutTheExtension_AreCsvRecordsUnderItsHeader()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        var factory = new SettingsDbContextFactory(new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(DbPath)));
        var project = await new ProjectService(factory, TimeProvider.System).CreateAsync(new ProjectInput("Triage", null), Actor.System, default);
        await new EvalSets(factory, TimeProvider.System).CreateSetAsync(project.Id, new EvalSetInput("Held-out", null, ["exact"]), Actor.System, default);
        // Read as CSV by how it starts; the record on line 3 repeats t-1's id.
        var items = Write("items.txt", "id,expected,input\nt-1,high,Site down\nt-1,low,\"Typo on\nthe pricing page\"\nt-2,low,Dark mode\n");
        var rejects = Path.Combine(_folder, "items.rejects.csv");

        var skipped = await RunAsync("eval-sets", "import", items, "--db", DbPath, "--project", "Triage", "--set", "Held-out", "--invalid", "skip", "--rejects", rejects);

        skipped.ExitCode.ShouldBe(0);
        skipped.Output.ShouldContain("added 2 items");
        var copied = (await File.ReadAllTextAsync(rejects)).ReplaceLineEndings("\n");
        copied.ShouldContain("id,expected,input\n");
        copied.ShouldContain("t-1,low,\"Typo on\nthe pricing page\"");
        copied.ShouldNotContain("Site down");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
