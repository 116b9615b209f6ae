using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Tests.Support;

namespace FineTuneStudio.Core.Tests.Imports;

/// <summary>
/// The records an import left out come back as a file of their own, as they were written, so the user can fix them
/// and import that file: JSONL lines, a JSON array's elements, CSV records under the header (quoted line breaks kept),
/// from a gzip file too. Imported again, the rejects file is refused for the same problems, on its own lines.
/// </summary>
public class ImportRejectsTests
{
    private static readonly DateTime Now = new(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Actor Labeler = new("user-1", "Dana");
    private static readonly ImportOptions Skipping = new() { InvalidRecords = InvalidRecordPolicy.Skip };
    private static readonly CsvMapping QuestionAnswer = new("question", "answer");

    private static async Task<int> LabelledDatasetAsync(TestDatabase database) =>
        (await new Seed(database, Now).DatasetAsync("Bank", "intents", TaskKind.Classification, ["card_arrival", "declined_card_payment"])).DatasetId;

    private static Task<ImportResult> ImportAsync(TestDatabase database, int datasetId, byte[] bytes, ImportOptions options) =>
        new ImportService(database, new ManualClock(Now)).ImportAsync(datasetId, new MemoryStream(bytes), options, Labeler, null, CancellationToken.None);

    private static async Task<(RejectsWritten Written, string Text)> RejectsAsync(byte[] file, ImportResult result)
    {
        using var output = new MemoryStream();
        var written = await ImportRejects.WriteAsync(new MemoryStream(file), result.Format, result.LeftOutLines, output, CancellationToken.None);
        return (written, Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public async Task Jsonl_TheLeftOutLines_AreCopiedAsTheyWere_AndImportedAgainFailTheSameWay()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await LabelledDatasetAsync(database);
        // A BOM and CRLF, as a Windows editor saves: line 2 is not JSON, line 4 names a label the dataset lacks.
        var file = Encoding.UTF8.GetBytes("\uFEFF{\"text\": \"Where is my card?\", \"label\": \"card_arrival\"}\r\n{\"text\": \"broken, \"label\": \"card_arrival\"}\r\n"
            + "{\"text\": \"My card was declined\", \"label\": \"declined_card_payment\"}\r\n{\"text\": \"Can I pay with Apple Pay?\", \"label\": \"apple_pay\"}\r\n");

        var result = await ImportAsync(database, datasetId, file, Skipping);
        var (written, text) = await RejectsAsync(file, result);

        result.LeftOutLines.ShouldBe([2, 4]);
        written.ShouldBe(new RejectsWritten(2, 0));
        text.ShouldBe("{\"text\": \"broken, \"label\": \"card_arrival\"}\n{\"text\": \"Can I pay with Apple Pay?\", \"label\": \"apple_pay\"}\n");
        var again = await ImportAsync(database, datasetId, Encoding.UTF8.GetBytes(text), new ImportOptions { DryRun = true });
        again.Errors.Select(e => (e.Line, e.Field)).ShouldBe([(1, "text"), (2, "label")]);
    }

    [Fact]
    public async Task JsonArray_TheLeftOutElements_StayAnArray_WithTheirOwnIndentation()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = (await new Seed(database, Now).DatasetAsync("Help", "answers")).DatasetId;
        const string text = """
            [
              {"instruction": "Say hi", "output": "Hi"},
              {"instruction": 7,
               "output": "Seven"},
              {"instruction": "Say bye", "output": "Bye"},
              {"instruction": "Empty answer", "output": 3}
            ]
            """;
        var file = Encoding.UTF8.GetBytes(text);

        var result = await ImportAsync(database, datasetId, file, Skipping);
        var (written, rejects) = await RejectsAsync(file, result);

        (result.Imported, written.Copied).ShouldBe((2, 2));
        rejects.ShouldBe("[\n{\"instruction\": 7,\n   \"output\": \"Seven\"},\n{\"instruction\": \"Empty answer\", \"output\": 3}\n]\n");
        using var parsed = JsonDocument.Parse(rejects);
        parsed.RootElement.GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task Csv_TheLeftOutRecords_ComeUnderTheHeader_WithTheirQuotedLineBreaks()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = (await new Seed(database, Now).DatasetAsync("Help", "answers")).DatasetId;
        // Line 3 has an extra field; the record on lines 4-5 has a quoted line break and a third field too.
        var file = Encoding.UTF8.GetBytes("question,answer\r\n\"How do I reset, please?\",Use the link\r\nWhere is it?,Here,and here\r\n\"When,\nexactly?\",Now,later\r\nWhy?,Because\r\n");

        var result = await ImportAsync(database, datasetId, file, Skipping with { CsvMapping = QuestionAnswer });
        var (written, rejects) = await RejectsAsync(file, result);

        result.Imported.ShouldBe(2);
        result.LeftOutLines.ShouldBe([3, 4]);
        written.ShouldBe(new RejectsWritten(2, 0));
        // The separator is named first: guessed from bad records alone it could come out another.
        rejects.ShouldBe("sep=,\nquestion,answer\nWhere is it?,Here,and here\n\"When,\nexactly?\",Now,later\n");
        var again = await ImportAsync(database, datasetId, Encoding.UTF8.GetBytes(rejects), new ImportOptions { CsvMapping = QuestionAnswer, DryRun = true });
        (again.InvalidRecords, again.ValidRecords).ShouldBe((2, 0));
        again.Errors.Select(e => e.Line).ShouldBe([3, 4]);
    }

    [Fact]
    public async Task Gzip_IsUnpackedAsTheImportUnpackedIt()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await LabelledDatasetAsync(database);
        var plain = Encoding.UTF8.GetBytes("{\"text\": \"a\", \"label\": \"card_arrival\"}\n{\"text\": \"b\", \"label\": \"nope\"}\n");
        var file = ParquetFixture.Gzip(plain).ToArray();

        var result = await ImportAsync(database, datasetId, file, Skipping);
        var (written, rejects) = await RejectsAsync(file, result);

        (written.Copied, rejects).ShouldBe((1, "{\"text\": \"b\", \"label\": \"nope\"}\n"));
    }

    [Fact]
    public async Task NotUtf8Lines_AreCounted_NotCopied()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await LabelledDatasetAsync(database);
        var file = new byte[][] { "{\"text\": \"a\", \"label\": \"card_arrival\"}\n"u8.ToArray(), [.. "{\"text\": \"caf"u8, 0xE9, .. "\", \"label\": \"card_arrival\"}\n"u8] }
            .SelectMany(b => b).ToArray();

        var result = await ImportAsync(database, datasetId, file, Skipping);
        var (written, rejects) = await RejectsAsync(file, result);

        (result.Imported, written, rejects).ShouldBe((1, new RejectsWritten(0, 1), ""));
    }

    [Fact]
    public async Task Parquet_HasNoTextToCopy_AndSaysSo()
    {
        var file = (await ParquetFixture.WriteAsync(ParquetFixture.MessagesSchema, [ParquetFixture.Conversation(("user", "Hi"), ("assistant", "Hello"))])).ToArray();

        var refused = await Should.ThrowAsync<StudioValidationException>(() =>
            ImportRejects.WriteAsync(new MemoryStream(file), ImportFormat.Auto, [1], new MemoryStream(), CancellationToken.None));

        refused.Errors.Single().Field.ShouldBe("rejects");
    }
}
