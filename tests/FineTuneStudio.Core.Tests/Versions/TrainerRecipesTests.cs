using System.Diagnostics;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Tests.Support;
using FineTuneStudio.Core.Training;
using FineTuneStudio.Core.Versions;
using Microsoft.Extensions.Logging.Abstractions;
using YamlDotNet.RepresentationModel;

namespace FineTuneStudio.Core.Tests.Versions;

/// <summary>
/// A sealed version holds ready-to-run recipes beside its files, hashed in the manifest like them. Read back with real
/// parsers (YamlDotNet, System.Text.Json, Debian's python3 -m py_compile); every path they name is a file of the version.
/// </summary>
public sealed class TrainerRecipesTests : IAsyncLifetime
{
    private static readonly Actor Lead = new("lead-1", "Lead");
    private readonly string _root = Directory.CreateTempSubdirectory("fts-recipes-").FullName;
    private TestDatabase _db = default!;
    private VersionCutter _cutter = default!;
    private VersionCatalog _catalog = default!;
    private int _datasetId;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var clock = new ManualClock(new DateTime(2026, 12, 4, 9, 0, 0, DateTimeKind.Utc));
        var storage = new VersionStorage(_root);
        _cutter = new VersionCutter(_db, clock, storage, new JobLeaseService(_db, clock, NullLogger<JobLeaseService>.Instance));
        _catalog = new VersionCatalog(_db, storage);
        var seed = new Seed(_db);
        var dataset = await seed.DatasetAsync("Greetings", "Replies");
        _datasetId = dataset.DatasetId;
        await seed.ExamplesAsync(_datasetId, ExampleStatus.Approved, Enumerable.Range(0, 40).Select(i => Seed.Chat($"hello {i}", i % 2 == 0 ? "world" : "earth")));
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private async Task<(VersionSummary Version, string Folder, JsonElement Manifest)> CutAsync(string target, double validation = 0.1)
    {
        var version = await _cutter.CutAsync(new CutRequest(_datasetId, target, ValidationShare: validation, Seed: 7), Lead, null, default);
        var folder = Directory.GetDirectories(Path.Combine(_root, "datasets", _datasetId.ToString())).Single(d => Path.GetFileName(d).StartsWith($"v{version.Number}-", StringComparison.Ordinal));
        using var manifest = JsonDocument.Parse((await _catalog.GetAsync(version.Id, default)).ManifestJson);
        return (version, folder, manifest.RootElement.Clone());
    }

    [Fact]
    public async Task AChatVersion_HoldsTrlAxolotlAndLlamaFactoryRecipes_HashedInTheManifest()
    {
        var (version, folder, manifest) = await CutAsync(TrainingTargets.AxolotlChat);

        var recipeFiles = manifest.GetProperty("files").EnumerateArray().Where(f => f.GetProperty("split").GetString() == "recipe").ToList();
        recipeFiles.Select(f => f.GetProperty("name").GetString()).Order(StringComparer.Ordinal)
            .ShouldBe(["dataset_info.json", "recipe-axolotl.yaml", "recipe-trl.py"]);
        foreach (var file in recipeFiles)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(folder, file.GetProperty("name").GetString()!));
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)).ShouldBe(file.GetProperty("sha256").GetString());
        }

        manifest.GetProperty("recipes").EnumerateArray().Select(r => r.GetProperty("trainer").GetString()).ShouldBe(["TRL", "axolotl", "LLaMA-Factory"]);
        (await _catalog.GetAsync(version.Id, default)).Card.ShouldNotBeNull().ShouldContain("- **axolotl**: `recipe-axolotl.yaml`.");
    }

    [Fact]
    public async Task TheAxolotlConfig_ParsesAsYaml_AndPointsAtTheVersionsFiles()
    {
        var (version, folder, _) = await CutAsync(TrainingTargets.AxolotlChat);

        var yaml = new YamlStream();
        yaml.Load(new StringReader(await File.ReadAllTextAsync(Path.Combine(folder, TrainerRecipes.AxolotlFile))));
        var root = (YamlMappingNode)yaml.Documents.Single().RootNode;
        string Scalar(YamlNode node, string key) => ((YamlScalarNode)((YamlMappingNode)node).Children[new YamlScalarNode(key)]).Value!;

        var train = ((YamlSequenceNode)root.Children[new YamlScalarNode("datasets")]).Children.Single();
        var test = ((YamlSequenceNode)root.Children[new YamlScalarNode("test_datasets")]).Children.Single();
        (Scalar(train, "path"), Scalar(train, "type"), Scalar(train, "field_messages"), Scalar(train, "message_field_training"))
            .ShouldBe(("train.jsonl", "chat_template", "messages", "train"));
        Scalar(test, "path").ShouldBe("validation.jsonl");
        File.Exists(Path.Combine(folder, Scalar(train, "path"))).ShouldBeTrue();
        File.Exists(Path.Combine(folder, Scalar(test, "path"))).ShouldBeTrue();
        // 36 training examples × 3 epochs = 108, at least 100 seen, so the heuristic keeps its default 3 (as the manifest's cost does).
        version.TrainCount.ShouldBe(36);
        (Scalar(root, "num_epochs"), Scalar(root, "seed"), Scalar(root, "val_set_size")).ShouldBe(("3", "7", "0"));
    }

    [Fact]
    public async Task TheLlamaFactoryEntry_AndTheOpenAiJobBody_ParseAsJson_NamingTheVersionsFiles()
    {
        var (version, folder, _) = await CutAsync(TrainingTargets.OpenAiChat);

        using var info = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, TrainerRecipes.LlamaFactoryFile)));
        var entries = info.RootElement.EnumerateObject().ToList();
        entries.Select(e => e.Name).ShouldBe([$"fts_v{version.Number}_train", $"fts_v{version.Number}_validation"]);
        foreach (var entry in entries)
        {
            File.Exists(Path.Combine(folder, entry.Value.GetProperty("file_name").GetString()!)).ShouldBeTrue();
            entry.Value.GetProperty("formatting").GetString().ShouldBe("sharegpt");
            entry.Value.GetProperty("tags").GetProperty("role_tag").GetString().ShouldBe("role");
        }

        using var job = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, TrainerRecipes.OpenAiJobFile)));
        (job.RootElement.GetProperty("training_file").GetString(), job.RootElement.GetProperty("validation_file").GetString()).ShouldBe(("train.jsonl", "validation.jsonl"));
        job.RootElement.GetProperty("method").GetProperty("type").GetString().ShouldBe("supervised");
        job.RootElement.GetProperty("method").GetProperty("supervised").GetProperty("hyperparameters").GetProperty("n_epochs").GetInt32().ShouldBe(3);
        job.RootElement.GetProperty("seed").GetInt32().ShouldBe(7);
    }

    [Fact]
    public async Task AGeminiVersion_HoldsGeminiLinesThatPassItsChecks_AndOnlyTheVertexJobBody()
    {
        var (version, folder, manifest) = await CutAsync(TrainingTargets.VertexGemini);

        // No open trainer reads Gemini's lines, so the version offers none of their recipes.
        manifest.GetProperty("recipes").EnumerateArray().Select(r => r.GetProperty("file").GetString()).ShouldBe([TrainerRecipes.VertexJobFile]);
        using var job = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, TrainerRecipes.VertexJobFile)));
        var spec = job.RootElement.GetProperty("supervisedTuningSpec");
        job.RootElement.GetProperty("baseModel").GetString().ShouldBe("gemini-2.5-flash");
        var (trainUri, validationUri) = (spec.GetProperty("trainingDatasetUri").GetString()!, spec.GetProperty("validationDatasetUri").GetString()!);
        trainUri.ShouldBe($"gs://YOUR_BUCKET/replies-v{version.Number}/train.jsonl");
        File.Exists(Path.Combine(folder, Path.GetFileName(trainUri))).ShouldBeTrue();
        File.Exists(Path.Combine(folder, Path.GetFileName(validationUri))).ShouldBeTrue();
        spec.GetProperty("hyperParameters").GetProperty("epochCount").GetInt32().ShouldBe(3);

        var firstLine = (await File.ReadAllLinesAsync(Path.Combine(folder, "train.jsonl")))[0];
        firstLine.ShouldStartWith("""{"contents":[{"role":"user","parts":[{"text":"hello """);
        await using var train = File.OpenRead(Path.Combine(folder, "train.jsonl"));
        var report = await new JsonlValidator(TrainingTargets.VertexGeminiProfile).ValidateAsync(train);
        (report.Errors.Count, report.ExampleCount).ShouldBe((0, 36));
        (await _catalog.GetAsync(version.Id, default)).Card.ShouldNotBeNull().ShouldContain("- **Vertex AI job**: `vertex-tuning-job.json`.");
    }

    [Theory]
    [InlineData(TrainingTargets.BedrockClaude, """{"messages":[{"role":"user","content":"hello """)]
    [InlineData(TrainingTargets.BedrockNova, """{"schemaVersion":"bedrock-conversation-2024","messages":[{"role":"user","content":[{"text":"hello """)]
    public async Task ABedrockVersion_HoldsLinesThatPassItsChecks_AndOnlyTheCustomizationJobBody(string target, string lineStart)
    {
        var (version, folder, manifest) = await CutAsync(target);

        manifest.GetProperty("recipes").EnumerateArray().Select(r => r.GetProperty("file").GetString()).ShouldBe([TrainerRecipes.BedrockJobFile]);
        using var job = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, TrainerRecipes.BedrockJobFile)));
        var trainUri = job.RootElement.GetProperty("trainingDataConfig").GetProperty("s3Uri").GetString()!;
        var validationUri = job.RootElement.GetProperty("validationDataConfig").GetProperty("validators")[0].GetProperty("s3Uri").GetString()!;
        trainUri.ShouldBe($"s3://YOUR_BUCKET/replies-v{version.Number}/train.jsonl");
        File.Exists(Path.Combine(folder, Path.GetFileName(trainUri))).ShouldBeTrue();
        File.Exists(Path.Combine(folder, Path.GetFileName(validationUri))).ShouldBeTrue();
        job.RootElement.GetProperty("hyperParameters").GetProperty("epochCount").GetString().ShouldBe("3");

        (await File.ReadAllLinesAsync(Path.Combine(folder, "train.jsonl")))[0].ShouldStartWith(lineStart);
        await using var train = File.OpenRead(Path.Combine(folder, "train.jsonl"));
        var report = await new JsonlValidator(TrainingTargets.Get(target)).ValidateAsync(train);
        (report.Errors.Count, report.ExampleCount).ShouldBe((0, 36));
        (await _catalog.GetAsync(version.Id, default)).Card.ShouldNotBeNull().ShouldContain($"- **Bedrock job**: `{TrainerRecipes.BedrockJobFile}`.");
    }

    [Theory]
    [InlineData(TrainingTargets.HfMessages, "SFTTrainer")]
    [InlineData(TrainingTargets.HfPromptCompletion, "SFTTrainer")]
    public async Task TheTrlScript_CompilesWithPython_AndLoadsTheVersionsOwnFiles(string target, string trainer)
    {
        var (_, folder, manifest) = await CutAsync(target, validation: 0);
        var script = Path.Combine(folder, TrainerRecipes.TrlFile);
        var text = await File.ReadAllTextAsync(script);

        text.ShouldContain($"from trl import {trainer.Replace("Trainer", "Config")}, {trainer}");
        text.ShouldContain("""load_dataset("json", data_files={"train": "train.jsonl"})""");
        text.ShouldContain("num_train_epochs=3,");
        text.ShouldContain("eval_strategy=\"no\"");
        manifest.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ShouldContain("train.jsonl");
        await PyCompileAsync(script);
    }

    [Fact]
    public async Task APreferenceVersion_GetsADpoScript_ThatMapsOpenAisPreferenceLines()
    {
        await using (var db = _db.CreateDbContext())
        {
            // Preference pairs on every example, so the DPO target can take them.
            foreach (var example in db.Examples.Where(e => e.DatasetId == _datasetId))
            {
                example.PreferredCompletion = "world";
                example.RejectedCompletion = "go away";
            }

            await db.SaveChangesAsync();
        }

        var (_, folder, manifest) = await CutAsync(TrainingTargets.OpenAiDpo);
        var script = Path.Combine(folder, TrainerRecipes.TrlFile);
        var text = await File.ReadAllTextAsync(script);

        text.ShouldContain("from trl import DPOConfig, DPOTrainer");
        text.ShouldContain("row[\"input\"][\"messages\"]");
        manifest.GetProperty("recipes").EnumerateArray().Select(r => r.GetProperty("file").GetString()).ShouldBe(["recipe-trl.py", "openai-job.json"]);
        using var job = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, TrainerRecipes.OpenAiJobFile)));
        job.RootElement.GetProperty("method").GetProperty("type").GetString().ShouldBe("dpo");
        await PyCompileAsync(script);
    }

    private static async Task PyCompileAsync(string script)
    {
        // Debian's python3 (scripts/install-test-deps.sh installs it when missing).
        var start = new ProcessStartInfo("python3", ["-m", "py_compile", script]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, error);
    }
}
