using System.Text.Json;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Tests.Evaluation;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Cli;

public sealed class SuggestionCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-suggestions-cli-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    /// <summary>Project Triage, dataset Tickets (urgent, normal) with the draft examples "ticket 1" and "ticket 2"; their ids.</summary>
    private async Task<int[]> SeedAsync()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        await using var db = Open();
        var now = DateTime.UtcNow;
        var dataset = new Dataset
        {
            Name = "Tickets", TaskKind = TaskKind.Classification, Labels = ["urgent", "normal"],
            Project = new Project { Name = "Triage", CreatedAt = now, UpdatedAt = now }, CreatedAt = now, UpdatedAt = now,
        };
        var examples = new[] { "ticket 1", "ticket 2" }.Select(text =>
        {
            var example = new Example { Dataset = dataset, Status = ExampleStatus.Draft, CreatedAt = now, UpdatedAt = now, Version = Guid.NewGuid() };
            new ExampleContent([new MessageContent(MessageRole.User, text), new MessageContent(MessageRole.Assistant, "ok")]).ApplyTo(example);
            return example;
        }).ToList();
        db.Examples.AddRange(examples);
        await db.SaveChangesAsync();
        return [.. examples.Select(e => e.Id)];
    }

    [Fact]
    public async Task Import_APredictionsFile_StoresSuggestions_AndABadLineChangesNothing()
    {
        var ids = await SeedAsync();
        var good = Write("p.jsonl", $$"""
            {"example_id": {{ids[0]}}, "label": "urgent", "confidence": 0.8}
            {"example_id": {{ids[1]}}, "label": "normal"}
            """);
        var bad = Write("bad.csv", $"example_id,label\n{ids[0]},normal\n{ids[1]},sideways\n");

        var result = await RunAsync("suggestions", "import", good, "--db", DbPath, "--project", "Triage", "--dataset", "Tickets");
        var rejected = await RunAsync("suggestions", "import", bad, "--db", DbPath, "--project", "Triage", "--dataset", "Tickets");
        var usage = await RunAsync("suggestions", "import", good, "--db", DbPath, "--project", "Triage");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Output.ShouldContain("2 suggestions stored from file p.jsonl");
        rejected.ExitCode.ShouldBe(1);
        rejected.Error.ShouldContain("line 3: label: \"sideways\" is not one of the dataset's labels.");
        usage.ExitCode.ShouldBe(2);
        await using var db = Open();
        (await db.LabelSuggestions.OrderBy(s => s.ExampleId).Select(s => s.Label).ToListAsync()).ShouldBe(["urgent", "normal"]);
    }

    [Fact]
    public async Task FromEndpoint_WithALimit_AsksThatManyAndPrintsJson()
    {
        var ids = await SeedAsync();
        await using var server = ScriptedChatServer.Start((_, _) => FakeReply.Text("urgent"));
        var endpoint = $"cli{Guid.NewGuid():N}";
        var prefix = $"Studio__Evaluation__Generation__Endpoints__{endpoint}__";
        Environment.SetEnvironmentVariable(prefix + "BaseUrl", server.BaseUrl);
        try
        {
            var result = await RunAsync("suggestions", "from-endpoint", "--endpoint", endpoint, "--model", "m", "--limit", "1", "--db", DbPath, "--project", "Triage", "--dataset", "Tickets", "--json");
            var unknown = await RunAsync("suggestions", "from-endpoint", "--endpoint", "nowhere", "--db", DbPath, "--project", "Triage", "--dataset", "Tickets");

            result.ExitCode.ShouldBe(0, result.Error);
            using var json = JsonDocument.Parse(result.Output);
            json.RootElement.GetProperty("stored").GetInt32().ShouldBe(1);
            json.RootElement.GetProperty("source").GetString().ShouldBe($"endpoint {endpoint}");
            server.TotalRequests.ShouldBe(1);
            unknown.ExitCode.ShouldBe(1);
            unknown.Error.ShouldContain("no endpoint named 'nowhere'");
            await using var db = Open();
            (await db.LabelSuggestions.SingleAsync()).ExampleId.ShouldBe(ids[0]);
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "BaseUrl", null);
        }
    }

    [Fact]
    public async Task QualityShow_PrintsWithSuggestionVersusWithout()
    {
        var ids = await SeedAsync();
        await using (var db = Open())
        {
            db.Users.Add(new StudioUser { Id = "ann", UserName = "ann@test", Email = "ann@test", DisplayName = "Ann" });
            // Ann took the suggestion on the first example and labeled the second without one.
            foreach (var (id, label, suggested) in new[] { (ids[0], "urgent", (string?)"urgent"), (ids[1], "normal", null) })
            {
                var annotation = Annotation.Start("ann", DateTime.UtcNow);
                annotation.ExampleId = id;
                annotation.RecordShownSuggestion(suggested, "eval run 3");
                annotation.Record(label, null, null, "", 5, submit: true, DateTime.UtcNow);
                db.Annotations.Add(annotation);
            }

            await db.SaveChangesAsync();
        }

        (await RunAsync("analyze", "--db", DbPath, "--project", "Triage", "--dataset", "Tickets")).ExitCode.ShouldBe(0);
        var text = await RunAsync("quality", "show", "--db", DbPath, "--project", "Triage", "--dataset", "Tickets");
        var json = await RunAsync("quality", "show", "--db", DbPath, "--project", "Triage", "--dataset", "Tickets", "--json");

        text.ExitCode.ShouldBe(0, text.Error);
        text.Output.ShouldContain("With suggestion vs without: 1 of 1 suggestions accepted (100%)");
        text.Output.ShouldMatch(@"(?m)^annotations\s+1\s+1\s*$");
        using var report = JsonDocument.Parse(json.Output);
        var suggestions = report.RootElement.GetProperty("report").GetProperty("suggestions");
        suggestions.GetProperty("accepted").GetInt32().ShouldBe(1);
        suggestions.GetProperty("withoutSuggestion").GetProperty("annotations").GetInt32().ShouldBe(1);
    }

    private StudioDbContext Open() =>
        new SqliteStudioDbContext(new DbContextOptionsBuilder<SqliteStudioDbContext>().UseSqlite(StudioDatabaseSettings.SqliteConnectionFor(DbPath)).Options);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
