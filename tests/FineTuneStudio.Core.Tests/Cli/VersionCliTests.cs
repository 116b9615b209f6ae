using System.Security.Cryptography;
using System.Text;
using FineTuneStudio.Cli;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Cli;

public sealed class VersionCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-cli-versions-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    private static string Line(string user, string reply) =>
        $$"""{"messages":[{"role":"system","content":"Label urgency."},{"role":"user","content":"{{user}}"},{"role":"assistant","content":"{{reply}}"}]}""";

    [Fact]
    public async Task Validate_CleanFile_Exits0AndPrintsTokenFigures()
    {
        var path = Path.Combine(_folder, "good.jsonl");
        await File.WriteAllTextAsync(path, string.Join("\n", Enumerable.Range(0, 12).Select(i => Line($"ticket {i}", "low"))) + "\n");

        var result = await RunAsync("validate", path, "--target", "openai-chat");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Output.ShouldContain("examples:  12");
        result.Output.ShouldContain("errors:    0");
        // 12 examples: 12 × 3 = 36 < 100, so epochs = min(25, 100 / 12) = 8 (integer division).
        result.Output.ShouldContain("epochs:    8");
        result.Output.ShouldContain("median");
        result.Output.ShouldContain("charged tokens:");
    }

    [Fact]
    public async Task Validate_FileWithBrokenLine_Exits1AndNamesTheLine()
    {
        var path = Path.Combine(_folder, "bad.jsonl");
        var lines = Enumerable.Range(0, 12).Select(i => Line($"ticket {i}", "low")).ToList();
        lines[3] = """{"messages":[{"role":"user","content":"no reply"}]}""";
        lines[7] = "not json";
        await File.WriteAllTextAsync(path, string.Join("\n", lines) + "\n");

        var result = await RunAsync("validate", path, "--target", "openai-chat", "--encoding", "cl100k_base");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("line 4: messages:");
        result.Error.ShouldContain("line 8: $:");
    }

    [Fact]
    public async Task Validate_GeminiLines_AgainstVertexGemini_Exit0_AndALineWithAWrongRoleExits1NamingIt()
    {
        const string good = """{"systemInstruction":{"parts":[{"text":"Label urgency."}]},"contents":[{"role":"user","parts":[{"text":"Server down"}]},{"role":"model","parts":[{"text":"high"}]}]}""";
        var path = Path.Combine(_folder, "vertex.jsonl");
        await File.WriteAllTextAsync(path, good + "\n" + good.Replace("\"model\"", "\"assistant\"", StringComparison.Ordinal) + "\n");

        var result = await RunAsync("validate", path, "--target", "vertex-gemini");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("line 2: contents[1].role: role must be user or model.");
        result.Error.ShouldNotContain("line 1:");
        await File.WriteAllTextAsync(path, good + "\n");
        (await RunAsync("validate", path, "--target", "vertex-gemini")).ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task Validate_UnknownTarget_FailsNamingTheTargetsThereAre()
    {
        var path = Path.Combine(_folder, "x.jsonl");
        await File.WriteAllTextAsync(path, Line("a", "b") + "\n");

        // A target is a row of the targets table, not a fixed word: an unknown one is invalid input.
        var result = await RunAsync("validate", path, "--target", "nope");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("target: Unknown training target 'nope'");
        result.Error.ShouldContain("openai-chat");
    }

    [Fact]
    public async Task Export_PrintsHashesThatMatchTheCopiedFiles()
    {
        await SeedAsync(approved: 30, brokenId: false);
        var outDir = Path.Combine(_folder, "out");

        var result = await RunAsync("export", "--db", DbPath, "--project", "Triage", "--dataset", "Urgency", "--target", "openai-chat", "--out", outDir);

        result.ExitCode.ShouldBe(0, result.Error);
        // 30 examples, one label: validation round(30 × 0.1) = 3, train 27.
        result.Output.ShouldContain("version 1 of Urgency: 27 train, 3 validation, 0 test");
        foreach (var name in new[] { "train.jsonl", "validation.jsonl", "manifest.json", "README.md" })
        {
            var sha = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(outDir, name))));
            result.Output.ShouldContain($"{name}");
            result.Output.ShouldContain(sha);
        }

        File.ReadAllLines(Path.Combine(outDir, "train.jsonl")).Length.ShouldBe(27);
    }

    [Fact]
    public async Task Export_WithInvalidExample_Exits1AndCreatesNoVersion()
    {
        var badId = await SeedAsync(approved: 30, brokenId: true);
        var outDir = Path.Combine(_folder, "out");

        var result = await RunAsync("export", "--db", DbPath, "--project", "Triage", "--dataset", "Urgency", "--target", "openai-chat", "--out", outDir);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain($"error: example {badId} (");
        Directory.Exists(outDir).ShouldBeFalse();
        await using var db = StudioDbContextOptions.Create(Settings);
        db.DatasetVersions.Count().ShouldBe(0);
        Directory.Exists(Path.Combine(_folder, "storage", "datasets")).ShouldBeFalse();
    }

    [Fact]
    public async Task Validate_MoreIssuesThanListed_SaysHowManyMoreErrorsAndWarnings()
    {
        var path = Path.Combine(_folder, "flood.jsonl");
        var lines = Enumerable.Repeat("nope", 1_005).Concat(Enumerable.Repeat(Line("same ticket", "low"), 1_006));
        await File.WriteAllTextAsync(path, string.Join("\n", lines) + "\n");

        var result = await RunAsync("validate", path, "--target", "openai-chat");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("error: … and 5 more errors (1005 in all)");
        result.Error.ShouldContain("warning: … and 5 more warnings (1005 in all)");
    }

    [Fact]
    public async Task Export_ToolsToPromptCompletion_PrintsOneErrorAndCreatesNoVersion()
    {
        await SeedAsync(approved: 30, brokenId: false, withTools: 12);
        var outDir = Path.Combine(_folder, "out");

        var result = await RunAsync("export", "--db", DbPath, "--project", "Triage", "--dataset", "Urgency", "--target", "hf-prompt-completion", "--out", outDir);

        result.ExitCode.ShouldBe(1);
        result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries).ShouldHaveSingleItem().ShouldStartWith("error: tools: 12 examples (ids ");
        result.Error.ShouldContain("which hf-prompt-completion cannot carry; openai-chat, hf-messages, axolotl-chat or vertex-gemini keep them, or cut with --drop-unsupported (\"Leave out what the target cannot carry\" on the page) to leave them out.");
        Directory.Exists(outDir).ShouldBeFalse();
    }

    [Fact]
    public async Task Export_DropUnsupported_WritesFilesAndRecordsWhatWasLeftOut()
    {
        await SeedAsync(approved: 30, brokenId: false, withTools: 12);
        var outDir = Path.Combine(_folder, "out");

        var result = await RunAsync("export", "--db", DbPath, "--project", "Triage", "--dataset", "Urgency", "--target", "hf-prompt-completion",
            "--drop-unsupported", "--out", outDir);

        result.ExitCode.ShouldBe(0, result.Error);
        var manifest = await File.ReadAllTextAsync(Path.Combine(outDir, "manifest.json"));
        manifest.ShouldContain("\"dropped\": {\n    \"tools\": 12\n  },\n  \"duplicates_after_drop\": 0,");
        (await File.ReadAllTextAsync(Path.Combine(outDir, "README.md"))).ShouldContain("12 examples lost their tool definitions");
        (await File.ReadAllTextAsync(Path.Combine(outDir, "train.jsonl"))).ShouldNotContain("lookup");
    }

    [Fact]
    public async Task Export_ToBedrockNova_WritesConverseLinesAndTheJobBody_AndValidateNamesAClaudeLineOutOfTurn()
    {
        await SeedAsync(approved: 30, brokenId: false);
        var outDir = Path.Combine(_folder, "out");

        var result = await RunAsync("export", "--db", DbPath, "--project", "Triage", "--dataset", "Urgency", "--target", "bedrock-nova", "--out", outDir);

        result.ExitCode.ShouldBe(0, result.Error);
        (await File.ReadAllLinesAsync(Path.Combine(outDir, "train.jsonl")))[0]
            .ShouldStartWith("""{"schemaVersion":"bedrock-conversation-2024","system":[{"text":"Label urgency."}],"messages":[{"role":"user","content":[{"text":"ticket """);
        (await File.ReadAllTextAsync(Path.Combine(outDir, "bedrock-customization-job.json"))).ShouldContain("\"baseModelIdentifier\": \"amazon.nova-micro-v1:0:128k\"");
        (await RunAsync("validate", Path.Combine(outDir, "train.jsonl"), "--target", "bedrock-nova")).ExitCode.ShouldBe(0);

        const string good = """{"system":"Label urgency.","messages":[{"role":"user","content":"Server down"},{"role":"assistant","content":"high"}]}""";
        var path = Path.Combine(_folder, "claude.jsonl");
        await File.WriteAllTextAsync(path, good + "\n" + good.Replace("\"user\"", "\"assistant\"", StringComparison.Ordinal) + "\n");
        var refused = await RunAsync("validate", path, "--target", "bedrock-claude");
        refused.ExitCode.ShouldBe(1);
        refused.Error.ShouldContain("line 2: messages[0].role: Expected a user turn: turns alternate, starting with the user.");
        refused.Error.ShouldNotContain("line 1:");
    }

    private StudioDatabaseSettings Settings => new(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(DbPath));

    /// <summary>Creates project Triage / dataset Urgency with approved examples; returns the id of the broken one (0 when none).</summary>
    private async Task<int> SeedAsync(int approved, bool brokenId, int withTools = 0)
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        await using var db = StudioDbContextOptions.Create(Settings);
        var dataset = new Dataset { Name = "Urgency", Project = new Project { Name = "Triage" } };
        for (var i = 0; i < approved; i++)
        {
            var example = new Example { Status = ExampleStatus.Approved };
            new ExampleContent([new(MessageRole.System, "Label urgency."), new(MessageRole.User, $"ticket {i}"), new(MessageRole.Assistant, "low")], "low",
                ToolsJson: i < withTools ? """[{"type":"function","function":{"name":"lookup","parameters":{}}}]""" : null).ApplyTo(example);
            dataset.Examples.Add(example);
        }

        Example? broken = null;
        if (brokenId)
        {
            broken = new Example { Status = ExampleStatus.Approved };
            // Unlabelled, so no answer can be rendered from a label either.
            new ExampleContent([new(MessageRole.User, "nobody answered")]).ApplyTo(broken);
            dataset.Examples.Add(broken);
        }

        db.Datasets.Add(dataset);
        await db.SaveChangesAsync();
        return broken?.Id ?? 0;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
