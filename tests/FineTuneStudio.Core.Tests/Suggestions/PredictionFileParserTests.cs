using FineTuneStudio.Core.Suggestions;

namespace FineTuneStudio.Core.Tests.Suggestions;

public sealed class PredictionFileParserTests
{
    [Fact]
    public void Parse_Jsonl_ReadsIdsLabelsAndConfidence()
    {
        var predictions = PredictionFileParser.Parse("""
            {"example_id": 12, "label": "urgent", "confidence": 0.9}

            {"example_id": "13", "label": " normal "}
            """, "p.jsonl");

        predictions.ShouldBe([new Prediction(12, "urgent", 0.9, 1), new Prediction(13, "normal", null, 3)]);
    }

    [Fact]
    public void Parse_Csv_ReadsTheColumnsInAnyOrder()
    {
        var predictions = PredictionFileParser.Parse("label,confidence,example_id\nurgent,0.25,7\nnormal,,8\n", "p.csv");

        predictions.ShouldBe([new Prediction(7, "urgent", 0.25, 2), new Prediction(8, "normal", null, 3)]);
    }

    [Fact]
    public void Parse_BadLines_NameTheLineAndFieldOfEach()
    {
        var error = Should.Throw<StudioValidationException>(() => PredictionFileParser.Parse("""
            {"example_id": 1, "label": "a"}
            {"example_id": -4, "label": "a"}
            {"example_id": 1, "label": "b"}
            {"example_id": 2}
            {"example_id": 3, "label": "a", "confidence": 1.5}
            not json
            """, "p.jsonl"));

        error.Errors.OrderBy(e => e.Line).Select(e => (e.Line, e.Field)).ShouldBe([(2, "example_id"), (3, "example_id"), (4, "label"), (5, "confidence"), (6, "line")]);
        error.Errors.Single(e => e.Line == 3).Message.ShouldContain("already given on line 1");
    }

    [Fact]
    public void Parse_CsvWithoutTheLabelColumn_SaysWhichColumnIsMissing()
    {
        var error = Should.Throw<StudioValidationException>(() => PredictionFileParser.Parse("example_id,guess\n1,a\n", "p.csv"));

        error.Errors.ShouldHaveSingleItem().Message.ShouldContain("missing: label");
    }

    /// <summary>
    /// Thousands of mangled lines (cut, doubled, bytes swapped, quotes and braces inserted) in JSONL and CSV: the parser
    /// either reads them or throws its validation error naming lines; it never crashes with anything else.
    /// </summary>
    [Fact]
    public void Parse_ThousandsOfMangledLines_NeverCrash()
    {
        var random = new Random(19);
        string[] seeds =
        [
            """{"example_id": 12, "label": "urgent", "confidence": 0.9}""",
            """{"example_id": "7", "label": "normal"}""",
            "example_id,label,confidence\n3,urgent,0.5",
            """{"example_id": 5, "label": "\ud800"}""",
        ];
        const string noise = "{}[]\",:\\\n\r\t 0123456789.-eE\u0000\u00e9\ud83d\ude00abc";
        var parsed = 0;
        var rejected = 0;
        for (var round = 0; round < 5000; round++)
        {
            var text = seeds[random.Next(seeds.Length)].ToCharArray().ToList();
            for (var edits = random.Next(1, 6); edits > 0; edits--)
            {
                var at = random.Next(text.Count + 1);
                switch (random.Next(4))
                {
                    case 0 when text.Count > 0: text.RemoveAt(Math.Min(at, text.Count - 1)); break;
                    case 1: text.Insert(at, noise[random.Next(noise.Length)]); break;
                    case 2 when text.Count > 0: text.RemoveRange(at == text.Count ? 0 : at, text.Count - (at == text.Count ? 0 : at)); break;
                    default: text.InsertRange(at, text.Take(random.Next(text.Count + 1)).ToList()); break;
                }
            }

            var file = new string([.. text]);
            try
            {
                var predictions = PredictionFileParser.Parse(file, random.Next(3) == 0 ? "p.csv" : null);
                predictions.ShouldAllBe(p => p.ExampleId > 0 && p.Label.Length > 0 && (p.Confidence == null || (p.Confidence >= 0 && p.Confidence <= 1)));
                parsed++;
            }
            catch (StudioValidationException e)
            {
                e.Errors.ShouldNotBeEmpty();
                rejected++;
            }
        }

        // Both paths were exercised, so the test could fail on either.
        parsed.ShouldBeGreaterThan(0);
        rejected.ShouldBeGreaterThan(0);
    }
}
