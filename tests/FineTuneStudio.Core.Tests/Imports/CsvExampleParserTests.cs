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

    [Fact]
    public async Task PreviewAsync_DollyHeader_ContextIsTheInputAfterTheInstruction()
    {
        await using var stream = Open("dolly.csv");

        var preview = await new CsvExampleParser().PreviewAsync(stream, 1, CancellationToken.None);

        // Beside an answer, the category sorts the examples: a tag, as the JSON reader keeps Dolly's category.
        preview.SuggestedMapping.ShouldBe(new CsvMapping("instruction", "response", Tags: "category", Input: "context"));
    }

    [Theory]
    [InlineData(new[] { "instruction", "input", "output" }, "instruction", "input")]
    [InlineData(new[] { "input", "output" }, "input", null)]
    [InlineData(new[] { "question", "context", "answer" }, "question", "context")]
    [InlineData(new[] { "text", "label" }, "text", null)]
    public void Suggest_InputBesideAnInstruction_IsTheInputNotTheUserMessage(string[] headers, string user, string? input)
    {
        var mapping = CsvMapping.Suggest(headers);

        (mapping.User, mapping.Input).ShouldBe((user, input));
    }

    [Theory]
    [InlineData(new[] { "text", "category" }, "category", null)]
    [InlineData(new[] { "instruction", "response", "category" }, null, "category")]
    [InlineData(new[] { "question", "answer", "label", "category" }, "label", "category")]
    public void Suggest_Category_IsTheLabelOfATextToClassify_ButATagBesideAnAnswer(string[] headers, string? label, string? tags)
    {
        var mapping = CsvMapping.Suggest(headers);

        (mapping.Label, mapping.Tags).ShouldBe((label, tags));
    }

    [Fact]
    public async Task ParseAsync_InputColumn_FollowsTheUserMessageAfterABlankLine_EmptyInputLeftOut()
    {
        var rows = await ParseCsvAsync("dolly.csv", new CsvMapping("instruction", "response", Label: "category", Input: "context"));

        Errors(rows).ShouldBeEmpty();
        rows.Select(r => r.Content!.Messages[0].Content).ShouldBe([
            "When did the ferry line start?\n\nThe ferry line opened in May 1998.\r\nA second boat joined in 2004.",
            "Name three hand tools.",
        ]);
        rows.Select(r => r.Content!.Messages[1].Content).ShouldBe(["It started in May 1998.", "A hammer, a saw and a chisel."]);
    }

    [Fact]
    public void ParseMapping_Input_RoundTripsThroughTheTextForm()
    {
        var mapping = ImportSettings.ParseMapping("user=instruction, input=context, assistant=response");

        mapping.ShouldBe(new CsvMapping("instruction", "response", Input: "context"));
        ImportSettings.FormatMapping(mapping).ShouldBe("user=instruction,input=context,assistant=response");
    }

    [Fact]
    public async Task ParseAsync_TabSeparatedFile_CommasInsideFieldsNeedNoQuotes()
    {
        // Hugging Face datasets ship .tsv files whose texts hold commas and question marks unquoted.
        var rows = await ParseCsvAsync("banking-tab.tsv", new CsvMapping("text", null, Label: "label"));

        Errors(rows).ShouldBeEmpty();
        rows.Select(r => (r.Line, r.Content!.Messages.Single().Content, r.Content.Label)).ShouldBe([
            (2, "card_arrival: where is my card, it has been a week?", "card_arrival"),
            (3, "I was charged twice for one coffee, please refund", "duplicate_charge"),
            (4, "How do I top up by bank transfer?", "top_up_by_bank_transfer_charge"),
        ]);
    }

    [Fact]
    public async Task ParseAsync_ExcelSemicolonFileWithSepLine_ReadsSemicolonsAndKeepsDecimalCommas()
    {
        // European Excel writes ';' between fields (the comma is the decimal mark) and may lead with "sep=;".
        var rows = await ParseCsvAsync("excel-semicolon.csv", new CsvMapping("text", null, Label: "label"));

        Errors(rows).ShouldBeEmpty();
        rows.Select(r => (r.Content!.Messages.Single().Content, r.Content.Label)).ShouldBe([
            ("Remboursement; svp", "refund"),
            ("Où est ma carte ?", "card_arrival"),
        ]);
        rows.Select(r => r.Line).ShouldBe([3, 4]);
    }

    [Theory]
    [InlineData("banking-tab.tsv", "tab")]
    [InlineData("excel-semicolon.csv", "semicolon")]
    [InlineData("tickets.csv", "comma")]
    public async Task PreviewAsync_SaysWhichSeparatorTheFileIsReadWith(string file, string separator)
    {
        await using var stream = Open(file);

        var preview = await new CsvExampleParser().PreviewAsync(stream, 5, CancellationToken.None);

        preview.Separator.ShouldBe(separator);
    }

    [Fact]
    public async Task ParseAsync_RowsWithMoreOrFewerFieldsThanTheHeader_AreRefusedOnTheirLines()
    {
        // An unquoted comma would push text into the label column; a short row would lose its label.
        const string csv = "text,label\nhello,greet\nyes, please,agree\nonly text\n\"quoted, fine\",agree\n";
        await using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv));

        var rows = await CollectAsync(new CsvExampleParser().ParseAsync(stream, new CsvMapping("text", null, Label: "label"), CancellationToken.None));

        rows.Where(r => r.IsValid).Select(r => r.Line).ShouldBe([2, 5]);
        var errors = Errors(rows);
        errors.Select(e => (e.Line, e.Field)).ShouldBe([(3, "file"), (4, "file")]);
        errors[0].Message.ShouldBe("the row has 3 fields but the header has 2; a field that holds a comma needs double quotes around it");
        errors[1].Message.ShouldBe("the row has 1 field but the header has 2; every row needs a value (or an empty field) for each column");
    }

    [Fact]
    public async Task ParseAsync_NulInAMappedField_IsRefusedOnItsLineAndColumn()
    {
        await using var stream = new MemoryStream("text,label\nhello\0world,greet\nbye,bye\n"u8.ToArray());

        var rows = await CollectAsync(new CsvExampleParser().ParseAsync(stream, new CsvMapping("text", null, Label: "label"), CancellationToken.None));

        var error = Errors(rows).ShouldHaveSingleItem();
        (error.Line, error.Field, error.Message).ShouldBe((2, "text", "the text contains a NUL character, which cannot be stored; remove it"));
        rows[1].IsValid.ShouldBeTrue();
    }

    [Fact]
    public async Task ParseAsync_TwoColumnsWithTheMappedName_AreRefusedNotPickedAtRandom()
    {
        await using var stream = new MemoryStream("text,Text ,label\na,b,greet\n"u8.ToArray());

        var rows = await CollectAsync(new CsvExampleParser().ParseAsync(stream, new CsvMapping("text", null, Label: "label"), CancellationToken.None));

        var error = Errors(rows).ShouldHaveSingleItem();
        (error.Line, error.Field).ShouldBe((1, "mapping.user"));
        error.Message.ShouldBe("the file has 2 columns named 'text' (columns 1 and 2); rename one so the mapping can tell them apart");
    }
}
