using System.Text;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Tests.Imports.ImportFixtures;

namespace FineTuneStudio.Core.Tests.Imports;

public class ImportServiceTests
{
    private static readonly DateTime Now = new(2025, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Actor Labeler = new("user-1", "Dana");

    private static async Task<int> CreateDatasetAsync(TestDatabase database, TaskKind kind = TaskKind.Chat, List<string>? labels = null) =>
        (await new Seed(database, Now).DatasetAsync("Tickets", "triage", kind, labels)).DatasetId;

    private static ImportService Service(TestDatabase database) => new(database, new ManualClock(Now));

    private static async Task<int> CountExamplesAsync(TestDatabase database)
    {
        await using var db = database.CreateDbContext();
        return await db.Examples.CountAsync();
    }

    private static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    private static string PromptCompletionLines(int count, int from = 0) =>
        string.Concat(Enumerable.Range(from, count).Select(i => $"{{\"prompt\": \"question {i}\", \"completion\": \"answer {i}\"}}\n"));

    [Fact]
    public async Task ImportAsync_ChatFile_WritesExamplesMessagesAndOneAuditEvent()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var file = Open("chat.jsonl");

        var result = await Service(database).ImportAsync(datasetId, file, new ImportOptions(), Labeler, null, CancellationToken.None);

        result.Succeeded.ShouldBeTrue();
        result.Imported.ShouldBe(3);
        result.Format.ShouldBe(ImportFormat.Chat);
        await using var db = database.CreateDbContext();
        var examples = await db.Examples.Include(e => e.Messages).OrderBy(e => e.Id).ToListAsync();
        examples.Count.ShouldBe(3);
        examples.ShouldAllBe(e => e.Source == ExampleSource.JsonlImport && e.Status == ExampleStatus.Draft
            && e.CreatedById == "user-1" && e.CreatedAt == Now && e.Version != Guid.Empty && e.ContentHash.Length == 64);
        examples[1].Messages.Count.ShouldBe(4);
        examples[0].Tags.ShouldBe(["money", "urgent"]);
        examples[0].ToolsJson.ShouldBeNull();
        examples[1].ToolsJson!.ShouldContain("\"get_weather\"");
        var audit = await db.AuditEvents.SingleAsync();
        (audit.Action, audit.EntityId, audit.UserId).ShouldBe(("example.import", datasetId.ToString(), "user-1"));
        audit.Summary.ShouldStartWith("3 examples imported, 0 duplicates skipped");
        audit.Summary.ShouldNotContain("card");
    }

    [Fact]
    public async Task ImportAsync_CsvWithANulInAField_IsRefusedAndWritesNothing_OnEitherDatabase()
    {
        // SQLite would keep the NUL; PostgreSQL refuses it mid-import. Refused up front, both behave alike.
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);

        var result = await Service(database).ImportAsync(datasetId, Utf8("text,answer\nfine,ok\nhello\0world,hi\n"),
            new ImportOptions { CsvMapping = new CsvMapping("text", "answer") }, Labeler, null, CancellationToken.None);

        result.Errors.Select(e => e.ToString()).ShouldBe(["line 3: text: the text contains a NUL character, which cannot be stored; remove it"]);
        (await CountExamplesAsync(database)).ShouldBe(0);
    }

    [Fact]
    public async Task ImportAsync_MalformedFile_ListsEveryErrorAndWritesNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var file = Open("malformed.jsonl");

        var result = await Service(database).ImportAsync(datasetId, file, new ImportOptions(), Labeler, null, CancellationToken.None);

        result.Succeeded.ShouldBeFalse();
        result.Imported.ShouldBe(0);
        result.TotalErrors.ShouldBe(7);
        result.Errors.Select(e => e.Line).ShouldBe([2, 3, 4, 5, 6, 7, 8]);
        await CountExamplesAsync(database).ShouldBeAsync(0);
        Should.Throw<StudioValidationException>(() => result.EnsureSucceeded()).TotalCount.ShouldBe(7);
    }

    [Theory]
    [InlineData("invalid-utf8.jsonl", 1, 3)]
    [InlineData("empty.jsonl", 1, 1)]
    [InlineData("alpaca-array-malformed.json", 3, 3)]
    public async Task ImportAsync_BadFile_WritesNothing(string fixture, int errors, int firstLine)
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var file = Open(fixture);

        var result = await Service(database).ImportAsync(datasetId, file, new ImportOptions(), Labeler, null, CancellationToken.None);

        result.Errors.Count.ShouldBe(errors, fixture);
        result.Errors[0].Line.ShouldBe(firstLine, fixture);
        await CountExamplesAsync(database).ShouldBeAsync(0);
    }

    [Fact]
    public async Task ImportAsync_ShareGptFile_StoresToolCallsIdsAndTools()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var file = Open("sharegpt.jsonl");

        var result = await Service(database).ImportAsync(datasetId, file, new ImportOptions { Format = ImportFormat.ShareGpt }, Labeler, null, CancellationToken.None);

        result.Succeeded.ShouldBeTrue();
        result.Imported.ShouldBe(3);
        await using var db = database.CreateDbContext();
        var weather = await db.Examples.Include(e => e.Messages).OrderBy(e => e.Id).FirstAsync();
        var messages = weather.Messages.OrderBy(m => m.Position).ToList();
        messages[2].ToolCallsJson!.ShouldContain("\"id\":\"call_1\"");
        messages[3].ToolCallId.ShouldBe("call_1");
        weather.ToolsJson!.ShouldStartWith("[{\"type\":\"function\"");
    }

    [Fact]
    public async Task ImportAsync_LabelStudioIntoClassificationDataset_ImportsLabelsAndRatingTags()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database, TaskKind.Classification, ["negative", "praise"]);
        await using var file = Open("label-studio.json");

        var result = await Service(database).ImportAsync(datasetId, file, new ImportOptions(), Labeler, null, CancellationToken.None);

        result.Succeeded.ShouldBeTrue(string.Join("; ", result.Errors));
        result.Format.ShouldBe(ImportFormat.LabelStudio);
        await using var db = database.CreateDbContext();
        var examples = await db.Examples.OrderBy(e => e.Id).ToListAsync();
        examples.Select(e => e.Label).ShouldBe(["negative", null, "praise"]);
        examples[0].Tags.ShouldBe(["rating:4"]);
    }

    [Fact]
    public async Task ImportAsync_MaxErrorsListed_ListsFirstAndCountsAll()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var file = Utf8(string.Concat(Enumerable.Repeat("{\"prompt\": 1, \"completion\": \"x\"}\n", 250)));

        var result = await Service(database).ImportAsync(datasetId, file, new ImportOptions { Format = ImportFormat.PromptCompletion }, Labeler, null, CancellationToken.None);

        result.TotalErrors.ShouldBe(250);
        result.Errors.Count.ShouldBe(100);
        result.Errors[^1].Line.ShouldBe(100);
    }

    [Fact]
    public async Task ImportAsync_CsvWithMapping_UsesCsvSourceAndStatus()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database, TaskKind.Classification, ["billing", "shipping", "other"]);
        await using var file = Open("tickets.csv");
        var options = new ImportOptions { CsvMapping = new CsvMapping("question", "answer", "system", "label", "tags"), Status = ExampleStatus.Submitted };

        var result = await Service(database).ImportAsync(datasetId, file, options, Labeler, null, CancellationToken.None);

        result.Imported.ShouldBe(4);
        result.Format.ShouldBe(ImportFormat.Csv);
        await using var db = database.CreateDbContext();
        (await db.Examples.CountAsync(e => e.Source == ExampleSource.CsvImport && e.Status == ExampleStatus.Submitted)).ShouldBe(4);
    }

    [Fact]
    public async Task ImportAsync_LabelOutsideDatasetLabels_RejectedAndCaseFollowsDataset()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database, TaskKind.Classification, ["Billing", "Shipping"]);
        var service = Service(database);

        var bad = await service.ImportAsync(datasetId, Utf8("{\"prompt\": \"a\", \"completion\": \"b\", \"label\": \"refund\"}\n"), new ImportOptions(), Labeler, null, CancellationToken.None);
        var good = await service.ImportAsync(datasetId, Utf8("{\"prompt\": \"a\", \"completion\": \"b\", \"label\": \"billing\"}\n"), new ImportOptions(), Labeler, null, CancellationToken.None);

        bad.Errors.Single().Field.ShouldBe("label");
        good.Imported.ShouldBe(1);
        await using var db = database.CreateDbContext();
        (await db.Examples.SingleAsync()).Label.ShouldBe("Billing");
    }

    [Fact]
    public async Task ImportAsync_PreferencePairsIntoChatDataset_Rejected()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var file = Open("preference.jsonl");

        var result = await Service(database).ImportAsync(datasetId, file, new ImportOptions(), Labeler, null, CancellationToken.None);

        result.Errors.Select(e => e.Line).ShouldBe([1, 2]);
        await CountExamplesAsync(database).ShouldBeAsync(0);
    }

    [Fact]
    public async Task ImportAsync_DuplicatesSkip_LeavesOutFileAndDatasetDuplicates()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using (var db = database.CreateDbContext())
        {
            var existing = new Example { DatasetId = datasetId, CreatedAt = Now, UpdatedAt = Now, Version = Guid.NewGuid() };
            new ExampleContent([new MessageContent(MessageRole.User, "question 0"), new MessageContent(MessageRole.Assistant, "answer 0")]).ApplyTo(existing);
            db.Examples.Add(existing);
            await db.SaveChangesAsync();
        }

        // Rows 0..4, then 3 again with different spacing (the same after normalisation): 0 is in the dataset, 3 repeats.
        var text = PromptCompletionLines(5) + "{\"prompt\": \"  question   3 \", \"completion\": \"answer 3\"}\n";
        var result = await Service(database).ImportAsync(datasetId, Utf8(text), new ImportOptions(), Labeler, null, CancellationToken.None);

        (result.Imported, result.SkippedDuplicates).ShouldBe((4, 2));
        // Each skipped record is named by its line and why it was left out.
        result.Skipped.ShouldBe([new SkippedRecord(1, SkipReasons.InDataset), new SkippedRecord(6, SkipReasons.EarlierInFile)]);
        await CountExamplesAsync(database).ShouldBeAsync(5);

        var dryRun = await Service(database).ImportAsync(datasetId, Utf8(text), new ImportOptions { DryRun = true }, Labeler, null, CancellationToken.None);
        dryRun.SkippedDuplicates.ShouldBe(6);
        dryRun.Skipped.Select(s => s.Line).ShouldBe([1, 2, 3, 4, 5, 6]);
    }

    [Fact]
    public async Task ImportAsync_ManyDuplicates_ListsTheFirstOnesAndCountsThemAll()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var text = string.Concat(Enumerable.Repeat(PromptCompletionLines(1), 30));

        var result = await Service(database).ImportAsync(datasetId, Utf8(text), new ImportOptions { MaxErrorsListed = 10 }, Labeler, null, CancellationToken.None);

        (result.Imported, result.SkippedDuplicates).ShouldBe((1, 29));
        result.Skipped.Select(s => s.Line).ShouldBe(Enumerable.Range(2, 10));
    }

    [Fact]
    public async Task ImportAsync_EveryDuplicateKeyCollides_StillImportsEveryDistinctExample()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using (var db = database.CreateDbContext())
        {
            var existing = new Example { DatasetId = datasetId, CreatedAt = Now, UpdatedAt = Now, Version = Guid.NewGuid() };
            new ExampleContent([new MessageContent(MessageRole.User, "question 0"), new MessageContent(MessageRole.Assistant, "answer 0")]).ApplyTo(existing);
            db.Examples.Add(existing);
            await db.SaveChangesAsync();
        }

        // Every example gets the same short key, so each row looks like a possible duplicate: only rows whose full
        // content really is stored already (0 in the dataset, 3 repeated in the file) may be left out.
        var service = new ImportService(database, new ManualClock(Now)) { DuplicateKey = _ => 42 };
        var text = PromptCompletionLines(5) + "{\"prompt\": \"  question   3 \", \"completion\": \"answer 3\"}\n";
        var result = await service.ImportAsync(datasetId, Utf8(text), new ImportOptions(), Labeler, null, CancellationToken.None);

        (result.Imported, result.SkippedDuplicates).ShouldBe((4, 2));
        await using var check = database.CreateDbContext();
        var prompts = await check.ExampleMessages.Where(m => m.Role == MessageRole.User).Select(m => m.Content).ToListAsync();
        prompts.Order().ShouldBe(["question 0", "question 1", "question 2", "question 3", "question 4"]);
    }

    [Fact]
    public async Task ImportAsync_DuplicatesKeep_ImportsEveryRow()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var text = PromptCompletionLines(3) + PromptCompletionLines(3);

        var result = await Service(database).ImportAsync(datasetId, Utf8(text), new ImportOptions { DuplicatePolicy = DuplicatePolicy.Keep }, Labeler, null, CancellationToken.None);

        (result.Imported, result.SkippedDuplicates).ShouldBe((6, 0));
        await CountExamplesAsync(database).ShouldBeAsync(6);
    }

    [Fact]
    public async Task ImportAsync_DryRun_CountsButWritesNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var file = Open("chat.jsonl");

        var result = await Service(database).ImportAsync(datasetId, file, new ImportOptions { DryRun = true }, Labeler, null, CancellationToken.None);

        (result.DryRun, result.Imported, result.Succeeded).ShouldBe((true, 3, true));
        await CountExamplesAsync(database).ShouldBeAsync(0);
        await using var db = database.CreateDbContext();
        (await db.AuditEvents.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task ImportAsync_CancelledWhileWriting_LeavesNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        using var cancellation = new CancellationTokenSource();
        // Cancels right after the first batch of 10 has been saved inside the transaction.
        var progress = new SyncProgress(p =>
        {
            if (p.Phase == ImportPhase.Writing)
            {
                cancellation.Cancel();
            }
        });

        await Should.ThrowAsync<OperationCanceledException>(() => Service(database).ImportAsync(datasetId, Utf8(PromptCompletionLines(50)),
            new ImportOptions { BatchSize = 10 }, Labeler, progress, cancellation.Token));

        await CountExamplesAsync(database).ShouldBeAsync(0);
        await using var db = database.CreateDbContext();
        (await db.AuditEvents.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task ImportAsync_NonSeekableStream_CopiedAndImported()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var file = new ForwardOnlyStream(Open("alpaca-array.json"));

        var result = await Service(database).ImportAsync(datasetId, file, new ImportOptions(), Labeler, null, CancellationToken.None);

        result.Imported.ShouldBe(3);
        result.Format.ShouldBe(ImportFormat.Alpaca);
    }

    [Fact]
    public async Task ImportAsync_OverMaxBytes_StopsWithClearError()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var text = PromptCompletionLines(100);

        var seekable = await Service(database).ImportAsync(datasetId, Utf8(text), new ImportOptions { MaxBytes = 1000 }, Labeler, null, CancellationToken.None);
        var forwardOnly = await Service(database).ImportAsync(datasetId, new ForwardOnlyStream(Utf8(text)), new ImportOptions { MaxBytes = 1000 }, Labeler, null, CancellationToken.None);

        seekable.Errors.Single().Message.ShouldContain("larger than the limit of 1000 bytes");
        forwardOnly.Errors.Single().Field.ShouldBe("file");
        await CountExamplesAsync(database).ShouldBeAsync(0);
    }

    [Fact]
    public async Task ImportAsync_AutoWithCsvButNoMapping_AsksForMapping()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var file = Open("tickets.csv");

        var result = await Service(database).ImportAsync(datasetId, file, new ImportOptions(), Labeler, null, CancellationToken.None);

        result.Errors.Single().Field.ShouldBe("format");
    }

    [Fact]
    public async Task ImportAsync_UnknownDataset_NotFound()
    {
        await using var database = await TestDatabase.CreateAsync();

        await Should.ThrowAsync<NotFoundException>(() => Service(database).ImportAsync(404, Utf8(PromptCompletionLines(1)), new ImportOptions(), Labeler, null, CancellationToken.None));
    }

    [Fact]
    public async Task ImportAsync_TwentyThousandLines_ImportsAllInBatches()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var reports = new List<ImportProgress>();

        var result = await Service(database).ImportAsync(datasetId, Utf8(PromptCompletionLines(20_000)), new ImportOptions(), Labeler,
            new SyncProgress(reports.Add), CancellationToken.None);

        result.Imported.ShouldBe(20_000);
        await CountExamplesAsync(database).ShouldBeAsync(20_000);
        await using var db = database.CreateDbContext();
        (await db.Set<ExampleMessage>().CountAsync()).ShouldBe(40_000);
        // 20,000 rows in batches of 1,000 give 20 writing reports, then one when done.
        reports.Count(r => r.Phase == ImportPhase.Writing).ShouldBe(20);
        reports[^1].Phase.ShouldBe(ImportPhase.Done);
    }

    [Fact]
    public async Task ImportAsync_DatabaseFailsInThirdBatch_WritesNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using (var db = database.CreateDbContext())
        {
            // Stands in for a full disk or a lost connection: the 2,501st row is refused, after two batches of 1,000 went in.
            await db.Database.ExecuteSqlRawAsync(database.Provider == DatabaseProvider.Postgres
                ? """
                  CREATE FUNCTION refuse_late_rows() RETURNS trigger AS $$
                  BEGIN
                    IF (SELECT COUNT(*) FROM "Examples") >= 2500 THEN RAISE EXCEPTION 'database full'; END IF;
                    RETURN NEW;
                  END $$ LANGUAGE plpgsql;
                  CREATE TRIGGER refuse_late_rows BEFORE INSERT ON "Examples" FOR EACH ROW EXECUTE FUNCTION refuse_late_rows();
                  """
                : """
                  CREATE TRIGGER refuse_late_rows BEFORE INSERT ON "Examples"
                  WHEN (SELECT COUNT(*) FROM "Examples") >= 2500
                  BEGIN SELECT RAISE(ABORT, 'database full'); END;
                  """);
        }

        var reports = new List<ImportProgress>();
        var failure = await Should.ThrowAsync<System.Data.Common.DbException>(() => Service(database).ImportAsync(datasetId,
            Utf8(PromptCompletionLines(3000)), new ImportOptions(), Labeler, new SyncProgress(reports.Add), CancellationToken.None));

        failure.Message.ShouldContain("database full");
        reports.Count(r => r.Phase == ImportPhase.Writing).ShouldBe(2);
        await CountExamplesAsync(database).ShouldBeAsync(0);
        await using var check = database.CreateDbContext();
        (await check.Set<ExampleMessage>().CountAsync()).ShouldBe(0);
        (await check.AuditEvents.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task ImportAsync_ImportedExample_FilteredEditedAndSavedLikeAnyOther()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var file = Open("chat.jsonl");

        await Service(database).ImportAsync(datasetId, file, new ImportOptions { Status = ExampleStatus.Approved }, Labeler, null, CancellationToken.None);

        await using (var db = database.CreateDbContext())
        {
            // Status is stored as its name, so filters written in LINQ and in SQL both find the rows.
            (await db.Examples.CountAsync(e => e.Status == ExampleStatus.Approved && e.Source == ExampleSource.JsonlImport)).ShouldBe(3);
            (await db.Database.SqlQueryRaw<int>("""SELECT COUNT(*) AS "Value" FROM "Examples" WHERE "Status" = 'Approved'""").SingleAsync()).ShouldBe(3);
            var withTools = await db.Examples.Include(e => e.Messages).SingleAsync(e => e.ToolsJson != null);
            withTools.Messages.Select(m => m.Position).Order().ShouldBe(Enumerable.Range(0, withTools.Messages.Count));
            withTools.Label = "edited";
            // The concurrency token written by the import must match when the example is saved again.
            await db.SaveChangesAsync();
        }

        await using var reread = database.CreateDbContext();
        (await reread.Examples.CountAsync(e => e.Label == "edited")).ShouldBe(1);
    }

    private sealed class SyncProgress(Action<ImportProgress> report) : IProgress<ImportProgress>
    {
        public void Report(ImportProgress value) => report(value);
    }

    /// <summary>An upload body: readable once, front to back.</summary>
    private sealed class ForwardOnlyStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}

internal static class CountAssertions
{
    public static async Task ShouldBeAsync(this Task<int> count, int expected) => (await count).ShouldBe(expected);
}
