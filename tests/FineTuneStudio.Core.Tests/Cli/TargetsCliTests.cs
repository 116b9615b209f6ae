using System.Text.Json;
using FineTuneStudio.Core.Tests.Support;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Cli;

/// <summary><c>fts targets</c>: a script adds a target with its price and the cut, the manifest and validation use it.</summary>
public sealed class TargetsCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-cli-targets-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private Task<JsonElement> JsonAsync(params string[] args) => CliRun.JsonAsync(DbPath, args);

    [Fact]
    public async Task Script_AddsATarget_CutsForIt_AndValidatesAFileAgainstItsLimit()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        var added = await JsonAsync("targets", "add", "acme-chat", "--format", "openai-chat", "--name", "Acme chat", "--price", "40",
            "--min-examples", "12", "--token-limit", "20");
        added[0].GetProperty("format").GetString().ShouldBe("openai-chat");

        var listed = await JsonAsync("targets", "list");
        listed.EnumerateArray().Select(t => t.GetProperty("key").GetString()).ShouldContain("acme-chat");
        listed.GetArrayLength().ShouldBe(10, "the nine built-in targets and the one added");

        await JsonAsync("projects", "create", "--name", "Routing");
        await JsonAsync("datasets", "create", "--project", "Routing", "--name", "Intents", "--task", "classification", "--labels", "billing,refund");
        var examples = Path.Combine(_folder, "examples.jsonl");
        await File.WriteAllTextAsync(examples, string.Join('\n', Enumerable.Range(0, 10).Select(i =>
            $$"""{"messages":[{"role":"user","content":"ticket {{i}}"}],"label":"{{(i % 2 == 0 ? "billing" : "refund")}}"}""")) + "\n");
        (await RunAsync("import", examples, "--db", DbPath, "--project", "Routing", "--dataset", "Intents", "--status", "approved")).ExitCode.ShouldBe(0);

        // Ten examples, the target needs twelve: refused with the row's minimum, nothing cut.
        var tooFew = await RunAsync("export", "--db", DbPath, "--project", "Routing", "--dataset", "Intents", "--target", "acme-chat", "--validation", "0", "--out", Path.Combine(_folder, "v"));
        tooFew.ExitCode.ShouldBe(1);
        tooFew.Error.ShouldContain("Acme chat needs at least 12");

        (await RunAsync("targets", "update", "acme-chat", "--db", DbPath, "--min-examples", "5")).ExitCode.ShouldBe(0);
        var cut = await RunAsync("export", "--db", DbPath, "--project", "Routing", "--dataset", "Intents", "--target", "acme-chat", "--validation", "0", "--out", Path.Combine(_folder, "v"));
        cut.ExitCode.ShouldBe(0, cut.Error);
        using (var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_folder, "v", "manifest.json"))))
        {
            manifest.RootElement.GetProperty("target").GetString().ShouldBe("acme-chat");
            manifest.RootElement.GetProperty("cost_estimate").GetProperty("price_per_million_tokens").GetDecimal().ShouldBe(40m);
        }

        // Ten 13-token "hello" -> "world" chats against the row's limit of 20, then of 10.
        var file = Path.Combine(_folder, "train.jsonl");
        await File.WriteAllTextAsync(file, string.Concat(Enumerable.Repeat("""{"messages":[{"role":"user","content":"hello"},{"role":"assistant","content":"world"}]}""" + "\n", 10)));
        var within = await JsonAsync("validate", file, "--target", "acme-chat");
        within.GetProperty("overTokenLimitCount").GetInt32().ShouldBe(0);
        (await RunAsync("targets", "update", "acme-chat", "--db", DbPath, "--token-limit", "10")).ExitCode.ShouldBe(0);
        var over = await JsonAsync("validate", file, "--target", "acme-chat");
        over.GetProperty("overTokenLimitCount").GetInt32().ShouldBe(10);
    }

    [Fact]
    public async Task Add_RefusesABadKeyOrADuplicate_WithExit1_AndAnUnknownFormatWithExit2()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);

        var badKey = await RunAsync("targets", "add", "Acme Chat", "--db", DbPath, "--format", "openai-chat", "--name", "Acme");
        badKey.ExitCode.ShouldBe(1);
        badKey.Error.ShouldContain("key:");

        (await RunAsync("targets", "add", "acme-chat", "--db", DbPath, "--format", "hf-messages", "--name", "Acme")).ExitCode.ShouldBe(0);
        var twice = await RunAsync("targets", "add", "acme-chat", "--db", DbPath, "--format", "hf-messages", "--name", "Acme again");
        twice.ExitCode.ShouldBe(1);
        twice.Error.ShouldContain("already a target 'acme-chat'");

        (await RunAsync("targets", "add", "other", "--db", DbPath, "--format", "csv", "--name", "Other")).ExitCode.ShouldBe(2);
        var missing = await RunAsync("targets", "update", "nope", "--db", DbPath, "--price", "1");
        missing.ExitCode.ShouldBe(1);
        missing.Error.ShouldContain("no training target 'nope'");
    }
}
