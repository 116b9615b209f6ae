using System.Text.Json;
using FineTuneStudio.Cli;
using FineTuneStudio.Core.Data;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Tests.Support.CliRun;
using FineTuneStudio.Core.Tests.Support;

namespace FineTuneStudio.Core.Tests.Feedback;

public sealed class FeedbackCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-feedback-cli-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    /// <summary>Project Refunds with dataset Requests, in a database the CLI migrated.</summary>
    private async Task<Seed> SeedAsync()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        var factory = new SettingsDbContextFactory(new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(DbPath)));
        var seed = new Seed(factory, DateTime.UtcNow);
        await seed.DatasetAsync("Refunds", "Requests");
        return seed;
    }

    private string WriteFile(string text)
    {
        var path = Path.Combine(_folder, $"{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public async Task LogsImport_BadLine_Exits1NamingLineAndField()
    {
        await SeedAsync();
        var file = WriteFile("""
            {"timestamp":"2026-03-16T08:00:00Z","prompt":"refund please","response":"done"}
            {"timestamp":"2026-03-16T08:00:00Z","prompt":"refund please","response":"done","rating":"great"}
            """);

        var result = await RunAsync("logs", "import", file, "--project", "Refunds", "--db", DbPath);

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("line 2: rating: must be a whole number, found a string");
        result.Error.ShouldContain("1 line has problems and 1 has none; fix the file, or pass --invalid skip");

        var skipped = await RunAsync("logs", "import", file, "--project", "Refunds", "--db", DbPath, "--invalid", "skip");

        skipped.ExitCode.ShouldBe(0, skipped.Error);
        skipped.Error.ShouldContain("left out line 2: rating: must be a whole number, found a string");
        skipped.Output.ShouldContain("Imported 1 logged requests into 'Refunds' (0 already present, 0 flagged for likely personal data, 1 line with problems left out).");
    }

    [Fact]
    public async Task LogsImport_WithRejects_CopiesTheLinesLeftOut_EvenWhenTheLogStartsCutOff()
    {
        await SeedAsync();
        // Rotation cut the first line in half, so the file does not even start like JSON; line 3 has a bad rating.
        var file = WriteFile("""
            08:00:00Z","prompt":"refund please","response":"done"}
            {"timestamp":"2026-03-16T08:01:00Z","prompt":"where is my order","response":"on its way"}
            {"timestamp":"2026-03-16T08:02:00Z","prompt":"refund please","response":"done","rating":"great"}
            """);
        var rejects = Path.Combine(_folder, "rejects.jsonl");

        var usage = await RunAsync("logs", "import", file, "--project", "Refunds", "--db", DbPath, "--rejects", rejects);
        usage.ExitCode.ShouldBe(2);

        var skipped = await RunAsync("logs", "import", file, "--project", "Refunds", "--db", DbPath, "--invalid", "skip", "--rejects", rejects);

        skipped.ExitCode.ShouldBe(0, skipped.Error);
        skipped.Error.ShouldContain("wrote 2 left-out records to");
        (await File.ReadAllTextAsync(rejects)).ShouldBe("""
            08:00:00Z","prompt":"refund please","response":"done"}
            {"timestamp":"2026-03-16T08:02:00Z","prompt":"refund please","response":"done","rating":"great"}

            """.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task LogsImportThenDrift_Json_ReportsCountsAndExits0()
    {
        await SeedAsync();
        var file = WriteFile("""
            {"timestamp":"2026-03-16T08:00:00Z","prompt":"refund please for order 7","response":"done"}
            {"timestamp":"2026-03-17T08:00:00Z","prompt":"where is my parcel","response":"on its way"}
            """);

        var imported = await RunAsync("logs", "import", file, "--project", "Refunds", "--db", DbPath);
        imported.ExitCode.ShouldBe(0, imported.Error);
        imported.Output.ShouldContain("Imported 2 logged requests into 'Refunds'");

        var drift = await RunAsync("drift", "--project", "Refunds", "--db", DbPath, "--json");
        drift.ExitCode.ShouldBe(0, drift.Error);
        using var json = JsonDocument.Parse(drift.Output);
        json.RootElement.GetProperty("report").GetProperty("logCount").GetInt32().ShouldBe(2);
        json.RootElement.GetProperty("basis").GetString()!.ShouldContain("No version");

        // No training data at all: every logged term is unseen, so the plain output prints an alert and still exits 0.
        var text = await RunAsync("drift", "--project", "Refunds", "--db", DbPath);
        text.ExitCode.ShouldBe(0, text.Error);
        text.Output.ShouldContain("ALERT:");

        var missingVersion = await RunAsync("drift", "--project", "Refunds", "--version", "3", "--db", DbPath);
        missingVersion.ExitCode.ShouldBe(1);
        missingVersion.Error.ShouldContain("version: dataset 'Requests' has no version 3");
    }

    [Fact]
    public async Task DriftAndLogsPromote_DatasetByName_UseThatDataset()
    {
        var seed = await SeedAsync();
        var parcels = await seed.DatasetAsync("Refunds", "Parcels");
        var file = WriteFile("""
            {"timestamp":"2026-03-16T08:00:00Z","prompt":"where is my parcel 7","response":"on its way","rating":5}
            {"timestamp":"2026-03-17T08:00:00Z","prompt":"refund please","response":"no","rating":1}
            """);
        (await RunAsync("logs", "import", file, "--project", "Refunds", "--db", DbPath)).ExitCode.ShouldBe(0);

        var drift = await RunAsync("drift", "--project", "Refunds", "--dataset", "Parcels", "--db", DbPath, "--json");
        var unknown = await RunAsync("drift", "--project", "Refunds", "--dataset", "Nope", "--db", DbPath);
        var promote = await RunAsync("logs", "promote", "--project", "Refunds", "--dataset", "Parcels", "--min-rating", "4", "--db", DbPath, "--json");

        drift.ExitCode.ShouldBe(0, drift.Error);
        using (var json = JsonDocument.Parse(drift.Output))
        {
            json.RootElement.GetProperty("datasetName").GetString().ShouldBe("Parcels");
        }

        unknown.ExitCode.ShouldBe(1);
        unknown.Error.ShouldContain("--dataset: no dataset with id or name 'Nope' in project 'Refunds'");
        promote.ExitCode.ShouldBe(0, promote.Error);
        using (var json = JsonDocument.Parse(promote.Output))
        {
            json.RootElement.GetProperty("promoted").GetInt32().ShouldBe(1);
            json.RootElement.GetProperty("datasetId").GetInt32().ShouldBe(parcels.DatasetId);
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
