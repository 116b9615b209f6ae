using System.Text.Json;
using FineTuneStudio.Core.Tests.Support;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Cli;

/// <summary><c>fts training import|list|show</c> with the open trainers' logs, tied to the version trained on.</summary>
public sealed class TrainingCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-cli-training-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Evaluation", "Fixtures", name);

    private Task<JsonElement> JsonAsync(params string[] args) => CliRun.JsonAsync(DbPath, args);

    [Fact]
    public async Task Import_TrainerStateAndLlamaFactoryLog_JudgesTheCurves_AndGatesOnOverfitting()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        await JsonAsync("projects", "create", "--name", "Routing");
        await JsonAsync("datasets", "create", "--project", "Routing", "--name", "Intents", "--task", "classification", "--labels", "billing,refund");
        var examples = Path.Combine(_folder, "examples.jsonl");
        await File.WriteAllTextAsync(examples, string.Join('\n', Enumerable.Range(0, 12).Select(i =>
            $$"""{"messages":[{"role":"user","content":"ticket {{i}}"}],"label":"{{(i % 2 == 0 ? "billing" : "refund")}}"}""")) + "\n");
        (await RunAsync("import", examples, "--db", DbPath, "--project", "Routing", "--dataset", "Intents", "--status", "approved")).ExitCode.ShouldBe(0);
        (await RunAsync("export", "--db", DbPath, "--project", "Routing", "--dataset", "Intents", "--target", "hf-messages", "--out", Path.Combine(_folder, "v1"))).ExitCode.ShouldBe(0);

        var state = await JsonAsync("training", "import", Fixture("trainer_state.json"), "--project", "Routing", "--dataset", "Intents", "--version", "1", "--name", "qwen-lora");
        state.GetProperty("metrics").GetProperty("format").GetString().ShouldBe("hf-trainer-state");
        state.GetProperty("metrics").GetProperty("datasetVersionLabel").GetString().ShouldBe("Intents v1");
        state.GetProperty("verdict").GetProperty("risingSinceStep").GetInt32().ShouldBe(40);
        var log = await RunAsync("training", "import", Fixture("trainer_log.jsonl"), "--db", DbPath, "--project", "Routing");
        log.ExitCode.ShouldBe(0, log.Error);
        log.Output.ShouldContain("(llamafactory-log)");
        log.Output.ShouldContain("steps:   4, 1 epochs");
        log.Output.ShouldContain("verdict: Healthy");

        var listed = await JsonAsync("training", "list", "--project", "Routing");
        listed.GetArrayLength().ShouldBe(2);
        var overfitId = state.GetProperty("metrics").GetProperty("id").GetInt32().ToString();
        (await RunAsync("training", "show", overfitId, "--db", DbPath, "--fail-on-overfitting")).ExitCode.ShouldBe(1);
        (await RunAsync("training", "show", overfitId, "--db", DbPath)).ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task Import_ABadLog_ExitsOneNamingTheField_AndKeepsNothing()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        await JsonAsync("projects", "create", "--name", "Routing");
        var bad = Path.Combine(_folder, "trainer_state.json");
        await File.WriteAllTextAsync(bad, """{"log_history": [{"step": 10, "loss": 2.0}, {"step": 20, "eval_loss": "n/a"}]}""");

        var result = await RunAsync("training", "import", bad, "--db", DbPath, "--project", "Routing");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("log_history[1].eval_loss");
        (await JsonAsync("training", "list", "--project", "Routing")).GetArrayLength().ShouldBe(0);
        (await RunAsync("training", "import", bad, "--db", DbPath, "--project", "Routing", "--version", "1")).ExitCode.ShouldBe(2);
    }
}
