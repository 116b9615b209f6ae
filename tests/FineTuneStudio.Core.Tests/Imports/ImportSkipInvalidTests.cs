using System.Text;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Tests.Imports.ImportFixtures;

namespace FineTuneStudio.Core.Tests.Imports;

/// <summary>
/// A public set with a handful of bad lines among thousands: refused by default, imported without them when the
/// user asks, and never when the file itself is broken (a truncated array, broken quoting), whose records cannot be trusted.
/// </summary>
public class ImportSkipInvalidTests
{
    private static readonly DateTime Now = new(2025, 3, 1, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Actor Labeler = new("user-1", "Dana");
    private static readonly ImportOptions Skipping = new() { InvalidRecords = InvalidRecordPolicy.Skip };

    /// <summary>Five records: line 2 is not JSON, line 4 names a label the dataset does not have.</summary>
    private const string FiveWithTwoBad = """
        {"text": "Where is my card?", "label": "card_arrival"}
        {"text": "broken, "label": "card_arrival"}
        {"text": "My card was declined", "label": "declined_card_payment"}
        {"text": "Can I pay with Apple Pay?", "label": "apple_pay"}
        {"text": "The app charged me twice", "label": "declined_card_payment"}

        """;

    private static async Task<int> LabelledDatasetAsync(TestDatabase database) =>
        (await new Seed(database, Now).DatasetAsync("Bank", "intents", TaskKind.Classification, ["card_arrival", "declined_card_payment"])).DatasetId;

    private static Task<ImportResult> ImportAsync(TestDatabase database, int datasetId, string text, ImportOptions options) =>
        new ImportService(database, new ManualClock(Now)).ImportAsync(datasetId, new MemoryStream(Encoding.UTF8.GetBytes(text)), options, Labeler, null, CancellationToken.None);

    private static async Task<List<string?>> StoredTextsAsync(TestDatabase database)
    {
        await using var db = database.CreateDbContext();
        return await db.Examples.OrderBy(e => e.Id).Select(e => e.Messages.OrderBy(m => m.Position).First().Content).ToListAsync();
    }

    [Fact]
    public async Task ImportAsync_ByDefault_RefusesAndSaysWhatSkippingWouldImport()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await LabelledDatasetAsync(database);

        var result = await ImportAsync(database, datasetId, FiveWithTwoBad, new ImportOptions());

        result.Succeeded.ShouldBeFalse();
        result.Errors.Select(e => e.Line).ShouldBe([2, 4]);
        (result.InvalidRecords, result.ValidRecords, result.FileProblem, result.CanSkipInvalid).ShouldBe((2, 3, false, true));
        (await StoredTextsAsync(database)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ImportAsync_SkippingInvalid_ImportsTheOthersListsEachLeftOutLineAndAuditsTheCount()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await LabelledDatasetAsync(database);

        var result = await ImportAsync(database, datasetId, FiveWithTwoBad, Skipping);

        result.Succeeded.ShouldBeTrue();
        (result.Imported, result.InvalidRecords, result.TotalLeftOut).ShouldBe((3, 2, 2));
        result.LeftOut.Select(e => (e.Line, e.Field)).ShouldBe([(2, "text"), (4, "label")]);
        result.LeftOut[1].Message.ShouldStartWith("'apple_pay' is not one of the dataset's labels");
        (await StoredTextsAsync(database)).ShouldBe(["Where is my card?", "My card was declined", "The app charged me twice"]);
        await using var db = database.CreateDbContext();
        (await db.AuditEvents.SingleAsync()).Summary.ShouldStartWith("3 examples imported, 0 duplicates skipped, 2 records with problems left out");
    }

    [Fact]
    public async Task ImportAsync_SkippingInvalidInADryRun_CountsAndWritesNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await LabelledDatasetAsync(database);

        var result = await ImportAsync(database, datasetId, FiveWithTwoBad, Skipping with { DryRun = true });

        (result.Succeeded, result.Imported, result.InvalidRecords).ShouldBe((true, 3, 2));
        (await StoredTextsAsync(database)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ImportAsync_SkippingInvalid_DuplicatesAndProblemsAreCountedApart()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await LabelledDatasetAsync(database);
        var text = FiveWithTwoBad + """{"text": "Where is my card?", "label": "card_arrival"}""" + "\n";

        var result = await ImportAsync(database, datasetId, text, Skipping);

        (result.Imported, result.SkippedDuplicates, result.InvalidRecords).ShouldBe((3, 1, 2));
        result.Skipped.Single().Line.ShouldBe(6);
    }

    [Fact]
    public async Task ImportAsync_SkippingInvalidWhenEveryRecordHasAProblem_IsRefused()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await LabelledDatasetAsync(database);
        const string text = """
            {"text": "a", "label": "unknown"}
            {"text": "b", "label": "other"}
            """;

        var result = await ImportAsync(database, datasetId, text, Skipping);

        result.Succeeded.ShouldBeFalse();
        result.Errors.Select(e => e.Line).ShouldBe([1, 2]);
        (await StoredTextsAsync(database)).ShouldBeEmpty();
    }

    [Theory]
    // The array is not closed: the last record may be cut off, and more may have been lost after it.
    [InlineData("[\n{\"prompt\": \"a\", \"completion\": \"b\"},\n{\"prompt\": 7, \"completion\": \"c\"},\n{\"prompt\": \"d\", \"completion\": \"e\"}\n", "file", "']' is missing")]
    // Broken quoting: where the next record starts cannot be told.
    [InlineData("question,answer\nok,fine\n\"open quote,never closed\nlast,row\n", "", "")]
    // The mapping names a column the header lacks.
    [InlineData("query,reply\nok,fine\n", "mapping", "no column named")]
    public async Task ImportAsync_SkippingInvalidWithAProblemInTheFileItself_IsRefused(string text, string field, string message)
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = (await new Seed(database, Now).DatasetAsync("Help", "answers")).DatasetId;
        var options = text.StartsWith('[') ? Skipping : Skipping with { CsvMapping = new CsvMapping("question", "answer") };

        var result = await ImportAsync(database, datasetId, text, options);

        result.Succeeded.ShouldBeFalse();
        (result.FileProblem, result.CanSkipInvalid).ShouldBe((true, false));
        var error = result.Errors[^1];
        if (field.Length > 0)
        {
            error.Field.ShouldStartWith(field);
            error.Message.ShouldContain(message);
        }

        (await StoredTextsAsync(database)).ShouldBeEmpty();
    }

    [Fact]
    public async Task ImportAsync_SkippingInvalidInACsvFile_LeavesOutARowWithAnExtraField()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = (await new Seed(database, Now).DatasetAsync("Help", "answers")).DatasetId;
        const string text = "question,answer\r\n\"How do I reset, please?\",Use the link\r\nWhere is it?,Here,and here\r\nWhen?,\"Now,\nor later\"\r\n";

        var result = await ImportAsync(database, datasetId, text, Skipping with { CsvMapping = new CsvMapping("question", "answer") });

        (result.Imported, result.InvalidRecords).ShouldBe((2, 1));
        result.LeftOut.Single().Line.ShouldBe(3);
        (await StoredTextsAsync(database)).ShouldBe(["How do I reset, please?", "When?"]);
    }

    [Fact]
    public async Task ImportAsync_SkippingInvalidHhRlhfPairs_LeavesOutAPairWhoseConversationsPartEarly()
    {
        // HH-RLHF pairs normally share every turn but the last answer; one that parts earlier has no single prompt.
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = (await new Seed(database, Now).DatasetAsync("Help", "pairs", TaskKind.Preference)).DatasetId;
        var text = await File.ReadAllTextAsync(PathOf("hh-rlhf.jsonl"))
            + """{"chosen": "\n\nHuman: Hi\n\nAssistant: Hello, how can I help?\n\nHuman: Thanks\n\nAssistant: Any time.", "rejected": "\n\nHuman: Hi\n\nAssistant: What?\n\nHuman: Thanks\n\nAssistant: Fine."}""" + "\n";

        var result = await ImportAsync(database, datasetId, text, Skipping);

        result.Imported.ShouldBe(2);
        result.LeftOut.Single().ToString().ShouldBe("line 3: rejected: turn 2 differs from chosen's; the two conversations of a pair must share every turn before their last answer");
    }

    [Theory]
    [InlineData(null, InvalidRecordPolicy.Refuse)]
    [InlineData("refuse", InvalidRecordPolicy.Refuse)]
    [InlineData(" Skip ", InvalidRecordPolicy.Skip)]
    public void Parse_InvalidChoice_IsRead(string? invalid, InvalidRecordPolicy expected)
    {
        ImportSettings.Parse(null, null, null, null, dryRun: false, invalid).InvalidRecords.ShouldBe(expected);
    }

    [Fact]
    public void Parse_UnknownInvalidChoice_NamesTheField()
    {
        var error = Should.Throw<StudioValidationException>(() => ImportSettings.Parse(null, null, null, null, dryRun: false, "ignore"));

        error.Errors.Single().ToString().ShouldBe("invalid: 'ignore' is not a choice; use refuse or skip");
    }
}
