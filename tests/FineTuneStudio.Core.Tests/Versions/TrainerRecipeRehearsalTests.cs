using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Versions;

/// <summary>
/// A version's TRL recipe run as a user runs it, from the exported folder with Debian's python3, over stand-ins for
/// datasets and trl (TrainerStandIns beside this file): TRL, PyTorch and a model cannot be installed here, so what runs
/// is the recipe's own code, its arguments, the paths to the version's files and its mapping of rows, against rows
/// the trainers' documented fields check. The trainer_state.json it leaves is imported back with fts and joins the
/// version's lineage. A rehearsal of the path, not a training run.
/// </summary>
public sealed partial class TrainerRecipeRehearsalTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-rehearsal-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string StandIns([CallerFilePath] string here = "") => Path.Combine(Path.GetDirectoryName(here)!, "TrainerStandIns");

    private async Task<string> OkAsync(params string[] args)
    {
        var result = await RunAsync([.. args, "--db", DbPath]);
        result.ExitCode.ShouldBe(0, $"{string.Join(' ', args)}: {result.Error}");
        return result.Output;
    }

    /// <summary>Imports the lines into a new dataset and exports version 1 for the target; returns the version's folder.</summary>
    private async Task<string> ExportAsync(string target, IEnumerable<string> lines, double validation)
    {
        await OkAsync("migrate");
        var file = Path.Combine(_folder, "examples.jsonl");
        await File.WriteAllLinesAsync(file, lines);
        await OkAsync("import", file, "--project", "Support", "--dataset", "Replies", "--status", "approved");
        var version = Path.Combine(_folder, "v1");
        await OkAsync("export", "--project", "Support", "--dataset", "Replies", "--target", target, "--out", version,
            "--validation", validation.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return version;
    }

    private static async Task<(int ExitCode, string Output, string Error)> PythonAsync(string folder, params string[] args)
    {
        var start = new ProcessStartInfo("python3", ["recipe-trl.py", .. args])
        {
            WorkingDirectory = folder, RedirectStandardError = true, RedirectStandardOutput = true,
        };
        start.Environment["PYTHONPATH"] = StandIns();
        // Nothing is written into the source tree's stand-in folder.
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    private async Task<JsonElement> ImportAndReadLineageAsync(string state)
    {
        await OkAsync("training", "import", state, "--project", "Support", "--dataset", "Replies", "--version", "1", "--name", "trl run");
        using var lineage = JsonDocument.Parse(await OkAsync("versions", "lineage", "--project", "Support", "--dataset", "Replies", "--version", "1", "--json"));
        return lineage.RootElement.GetProperty("trainings").EnumerateArray().Single().Clone();
    }

    private static int EpochsAskedFor(string folder) =>
        int.Parse(EpochsLine().Match(File.ReadAllText(Path.Combine(folder, "recipe-trl.py"))).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task ChatVersion_RecipeRunsFromItsFolder_WithAndWithoutAssistantOnlyLoss_AndItsLogJoinsTheLineage()
    {
        // Per-turn weights and a system prompt, as an OpenAI chat version carries them.
        var folder = await ExportAsync("openai-chat", Enumerable.Range(0, 30).Select(i =>
            $$"""{"messages": [{"role": "system", "content": "Answer in one line."}, {"role": "user", "content": "Order {{i}} is late"}, {"role": "assistant", "content": "Sorry.", "weight": 0}, {"role": "user", "content": "When will it come?"}, {"role": "assistant", "content": "Tomorrow, order {{i}}."}]}"""), validation: 0.2);

        var help = await PythonAsync(folder, "--help");
        help.ExitCode.ShouldBe(0, help.Error);
        help.Output.ShouldContain("{% generation %}");

        var plain = await PythonAsync(folder, "--output-dir", "out-all-tokens");
        plain.ExitCode.ShouldBe(0, plain.Error);
        var assistantOnly = await PythonAsync(folder, "--assistant-only-loss", "--output-dir", "out");
        assistantOnly.ExitCode.ShouldBe(0, assistantOnly.Error);

        var training = await ImportAndReadLineageAsync(Path.Combine(folder, "out", "trainer_state.json"));
        training.GetProperty("format").GetString().ShouldBe("hf-trainer-state");
        training.GetProperty("bestValidEpoch").GetDouble().ShouldBe(EpochsAskedFor(folder));
    }

    [Fact]
    public async Task PromptCompletionVersion_RecipeRunsWithoutAValidationFile()
    {
        var folder = await ExportAsync("hf-prompt-completion", Enumerable.Range(0, 20).Select(i =>
            $$"""{"prompt": "Translate 'cat' ({{i}})", "completion": "chat {{i}}"}"""), validation: 0);

        var run = await PythonAsync(folder, "--output-dir", "out");

        run.ExitCode.ShouldBe(0, run.Error);
        File.Exists(Path.Combine(folder, "validation.jsonl")).ShouldBeFalse();
        using var state = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "out", "trainer_state.json")));
        state.RootElement.GetProperty("num_train_epochs").GetInt32().ShouldBe(EpochsAskedFor(folder));
    }

    [Fact]
    public async Task PreferenceVersion_DpoRecipeMapsOpenAisPreferenceLinesToPromptChosenRejected()
    {
        var folder = await ExportAsync("openai-dpo", Enumerable.Range(0, 24).Select(i =>
            $$"""{"prompt": [{"role": "user", "content": "Greet customer {{i}}"}], "chosen": "Hello, and welcome back!", "rejected": "What?"}"""), validation: 0.1);

        var run = await PythonAsync(folder, "--output-dir", "out");

        run.ExitCode.ShouldBe(0, run.Error);
        var training = await ImportAndReadLineageAsync(Path.Combine(folder, "out", "trainer_state.json"));
        training.GetProperty("bestValidEpoch").GetDouble().ShouldBe(EpochsAskedFor(folder));
    }

    [Fact]
    public async Task StandIns_RefuseWhatTheRealTrainerRefuses_SoThePassesAboveMeanSomething()
    {
        // A version whose rows lack what SFTTrainer reads, and a config name TRL does not know: both must fail here.
        var folder = await ExportAsync("hf-messages", Enumerable.Range(0, 12).Select(i =>
            $$"""{"messages": [{"role": "user", "content": "Hi {{i}}"}, {"role": "assistant", "content": "Hello {{i}}"}]}"""), validation: 0);
        var script = Path.Combine(folder, "recipe-trl.py");
        var text = await File.ReadAllTextAsync(script);

        await File.WriteAllTextAsync(script, text.Replace("data_files={\"train\": \"train.jsonl\"}", "data_files={\"train\": \"manifest.json\"}", StringComparison.Ordinal));
        (await PythonAsync(folder)).ExitCode.ShouldNotBe(0);
        await File.WriteAllTextAsync(Path.Combine(folder, "rows.jsonl"), "{\"question\": \"Hi\"}\n");
        await File.WriteAllTextAsync(script, text.Replace("\"train.jsonl\"", "\"rows.jsonl\"", StringComparison.Ordinal));
        (await PythonAsync(folder)).Error.ShouldContain("SFTTrainer reads messages, prompt and completion, or text");
        await File.WriteAllTextAsync(script, text.Replace("seed=", "random_seed=", StringComparison.Ordinal));
        (await PythonAsync(folder)).Error.ShouldContain("unexpected keyword argument(s): random_seed");
    }

    [GeneratedRegex(@"num_train_epochs=(\d+),")]
    private static partial Regex EpochsLine();
}
