using System.Text;
using FineTuneStudio.Core.Quality;

namespace FineTuneStudio.Core.Tests.Quality;

public class AgreementCsvParserTests
{
    private readonly AgreementCsvParser _parser = new();

    [Fact]
    public void Parse_ValidFile_ReturnsRatingsWithMissingLabels()
    {
        var result = _parser.Parse("item,rater,label\n1,ana,urgent\n1,ben,\n2,ana,\"low, maybe\"\n");

        result.Succeeded.ShouldBeTrue();
        result.Ratings.ShouldBe(
        [
            new AgreementRating("1", "ana", "urgent"),
            new AgreementRating("1", "ben", null),
            new AgreementRating("2", "ana", "low, maybe"),
        ]);
    }

    [Fact]
    public void Parse_ColumnsInOtherOrderFromStream_AreMatchedByName()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes("Label,Rater,Item,Comment\nhigh,ana,7,fine\n"));

        var result = _parser.Parse(stream);

        result.Ratings.ShouldBe([new AgreementRating("7", "ana", "high")]);
    }

    [Fact]
    public void Parse_MissingColumn_ReportsHeader()
    {
        var result = _parser.Parse("item,label\n1,x\n");

        result.Succeeded.ShouldBeFalse();
        result.Ratings.ShouldBeEmpty();
        result.Errors.Single().Field.ShouldBe("header");
        result.Errors.Single().Line.ShouldBe(1);
    }

    [Fact]
    public void Parse_BadRows_ReportLineNumbersAndNoRatings()
    {
        // Line 1 header, line 2 fine, line 3 has no rater, line 4 repeats line 2's item and rater.
        var result = _parser.Parse("item,rater,label\n1,ana,x\n2,,y\n1,ana,z\n");

        result.Ratings.ShouldBeEmpty();
        result.Errors.Select(e => (e.Field, e.Line)).ShouldBe([("rater", (int?)3), ("rater", (int?)4)]);
        result.Errors[1].Message.ShouldContain("line 2");
    }

    [Fact]
    public void Parse_HeaderOnly_ReportsNoRatings()
    {
        var result = _parser.Parse("item,rater,label\n");

        result.Succeeded.ShouldBeFalse();
    }
}
