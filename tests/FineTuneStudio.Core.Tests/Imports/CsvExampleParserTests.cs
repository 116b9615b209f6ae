using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Imports;
using static FineTuneStudio.Core.Tests.Imports.ImportFixtures;

namespace FineTuneStudio.Core.Tests.Imports;

public class CsvExampleParserTests
{
    private static readonly CsvMapping TicketMapping = new("question", "answer", "system", "label", "tags");

    [Fact]
    public async Task ParseAsync_QuotedNewlinesAndCommas_RowsStartOnTheirPhysicalLines()
    {
        var rows = await ParseCsvAsync("tickets.csv", TicketMapping);

        Errors(rows).ShouldBeEmpty();
        // Record 1 spans lines 2-3, record 3 spans lines 5-7.
        rows.Select(r => r.Line).ShouldBe([2, 4, 5, 8]);
        var first = rows[0].Content!;
        first.Messages.Select(m => (m.Role, m.Content)).ShouldBe([
            (MessageRole.System, "You sort tickets."),
            (MessageRole.User, "My card was charged twice,\r\nplease help"),
            (MessageRole.Assistant, "Refund issued, sorry!"),
        ]);
        first.Label.ShouldBe("billing");
        first.Tags.ShouldBe(["money", "urgent"]);
        rows[1].Content!.Messages[0].Content.ShouldBe("Where is \"my\" parcel?");
        rows[1].Content!.Tags.ShouldBe(["delivery", "parcel"]);
        rows[2].Content!.Tags.ShouldBeNull();
        rows[3].Content!.Tags.ShouldBe(["a", "b"]);
    }

    [Fact]
    public async Task ParseAsync_BomHeader_MatchesColumnNames()
    {
        var rows = await ParseCsvAsync("tickets-bom.csv", new CsvMapping("question", "answer"));

        rows.Single().Content!.Messages.Select(m => m.Content).ShouldBe(["Hi, there", "Hello"]);
    }

    [Fact]
    public async Task ParseAsync_BadRows_NameLineAndColumn()
    {
        var rows = await ParseCsvAsync("bad.csv", new CsvMapping("question", "answer"));

        rows[0].IsValid.ShouldBeTrue();
        Errors(rows).Select(e => (e.Line, e.Field)).ShouldBe([(3, "question"), (4, "encoding"), (5, "file")]);
    }

    [Fact]
    public async Task ParseAsync_MappedColumnMissing_ReportsTheMapping()
    {
        var rows = await ParseCsvAsync("tickets.csv", new CsvMapping("prompt", "answer"));

        var error = Errors(rows).Single();
        (error.Line, error.Field).ShouldBe((1, "mapping.user"));
        error.Message.ShouldContain("'prompt'");
    }

    [Fact]
    public async Task PreviewAsync_ReturnsHeadersFirstRowsAndSuggestedMapping()
    {
        await using var stream = Open("tickets.csv");

        var preview = await new CsvExampleParser().PreviewAsync(stream, 2, CancellationToken.None);

        preview.Headers.ShouldBe(["system", "question", "answer", "label", "tags"]);
        preview.Rows.Count.ShouldBe(2);
        preview.Rows[0][1].ShouldBe("My card was charged twice,\r\nplease help");
        preview.SuggestedMapping.ShouldBe(TicketMapping);
    }
}
