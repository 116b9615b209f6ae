using System.Security.Cryptography;
using System.Text.Json;
using FineTuneStudio.Core.Tests.Support;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Cli;

/// <summary>
/// A script sets up a classification project with the CLI alone: project, dataset and its settings, examples, two
/// versions it lists, downloads and diffs, the stored quality report, and an eval set with items.
/// </summary>
public sealed class WorkspaceCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-cli-workspace-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Examples(int from, int count) => string.Join('\n', Enumerable.Range(from, count).Select(i =>
        $$"""{"messages":[{"role":"user","content":"ticket {{i}} about my order"}],"label":"{{(i % 3) switch { 0 => "billing", 1 => "refund", _ => "shipping" }}}"}""")) + "\n";

    private Task<JsonElement> JsonAsync(params string[] args) => CliRun.JsonAsync(DbPath, args);

    [Fact]
    public async Task Script_SetsUpAProject_CutsTwoVersions_DownloadsAndDiffsThem_ReadsQuality_AndFillsAnEvalSet()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        var project = await JsonAsync("projects", "create", "--name", "Intent routing", "--description", "Route support tickets");
        project.GetProperty("name").GetString().ShouldBe("Intent routing");

        await JsonAsync("datasets", "create", "--project", "Intent routing", "--name", "Intents", "--task", "classification", "--labels", "billing,refund,shipping");
        var guidelines = Write("guidelines.md", "# Intents\n\n**refund** means money back.\n");
        var updated = await JsonAsync("datasets", "update", "--project", "Intent routing", "--dataset", "Intents",
            "--system-prompt", "Route the ticket.", "--annotations", "2", "--guidelines-file", guidelines);
        updated.GetProperty("requiredAnnotations").GetInt32().ShouldBe(2);

        var shown = await JsonAsync("datasets", "show", "--project", "Intent routing", "--dataset", "Intents");
        shown.GetProperty("canonicalSystemPrompt").GetString().ShouldBe("Route the ticket.");
        shown.GetProperty("guidelines").GetString().ShouldBe("# Intents\n\n**refund** means money back.\n");
        shown.GetProperty("labels").EnumerateArray().Select(l => l.GetString()).ShouldBe(["billing", "refund", "shipping"]);
        shown.GetProperty("taskKind").ToString().ShouldBe("Classification");

        // Nothing analysed yet: quality show says how to get a report.
        var none = await RunAsync("quality", "show", "--db", DbPath, "--project", "Intent routing", "--dataset", "Intents");
        none.ExitCode.ShouldBe(1);
        none.Error.ShouldContain("has no quality report yet; run fts analyze");

        var first = Write("first.jsonl", Examples(1, 30));
        (await RunAsync("import", first, "--db", DbPath, "--project", "Intent routing", "--dataset", "Intents", "--status", "approved")).ExitCode.ShouldBe(0);
        (await RunAsync("export", "--db", DbPath, "--project", "Intent routing", "--dataset", "Intents", "--target", "openai-chat", "--out", Path.Combine(_folder, "v1"))).ExitCode.ShouldBe(0);
        var second = Write("second.jsonl", Examples(31, 6));
        (await RunAsync("import", second, "--db", DbPath, "--project", "Intent routing", "--dataset", "Intents", "--status", "approved")).ExitCode.ShouldBe(0);
        (await RunAsync("export", "--db", DbPath, "--project", "Intent routing", "--dataset", "Intents", "--target", "openai-chat", "--out", Path.Combine(_folder, "v2"))).ExitCode.ShouldBe(0);

        var versions = await JsonAsync("versions", "list", "--project", "Intent routing", "--dataset", "Intents");
        versions.EnumerateArray().Select(v => v.GetProperty("number").GetInt32()).Order().ShouldBe([1, 2]);
        var v1 = versions.EnumerateArray().Single(v => v.GetProperty("number").GetInt32() == 1);
        v1.GetProperty("trainCount").GetInt32().ShouldBe(27); // 30 with 10% held out for validation

        var into = Path.Combine(_folder, "download");
        var download = await RunAsync("versions", "download", "--db", DbPath, "--project", "Intent routing", "--dataset", "Intents", "--version", "1", "--out", into);
        download.ExitCode.ShouldBe(0, download.Error);
        foreach (var file in v1.GetProperty("files").EnumerateArray())
        {
            // Each file as downloaded hashes to what the version recorded, byte for byte.
            var bytes = await File.ReadAllBytesAsync(Path.Combine(into, file.GetProperty("name").GetString()!));
            Convert.ToHexStringLower(SHA256.HashData(bytes)).ShouldBe(file.GetProperty("sha256").GetString());
        }

        var diff = await JsonAsync("versions", "diff", "--project", "Intent routing", "--dataset", "Intents", "1", "2");
        diff.GetProperty("diff").GetProperty("added").GetArrayLength().ShouldBe(6);
        diff.GetProperty("diff").GetProperty("removed").GetArrayLength().ShouldBe(0);
        var text = await RunAsync("versions", "diff", "--db", DbPath, "--project", "Intent routing", "--dataset", "Intents", "1", "2");
        text.Output.ShouldContain("version 1 -> 2");
        text.Output.ShouldContain("added:     6");

        var missing = await RunAsync("versions", "download", "--db", DbPath, "--project", "Intent routing", "--dataset", "Intents", "--version", "9", "--out", into);
        missing.ExitCode.ShouldBe(1);
        missing.Error.ShouldContain("Intents has no version 9 (it has 1, 2)");
        (await RunAsync("versions", "diff", "--db", DbPath, "--project", "Intent routing", "--dataset", "Intents", "1")).ExitCode.ShouldBe(2);

        (await RunAsync("analyze", "--db", DbPath, "--project", "Intent routing", "--dataset", "Intents")).ExitCode.ShouldBe(0);
        var quality = await JsonAsync("quality", "show", "--project", "Intent routing", "--dataset", "Intents");
        quality.GetProperty("report").GetProperty("examplesAnalyzed").GetInt32().ShouldBe(36);

        var set = await JsonAsync("eval-sets", "create", "--project", "Intent routing", "--name", "Held-out", "--metrics", "exact,accuracy");
        set.GetProperty("metrics").EnumerateArray().Select(m => m.GetString()).ShouldBe(["exact", "accuracy"]);
        var items = Write("items.jsonl", """
            {"id":"h1","input":"where is my parcel","expected":"shipping","label":"shipping"}
            {"id":"h2","input":"charge me once please","expected":"billing","label":"billing"}
            {"id":"h3","input":"I want my money back","expected":"refund","label":"refund"}
            """);
        var imported = await JsonAsync("eval-sets", "import", "--project", "Intent routing", "--set", "Held-out", items);
        imported.GetProperty("added").GetInt32().ShouldBe(3);
        imported.GetProperty("set").GetProperty("itemCount").GetInt32().ShouldBe(3);

        var broken = Write("broken.jsonl", "{\"id\":\"h9\",\"input\":\"x\"}\nnot json\n");
        var refused = await RunAsync("eval-sets", "import", "--db", DbPath, "--project", "Intent routing", "--set", "Held-out", broken);
        refused.ExitCode.ShouldBe(1);
        refused.Error.ShouldContain("line");
        var more = Write("more.jsonl", "{\"id\":\"h4\",\"input\":\"the box arrived broken\",\"expected\":\"refund\",\"label\":\"refund\"}\n");
        (await JsonAsync("eval-sets", "import", "--project", "Intent routing", "--set", "Held-out", more)).GetProperty("set").GetProperty("itemCount").GetInt32()
            .ShouldBe(4, "nothing of the refused file was kept");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
