using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Tests.Imports;
using Microsoft.EntityFrameworkCore;
using Parquet.Schema;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Cli;

/// <summary><c>fts import</c> on Parquet and gzip files, with auto detection and a forced JSON shape.</summary>
public sealed class ImportBinaryCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-cli-import-binary-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    private async Task<string> WriteAsync(string name, Stream content)
    {
        var path = Path.Combine(_folder, name);
        await using var file = File.Create(path);
        await content.CopyToAsync(file);
        return path;
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("openai-chat")]
    public async Task Import_ParquetMessagesFile_ImportsEveryRow(string format)
    {
        await using var parquet = await ParquetFixture.WriteAsync(ParquetFixture.MessagesSchema,
            [ParquetFixture.Conversation(("user", "Hi"), ("assistant", "Hello!")), ParquetFixture.Conversation(("user", "2+2?"), ("assistant", "4"))]);
        var file = await WriteAsync("train-00000-of-00001.parquet", parquet);

        var result = await RunAsync("import", file, "--db", DbPath, "--project", "Chat", "--dataset", "Train", "--format", format);

        result.ExitCode.ShouldBe(0, result.Error);
        result.Output.ShouldContain("(chat)");
        result.Output.TrimEnd().ShouldEndWith("imported 2 examples");
    }

    [Fact]
    public async Task Import_GzippedParquetWithClassLabel_CreatesAClassificationDatasetWithTheNames()
    {
        var schema = new ParquetSchema(new DataField<string>("text"), new DataField<long>("label"));
        await using var parquet = await ParquetFixture.WriteAsync(schema,
            [ParquetFixture.Row(("text", "Loved it"), ("label", 1L)), ParquetFixture.Row(("text", "Dull"), ("label", 0L))],
            metadata: new Dictionary<string, string> { ["huggingface"] = ParquetFixture.ClassLabelMetadata });
        var file = await WriteAsync("reviews.bin", ParquetFixture.Gzip(parquet.ToArray()));

        var result = await RunAsync("import", file, "--db", DbPath, "--project", "Reviews", "--dataset", "Sentiment");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Output.ShouldContain("(classification with 2 labels)\n  positive\t1\n  negative\t1\n");
        await using var db = Open();
        (await db.Examples.OrderBy(e => e.Id).Select(e => e.Label).ToListAsync()).ShouldBe(["positive", "negative"]);
    }

    [Fact]
    public async Task Import_GzippedCsvWithMapping_Imports()
    {
        var csv = "text,urgency\n\"Checkout fails\",critical\n\"Typo\",low\n"u8.ToArray();
        var file = await WriteAsync("tickets.csv.gz", ParquetFixture.Gzip(csv));

        var result = await RunAsync("import", file, "--db", DbPath, "--project", "Helpdesk", "--dataset", "Urgency", "--map", "user=text,label=urgency");

        result.ExitCode.ShouldBe(0, result.Error);
        result.Output.ShouldContain("(classification with 2 labels)");
        result.Output.ShouldContain("  critical\t");
        result.Output.ShouldContain("  low\t");
        result.Output.TrimEnd().ShouldEndWith("imported 2 examples");
    }

    [Fact]
    public async Task Import_ParquetOfUnknownShape_Exits1NamingTheColumnsAndLeavesNothing()
    {
        var schema = new ParquetSchema(new DataField<string>("premise"), new DataField<string>("hypothesis"));
        await using var parquet = await ParquetFixture.WriteAsync(schema, [ParquetFixture.Row(("premise", "p"), ("hypothesis", "h"))]);
        var file = await WriteAsync("qa.parquet", parquet);

        var result = await RunAsync("import", file, "--db", DbPath, "--project", "QA", "--dataset", "Pairs");

        result.ExitCode.ShouldBe(1);
        result.Error.ShouldContain("Parquet columns (premise, hypothesis)");
        await using var db = Open();
        (await db.Projects.CountAsync()).ShouldBe(0);
    }

    private StudioDbContext Open() =>
        StudioDbContextOptions.Create(new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(DbPath)));

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
