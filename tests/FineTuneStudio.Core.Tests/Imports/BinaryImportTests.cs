using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Parquet.Schema;
using static FineTuneStudio.Core.Tests.Imports.ImportFixtures;
using static FineTuneStudio.Core.Tests.Imports.ParquetFixture;

namespace FineTuneStudio.Core.Tests.Imports;

/// <summary>Gzip-compressed, Parquet and UTF-16/UTF-32 import files, through a real ImportService into a real database.</summary>
public class BinaryImportTests
{
    private static readonly DateTime Now = new(2025, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Actor Labeler = new("user-1", "Dana");

    private static async Task<int> CreateDatasetAsync(TestDatabase database, TaskKind kind = TaskKind.Chat, List<string>? labels = null) =>
        (await new Seed(database, Now).DatasetAsync("Files", "set", kind, labels)).DatasetId;

    private static Task<ImportResult> ImportAsync(TestDatabase database, int datasetId, Stream file, ImportOptions? options = null) =>
        new ImportService(database, new ManualClock(Now)).ImportAsync(datasetId, file, options ?? new ImportOptions(), Labeler, null, CancellationToken.None);

    /// <summary>Each stored example as text: its turns, then label, chosen and rejected where set.</summary>
    private static async Task<List<string>> StoredAsync(TestDatabase database)
    {
        await using var db = database.CreateDbContext();
        var examples = await db.Examples.AsNoTracking().Include(e => e.Messages).OrderBy(e => e.Id).ToListAsync();
        return examples.Select(e => string.Join(" | ", e.Messages.OrderBy(m => m.Position).Select(m => $"{m.Role}: {m.Content}"))
            + (e.Label is null ? "" : $" [{e.Label}]")
            + (e.PreferredCompletion is null ? "" : $" +{e.PreferredCompletion} -{e.RejectedCompletion}")).ToList();
    }

    private static async Task<int> CountAsync(TestDatabase database)
    {
        await using var db = database.CreateDbContext();
        return await db.Examples.CountAsync();
    }

    private static Task<MemoryStream> MessagesFileAsync(int rowGroupSize = 2) => WriteAsync(MessagesSchema,
    [
        Conversation(("system", "Be brief."), ("user", "Hi"), ("assistant", "Hello!")),
        Conversation(("user", "2+2?"), ("assistant", "4")),
        Conversation(("user", "Capital of France?"), ("assistant", "Paris")),
    ], rowGroupSize);

    [Fact]
    public async Task ImportAsync_ParquetMessagesInTwoRowGroups_StoresEveryConversation()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var file = await MessagesFileAsync();

        var result = await ImportAsync(database, datasetId, file);

        result.Succeeded.ShouldBeTrue(string.Join("; ", result.Errors));
        (result.Imported, result.Format).ShouldBe((3, ImportFormat.Chat));
        (await StoredAsync(database)).ShouldBe(
        [
            "System: Be brief. | User: Hi | Assistant: Hello!",
            "User: 2+2? | Assistant: 4",
            "User: Capital of France? | Assistant: Paris",
        ]);
    }

    [Fact]
    public async Task ImportAsync_ParquetForcedOpenAiChat_ImportsLikeAuto()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var file = await MessagesFileAsync(rowGroupSize: 1000);

        var result = await ImportAsync(database, datasetId, file, ImportSettings.Parse("openai-chat", null, null, null, false));

        result.Imported.ShouldBe(3);
        (await StoredAsync(database))[1].ShouldBe("User: 2+2? | Assistant: 4");
    }

    [Fact]
    public async Task ImportAsync_ParquetTextWithClassLabel_MapsIndexToNameAsUserTurnWithLabel()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database, TaskKind.Classification, ["negative", "positive"]);
        var schema = new ParquetSchema(new DataField<string>("text"), new DataField<long>("label"));
        await using var file = await WriteAsync(schema, [Row(("text", "Loved it"), ("label", 1L)), Row(("text", "Dull"), ("label", 0L))],
            metadata: new Dictionary<string, string> { ["huggingface"] = ClassLabelMetadata });

        var result = await ImportAsync(database, datasetId, file);

        result.Succeeded.ShouldBeTrue(string.Join("; ", result.Errors));
        (await StoredAsync(database)).ShouldBe(["User: Loved it [positive]", "User: Dull [negative]"]);
    }

    [Fact]
    public async Task ImportAsync_ParquetIntLabelWithoutMetadata_KeepsTheNumberAsText()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database, TaskKind.Classification);
        var schema = new ParquetSchema(new DataField<string>("text"), new DataField<int>("label"));
        await using var file = await WriteAsync(schema, [Row(("text", "Loved it"), ("label", 1)), Row(("text", "Dull"), ("label", 0))]);

        await ImportAsync(database, datasetId, file);

        (await StoredAsync(database)).ShouldBe(["User: Loved it [1]", "User: Dull [0]"]);
    }

    [Fact]
    public async Task ImportAsync_ParquetPromptChosenRejected_StoresPreferencePairs()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database, TaskKind.Preference);
        var schema = new ParquetSchema(new DataField<string>("prompt"), new DataField<string>("chosen"), new DataField<string>("rejected"));
        await using var file = await WriteAsync(schema,
            [Row(("prompt", "Say hi"), ("chosen", "Hello!"), ("rejected", "What.")), Row(("prompt", "Say bye"), ("chosen", "Goodbye!"), ("rejected", "No."))]);

        var result = await ImportAsync(database, datasetId, file);

        result.Format.ShouldBe(ImportFormat.Preference);
        (await StoredAsync(database)).ShouldBe(["User: Say hi +Hello! -What.", "User: Say bye +Goodbye! -No."]);
    }

    [Fact]
    public async Task ImportAsync_ParquetInstructionInputOutput_ImportsAsAlpaca()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var schema = new ParquetSchema(new DataField<string>("instruction"), new DataField<string>("input"), new DataField<string>("output"));
        await using var file = await WriteAsync(schema, [Row(("instruction", "Translate"), ("input", "chat"), ("output", "cat"))]);

        await ImportAsync(database, datasetId, file);

        (await StoredAsync(database)).ShouldBe(["User: Translate\n\nchat | Assistant: cat"]);
    }

    [Fact]
    public async Task ImportAsync_ParquetQuestionAnswer_ImportsAsAnInstructionRecord()
    {
        // GSM8K's Parquet files: question and a worked answer.
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var schema = new ParquetSchema(new DataField<string>("question"), new DataField<string>("answer"));
        await using var file = await WriteAsync(schema, [Row(("question", "2 + 3?"), ("answer", "2 + 3 = 5\n#### 5"))]);

        var result = await ImportAsync(database, datasetId, file);

        result.Format.ShouldBe(ImportFormat.Alpaca);
        (await StoredAsync(database)).ShouldBe(["User: 2 + 3? | Assistant: 2 + 3 = 5\n#### 5"]);
    }

    [Fact]
    public async Task ImportAsync_ParquetBadRecord_ErrorNamesTheRowAndNothingIsWritten()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var file = await WriteAsync(MessagesSchema, [Conversation(("user", "Hi"), ("assistant", "Hello")), Conversation(("boss", "Hi"))]);

        var result = await ImportAsync(database, datasetId, file);

        result.TotalErrors.ShouldBe(1);
        result.Errors[0].ToString().ShouldBe("row 2: messages[0].role: 'boss' is not a role; use system, user, assistant or tool");
        (await CountAsync(database)).ShouldBe(0);
    }

    [Fact]
    public async Task ImportAsync_ParquetOfUnknownShape_OneErrorListingItsColumns()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var schema = new ParquetSchema(new DataField<string>("premise"), new DataField<string>("hypothesis"));
        await using var file = await WriteAsync(schema, [Row(("premise", "p"), ("hypothesis", "h")), Row(("premise", "p2"), ("hypothesis", "h2"))]);

        var result = await ImportAsync(database, datasetId, file);

        result.TotalErrors.ShouldBe(1);
        result.Errors[0].Field.ShouldBe("format");
        result.Errors[0].Message.ShouldStartWith("cannot tell the format from the Parquet columns (premise, hypothesis)");
    }

    [Fact]
    public async Task ImportAsync_ParquetWithBinaryColumn_ErrorNamesTheColumn()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var schema = new ParquetSchema(new DataField<string>("text"), new DataField<byte[]>("image"));
        await using var file = await WriteAsync(schema, [Row(("text", "a cat"), ("image", (ReadOnlyMemory<byte>?)new byte[] { 1, 2, 3 }))]);

        var result = await ImportAsync(database, datasetId, file);

        result.TotalErrors.ShouldBe(1);
        result.Errors[0].Message.ShouldContain("column 'image' holds binary data");
        (await CountAsync(database)).ShouldBe(0);
    }

    [Fact]
    public async Task ImportAsync_RandomBytesAfterParquetMagic_OneFileErrorNothingWritten()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var bytes = new byte[64 * 1024];
        new Random(7).NextBytes(bytes);
        "PAR1"u8.CopyTo(bytes);

        var result = await ImportAsync(database, datasetId, new MemoryStream(bytes));

        result.TotalErrors.ShouldBe(1);
        result.Errors[0].Message.ShouldStartWith("the file is not a valid Parquet file");
        (await CountAsync(database)).ShouldBe(0);
    }

    [Fact]
    public async Task ImportAsync_ParquetCutInTheMiddle_OneFileErrorNothingWritten()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var whole = await MessagesFileAsync();
        var bytes = whole.ToArray();

        var result = await ImportAsync(database, datasetId, new MemoryStream(bytes[..(bytes.Length / 2)]));

        result.TotalErrors.ShouldBe(1);
        result.Errors[0].Message.ShouldStartWith("the file is not a valid Parquet file");
        (await CountAsync(database)).ShouldBe(0);
    }

    [Fact]
    public async Task InferAsync_ParquetWithClassLabel_MakesAClassificationDatasetWithTheNames()
    {
        var schema = new ParquetSchema(new DataField<string>("text"), new DataField<long>("label"));
        await using var file = await WriteAsync(schema, [Row(("text", "Loved it"), ("label", 1L)), Row(("text", "Dull"), ("label", 0L))],
            metadata: new Dictionary<string, string> { ["huggingface"] = ClassLabelMetadata });
        await using var packed = Gzip(file.ToArray());

        var (kind, labels) = await ImportDestinationService.InferAsync(file, new ImportOptions(), CancellationToken.None);
        var (packedKind, _) = await ImportDestinationService.InferAsync(packed, new ImportOptions(), CancellationToken.None);

        (kind, packedKind).ShouldBe((TaskKind.Classification, TaskKind.Classification));
        labels.ShouldBe([new LabelCount("positive", 1), new LabelCount("negative", 1)]);
        (file.Position, packed.Position).ShouldBe((0, 0));
    }

    [Theory]
    [InlineData("chat.jsonl")]
    [InlineData("alpaca-array.json")]
    [InlineData("tickets.csv")]
    public async Task ImportAsync_GzippedFile_StoresExactlyWhatThePlainFileDoes(string name)
    {
        var options = name.EndsWith(".csv", StringComparison.Ordinal)
            ? new ImportOptions { CsvMapping = new CsvMapping("question", "answer", "system", "label", "tags") }
            : new ImportOptions();
        await using var plainDatabase = await TestDatabase.CreateAsync();
        await using var packedDatabase = await TestDatabase.CreateAsync();
        await using var plain = Open(name);
        await using var packed = Gzip(await File.ReadAllBytesAsync(PathOf(name)));

        var plainResult = await ImportAsync(plainDatabase, await CreateDatasetAsync(plainDatabase), plain, options);
        var packedResult = await ImportAsync(packedDatabase, await CreateDatasetAsync(packedDatabase), packed, options);

        packedResult.Succeeded.ShouldBeTrue(string.Join("; ", packedResult.Errors));
        (packedResult.Imported, packedResult.Format).ShouldBe((plainResult.Imported, plainResult.Format));
        plainResult.Imported.ShouldBeGreaterThan(0);
        (await StoredAsync(packedDatabase)).ShouldBe(await StoredAsync(plainDatabase));
        await using var plainDb = plainDatabase.CreateDbContext();
        await using var packedDb = packedDatabase.CreateDbContext();
        (await packedDb.Examples.OrderBy(e => e.Id).Select(e => e.ContentHash + e.Source).ToListAsync())
            .ShouldBe(await plainDb.Examples.OrderBy(e => e.Id).Select(e => e.ContentHash + e.Source).ToListAsync());
    }

    [Fact]
    public async Task ImportAsync_GzippedParquet_Imports()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var file = await MessagesFileAsync();

        var result = await ImportAsync(database, datasetId, Gzip(file.ToArray()));

        result.Imported.ShouldBe(3);
    }

    [Fact]
    public async Task ImportAsync_GzipBombPastTheLimit_StopsWithTheLimitErrorAndWritesNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var bomb = Gzip(new byte[50 * 1024 * 1024]);
        bomb.Length.ShouldBeLessThan(1024 * 1024);

        var result = await ImportAsync(database, datasetId, bomb, new ImportOptions { MaxBytes = 1024 * 1024 });

        result.TotalErrors.ShouldBe(1);
        result.Errors[0].Message.ShouldStartWith("the file is larger than the limit of 1 MB");
        (await CountAsync(database)).ShouldBe(0);
    }

    [Fact]
    public async Task ImportAsync_TruncatedGzip_FileErrorNothingWritten()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var lines = string.Concat(Enumerable.Range(0, 2000).Select(i => $"{{\"prompt\": \"question {i}\", \"completion\": \"answer {i}\"}}\n"));
        var packed = Gzip(System.Text.Encoding.UTF8.GetBytes(lines)).ToArray();

        var result = await ImportAsync(database, datasetId, new MemoryStream(packed[..(packed.Length / 2)]));

        result.TotalErrors.ShouldBe(1);
        result.Errors[0].Message.ShouldStartWith("the file is not valid gzip: ");
        (await CountAsync(database)).ShouldBe(0);
    }

    [Fact]
    public async Task ImportAsync_GarbageAfterGzipMagic_FileError()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var bytes = new byte[4096];
        new Random(3).NextBytes(bytes);
        (bytes[0], bytes[1]) = (0x1f, 0x8b);

        var result = await ImportAsync(database, datasetId, new MemoryStream(bytes));

        result.TotalErrors.ShouldBe(1);
        result.Errors[0].Message.ShouldStartWith("the file is not valid gzip: ");
    }

    [Fact]
    public async Task ImportAsync_TwoGzipMembersConcatenated_ImportsBoth()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var first = Gzip("{\"prompt\": \"a\", \"completion\": \"b\"}\n"u8.ToArray()).ToArray();
        var second = Gzip("{\"prompt\": \"c\", \"completion\": \"d\"}\n"u8.ToArray()).ToArray();

        var result = await ImportAsync(database, datasetId, new MemoryStream([.. first, .. second]));

        result.Succeeded.ShouldBeTrue(string.Join("; ", result.Errors));
        (await StoredAsync(database)).ShouldBe(["User: a | Assistant: b", "User: c | Assistant: d"]);
    }
    [Fact]
    public async Task ImportAsync_ParquetTextMissingInARow_ErrorNamesTheTextColumnAndRow()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database, TaskKind.Classification);
        var schema = new ParquetSchema(new DataField<string>("text"), new DataField<string>("label"));
        await using var file = await WriteAsync(schema, [Row(("text", "Loved it"), ("label", "positive")), Row(("text", null), ("label", "negative"))]);

        var result = await ImportAsync(database, datasetId, file);

        result.Errors.Select(e => e.ToString()).ShouldBe(["row 2: text: is missing"]);
    }

    [Theory]
    [InlineData("chat.jsonl", true)]
    [InlineData("tickets.csv", false)]
    public async Task LooksLikeJsonAsync_GzippedFile_JudgesThePlainBytes(string name, bool json)
    {
        await using var packed = Gzip(await File.ReadAllBytesAsync(PathOf(name)));

        (await ImportSettings.LooksLikeJsonAsync(packed, CancellationToken.None)).ShouldBe(json);
        packed.Position.ShouldBe(0);
    }

    [Fact]
    public async Task PreviewAsync_GzippedCsv_ReadsThePlainHeaders()
    {
        await using var packed = Gzip(await File.ReadAllBytesAsync(PathOf("tickets.csv")));

        var preview = await new CsvExampleParser().PreviewAsync(packed, 2, CancellationToken.None);

        preview.Headers.ShouldBe(["system", "question", "answer", "label", "tags"]);
    }

    /// <summary>The file's text in another Unicode encoding, led by that encoding's byte order mark.</summary>
    private static MemoryStream Reencoded(string name, string encodingName)
    {
        var encoding = System.Text.Encoding.GetEncoding(encodingName);
        var text = File.ReadAllText(PathOf(name));
        return new MemoryStream([.. encoding.GetPreamble(), .. encoding.GetBytes(text)]);
    }

    private static readonly ImportOptions TicketColumns = new() { CsvMapping = new CsvMapping("question", "answer", "system", "label", "tags") };

    [Theory]
    [InlineData("sharegpt.jsonl", "utf-16")]
    [InlineData("sharegpt.jsonl", "utf-16BE")]
    [InlineData("chat.jsonl", "utf-32")]
    [InlineData("alpaca-array.json", "utf-32BE")]
    [InlineData("tickets.csv", "utf-16")]
    public async Task ImportAsync_Utf16OrUtf32File_StoresExactlyWhatTheUtf8FileDoes(string name, string encoding)
    {
        var options = name.EndsWith(".csv", StringComparison.Ordinal) ? TicketColumns : new ImportOptions();
        await using var utf8Database = await TestDatabase.CreateAsync();
        await using var wideDatabase = await TestDatabase.CreateAsync();
        await using var utf8 = Open(name);
        await using var wide = Reencoded(name, encoding);

        var utf8Result = await ImportAsync(utf8Database, await CreateDatasetAsync(utf8Database), utf8, options);
        var wideResult = await ImportAsync(wideDatabase, await CreateDatasetAsync(wideDatabase), wide, options);

        wideResult.Succeeded.ShouldBeTrue(string.Join("; ", wideResult.Errors));
        (wideResult.Imported, wideResult.Format).ShouldBe((utf8Result.Imported, utf8Result.Format));
        utf8Result.Imported.ShouldBeGreaterThan(0);
        (await StoredAsync(wideDatabase)).ShouldBe(await StoredAsync(utf8Database));
        await using var utf8Db = utf8Database.CreateDbContext();
        await using var wideDb = wideDatabase.CreateDbContext();
        (await wideDb.Examples.OrderBy(e => e.Id).Select(e => e.ContentHash).ToListAsync())
            .ShouldBe(await utf8Db.Examples.OrderBy(e => e.Id).Select(e => e.ContentHash).ToListAsync());
    }

    [Fact]
    public async Task ImportAsync_ExcelUnicodeText_TabSeparatedUtf16_KeepsAccentsAndEmoji()
    {
        // Excel's "Unicode Text" export: UTF-16 little-endian with a byte order mark, tabs between fields, CRLF.
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database, TaskKind.Classification, ["refund", "card_arrival"]);
        var text = "text\tlabel\r\nRemboursé deux fois, merci 🙏\trefund\r\n\"Carte pas arrivée\r\ndepuis lundi\"\tcard_arrival\r\n";
        await using var file = new MemoryStream([0xFF, 0xFE, .. System.Text.Encoding.Unicode.GetBytes(text)]);

        var result = await ImportAsync(database, datasetId, file, new ImportOptions { CsvMapping = new CsvMapping("text", Label: "label") });

        result.Succeeded.ShouldBeTrue(string.Join("; ", result.Errors));
        (await StoredAsync(database)).ShouldBe(["User: Remboursé deux fois, merci 🙏 [refund]", "User: Carte pas arrivée\r\ndepuis lundi [card_arrival]"]);
    }

    [Fact]
    public async Task ImportAsync_Utf16WithAnUnpairedSurrogateOnLine3_NamesTheLineAndWritesNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var good = System.Text.Encoding.Unicode.GetBytes("{\"prompt\": \"Hi\", \"completion\": \"Hello\"}\n");
        byte[] broken = [.. System.Text.Encoding.Unicode.GetBytes("{\"prompt\": \"a "), 0x00, 0xD8, .. System.Text.Encoding.Unicode.GetBytes("b\", \"completion\": \"c\"}\n")];
        await using var file = new MemoryStream([0xFF, 0xFE, .. good, .. good, .. broken, .. good]);

        var result = await ImportAsync(database, datasetId, file);

        var error = result.Errors.ShouldHaveSingleItem();
        (error.Line, error.Field).ShouldBe((3, "encoding"));
        error.Message.ShouldStartWith("the file is UTF-16 text (its byte order mark says so) with a broken character");
        (await CountAsync(database)).ShouldBe(0);
    }

    [Fact]
    public async Task ImportAsync_Utf16CutInTheMiddleOfACharacter_RefusedNotGuessed()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var bytes = System.Text.Encoding.Unicode.GetBytes("{\"prompt\": \"Hi\", \"completion\": \"Hello\"}\n");

        var result = await ImportAsync(database, datasetId, new MemoryStream([0xFF, 0xFE, .. bytes, 0x7B]));

        result.Errors.ShouldHaveSingleItem().Field.ShouldBe("encoding");
        (await CountAsync(database)).ShouldBe(0);
    }

    [Fact]
    public async Task ImportAsync_GzippedUtf16_Imports()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        await using var wide = Reencoded("chat.jsonl", "utf-16");

        var result = await ImportAsync(database, datasetId, Gzip(wide.ToArray()));

        result.Succeeded.ShouldBeTrue(string.Join("; ", result.Errors));
        result.Imported.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task ImportAsync_Utf16WhoseUtf8FormPassesTheLimit_StopsWithTheLimitErrorAndWritesNothing()
    {
        // Chinese text takes 2 bytes a character in UTF-16 and 3 in UTF-8: the file grows by half when transcoded.
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var file = new MemoryStream();
        file.Write([0xFF, 0xFE]);
        for (var i = 0; i < 600; i++)
        {
            file.Write(System.Text.Encoding.Unicode.GetBytes($"{{\"prompt\": \"{i} {new string('漢', 1000)}\", \"completion\": \"好\"}}\n"));
        }

        file.Length.ShouldBeLessThan(1_300_000);
        file.Position = 0;
        var result = await ImportAsync(database, datasetId, file, new ImportOptions { MaxBytes = 1_500_000 });
        file.Position = 0;
        var roomy = await ImportAsync(database, datasetId, file, new ImportOptions { MaxBytes = 2_000_000 });

        result.Errors.ShouldHaveSingleItem().Message.ShouldStartWith("the file is larger than the limit of");
        roomy.Succeeded.ShouldBeTrue(string.Join("; ", roomy.Errors));
        roomy.Imported.ShouldBe(600);
        (await CountAsync(database)).ShouldBe(600);
    }

    [Theory]
    [InlineData("chat.jsonl", true)]
    [InlineData("tickets.csv", false)]
    public async Task LooksLikeJsonAsync_Utf16File_JudgesTheText(string name, bool json)
    {
        await using var wide = Reencoded(name, "utf-16");

        (await ImportSettings.LooksLikeJsonAsync(wide, CancellationToken.None)).ShouldBe(json);
        wide.Position.ShouldBe(0);
    }

    [Fact]
    public async Task PreviewAsync_Utf16BigEndianCsv_ReadsTheHeadersAndRows()
    {
        await using var wide = Reencoded("tickets.csv", "utf-16BE");

        var preview = await new CsvExampleParser().PreviewAsync(wide, 2, CancellationToken.None);

        preview.Headers.ShouldBe(["system", "question", "answer", "label", "tags"]);
        preview.Rows[0][1].ShouldBe("My card was charged twice,\r\nplease help");
    }

    [Theory]
    [InlineData("42")]
    [InlineData("\"a string\"")]
    [InlineData("null")]
    public async Task ImportAsync_FirstLineIsAJsonValueButNotAnObject_SaysWhatALineMustHold(string first)
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);

        var result = await ImportAsync(database, datasetId, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(first + "\n{\"prompt\": \"a\", \"completion\": \"b\"}\n")));

        var error = result.Errors.ShouldHaveSingleItem();
        (error.Line, error.Field).ShouldBe((1, "format"));
        error.Message.ShouldStartWith("does not start with '{' or '[': a JSONL file holds one JSON object per line");
    }
}
