using System.Text.Json.Nodes;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Suggestions;
using static FineTuneStudio.Core.Tests.Support.FuzzInputs;

namespace FineTuneStudio.Core.Tests.Suggestions;

/// <summary>
/// Hostile prediction files generated from a fixed seed, read as the upload and the CLI read them (bytes through
/// <see cref="EvalFileParser.ReadTextAsync"/>, with and without a file name): the parser returns predictions or throws
/// its <see cref="StudioValidationException"/>, never anything else; every error names a line the file has (or is
/// about the whole file); and a clearly broken file yields an error.
/// </summary>
public class PredictionFileParserFuzzTests
{
    private const int Seed = 20251204;

    private static readonly string[] JsonlLines =
    [
        """{"example_id": 12, "label": "urgent", "confidence": 0.9}""",
        """{"example_id": "13", "label": " normal "}""",
        """{"example_id": 14, "label": "low, maybe", "confidence": 0, "note": "x"}""",
    ];

    private static readonly string Jsonl = string.Join("\n", JsonlLines) + "\n";
    private static readonly Prediction[] JsonlPredictions = [new(12, "urgent", 0.9, 1), new(13, "normal", null, 2), new(14, "low, maybe", 0, 3)];

    // A quoted comma, an empty confidence and a label over two lines, so line numbers are not row numbers.
    private const string Csv = "example_id,label,confidence\n7,urgent,0.25\n8,normal,\n9,\"low, maybe\",1\n10,\"two\nlines\",0.5\n11,last,0\n";
    private static readonly Prediction[] CsvPredictions = [new(7, "urgent", 0.25, 2), new(8, "normal", null, 3), new(9, "low, maybe", 1, 4), new(10, "two\nlines", 0.5, 5), new(11, "last", 0, 7)];

    public enum Shape
    {
        Jsonl,
        Csv,
    }

    public enum Expect
    {
        Any,
        Fail,
        Succeed,
    }

    /// <param name="Predictions">With <see cref="Expect.Succeed"/>: exactly what must be read, lines included.</param>
    /// <param name="ErrorLines">When set, exactly these lines must carry the errors.</param>
    public sealed record Case(string Kind, Shape Shape, byte[] Bytes, Expect Expect, Prediction[]? Predictions = null, int[]? ErrorLines = null)
    {
        /// <summary>When set, the only name the file is read under; else it is read without a name and with its shape's.</summary>
        public string? FileName { get; init; }
    }

    private static IEnumerable<Case> Cases()
    {
        var random = new Random(Seed);
        var jsonl = Utf8(Jsonl);
        var csv = Utf8(Csv);
        string Crlf(string text) => text.Replace("\n", "\r\n", StringComparison.Ordinal);

        foreach (var (shape, template, expected) in new[] { (Shape.Jsonl, Jsonl, JsonlPredictions), (Shape.Csv, Csv, CsvPredictions) })
        {
            var bytes = Utf8(template);
            yield return new Case("template", shape, bytes, Expect.Succeed, expected);
            yield return new Case("UTF-8 BOM", shape, [.. Bom, .. bytes], Expect.Succeed, expected);
            // A quoted label keeps the line break it was written with.
            Prediction[] crlfExpected = [.. expected.Select(p => p with { Label = Crlf(p.Label) })];
            yield return new Case("CRLF line ends", shape, Utf8(Crlf(template)), Expect.Succeed, crlfExpected);
            yield return new Case("BOM and CRLF", shape, [.. Bom, .. Utf8(Crlf(template))], Expect.Succeed, crlfExpected);
            yield return new Case("no final line break", shape, bytes[..^1], Expect.Succeed, expected);
            yield return new Case("CR line ends", shape, Utf8(template.Replace("\n", "\r", StringComparison.Ordinal)), Expect.Any);
            yield return new Case("header or first line only", shape, Utf8(template[..(template.IndexOf('\n', StringComparison.Ordinal) + 1)]), shape == Shape.Csv ? Expect.Fail : Expect.Succeed, shape == Shape.Csv ? null : expected[..1]);

            for (var cut = 0; cut < bytes.Length; cut += 3)
            {
                yield return new Case($"truncated at {cut}", shape, bytes[..cut], TruncationBreaks(shape, template[..cut]) ? Expect.Fail : Expect.Any);
            }

            for (var i = 0; i < 120; i++)
            {
                yield return new Case("byte flips", shape, FlipBytes(random, bytes), Expect.Any);
            }

            for (var i = 0; i < 15; i++)
            {
                // Raw NUL is not JSON anywhere on a line (not whitespace, not allowed unescaped in a string); in CSV it is text.
                yield return new Case("NUL inserted", shape, InsertAt(bytes, random.Next(bytes.Length + 1), [0x00]), shape == Shape.Jsonl ? Expect.Fail : Expect.Any);
                yield return new Case("invalid UTF-8 inserted", shape, InsertAt(bytes, random.Next(bytes.Length + 1), InvalidUtf8[random.Next(InvalidUtf8.Length)]), Expect.Any);
                yield return new Case("quote inserted", shape, InsertAt(bytes, random.Next(bytes.Length + 1), "\""u8.ToArray()), Expect.Any);
            }

            foreach (var empty in new[] { "", "\n", "\r\n\r\n", "   \t ", "\0" })
            {
                yield return new Case($"empty file {Shorten(empty)}", shape, Utf8(empty), Expect.Fail);
            }

            yield return new Case("only a BOM", shape, Bom, Expect.Fail);
        }

        yield return new Case("empty lines between lines", Shape.Jsonl, Utf8(JsonlLines[0] + "\n\n  \n" + JsonlLines[1] + "\r\n\r\n" + JsonlLines[2] + "\n\n"), Expect.Succeed,
            [JsonlPredictions[0], JsonlPredictions[1] with { Line = 4 }, JsonlPredictions[2] with { Line = 6 }]);
        yield return new Case("empty lines between rows", Shape.Csv, Utf8(Csv.Replace("\n8,", "\n\n\n8,", StringComparison.Ordinal)), Expect.Succeed,
            [CsvPredictions[0], .. CsvPredictions[1..].Select(p => p with { Line = p.Line + 2 })]);

        for (var i = 0; i < 20; i++)
        {
            var line = random.Next(JsonlLines.Length);
            var quotes = Enumerable.Range(0, JsonlLines[line].Length).Where(at => JsonlLines[line][at] == '"').ToList();
            var at = quotes[random.Next(quotes.Count)] + 1;
            // Inside a key the escape only spoils a key (which may be one the parser ignores); inside a value it spoils the value.
            yield return new Case("lone surrogate escape", Shape.Jsonl, Utf8(WithLine(line, JsonlLines[line].Insert(at, SurrogateEscapes[random.Next(SurrogateEscapes.Length)]))), Expect.Any);
        }

        foreach (var field in new[] { "example_id", "label", "confidence" })
        {
            foreach (var escape in SurrogateEscapes)
            {
                yield return new Case($"lone surrogate in {field}", Shape.Jsonl, Utf8(WithField(0, field, JsonValue.Create("PLACE")).Replace("PLACE", "1" + escape, StringComparison.Ordinal)), Expect.Fail, ErrorLines: [1]);
            }
        }

        foreach (var wrong in new[] { "null", "\"\"", "\"  \"", "\"abc\"", "0", "-1", "1.5", "12.0", "1e999", "99999999999999999999", "2147483648", "\"NaN\"", "true", "false", "[]", "{}", "[12]", "{\"id\": 12}", "\"12abc\"", "\"+12\"", "\"0x0C\"", "\"１２\"", "\"1 2\"" })
        {
            yield return new Case($"example_id {wrong}", Shape.Jsonl, Utf8(WithField(0, "example_id", JsonNode.Parse(wrong))), Expect.Fail, ErrorLines: [1]);
        }

        foreach (var wrong in new[] { "null", "\"\"", "\"   \"", "\"\\t\"" })
        {
            yield return new Case($"label {wrong}", Shape.Jsonl, Utf8(WithField(1, "label", JsonNode.Parse(wrong))), Expect.Fail, ErrorLines: [2]);
        }

        foreach (var other in new[] { "42", "true", "[]", "{}", "[\"urgent\"]", "1e999", "\"\\u0000\"", new string('[', 60) + new string(']', 60) })
        {
            // Not text, but read as its JSON text: the service then finds no dataset label of that name and names the line.
            yield return new Case($"label {Shorten(other)}", Shape.Jsonl, Utf8(WithField(0, "label", JsonNode.Parse(other))), Expect.Any);
        }

        foreach (var wrong in new[] { "-0.1", "1.5", "2", "-1", "1e999", "-1e999", "99999999999999999999", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"abc\"", "true", "[]", "{}", "[0.5]", "{\"v\": 0.5}", "\"0,5\"", "\"1.5\"" })
        {
            yield return new Case($"confidence {wrong}", Shape.Jsonl, Utf8(WithField(0, "confidence", JsonNode.Parse(wrong))), Expect.Fail, ErrorLines: [1]);
        }

        foreach (var (text, value) in new (string, double?)[] { ("null", null), ("\"0.5\"", 0.5), ("1", 1), ("0", 0), ("1e-400", 0), ("\" 0.25 \"", 0.25), ("1.0e-1", 0.1), ("\"\"", null) })
        {
            yield return new Case($"confidence {text}", Shape.Jsonl, Utf8(WithField(0, "confidence", JsonNode.Parse(text))), Expect.Succeed, [JsonlPredictions[0] with { Confidence = value }, .. JsonlPredictions[1..]]);
        }

        foreach (var bare in new[] { "NaN", "Infinity", "-Infinity", "0x1", "+0.5", ".5", "1.", "01" })
        {
            yield return new Case($"confidence written as {bare}", Shape.Jsonl, Utf8(WithLine(0, JsonlLines[0].Replace("0.9", bare, StringComparison.Ordinal))), Expect.Fail, ErrorLines: [1]);
        }

        foreach (var field in new[] { "example_id", "label" })
        {
            yield return new Case($"no {field}", Shape.Jsonl, Utf8(WithField(2, field, null, remove: true)), Expect.Fail, ErrorLines: [3]);
        }

        foreach (var notAnObject in new[] { "[]", "42", "\"x\"", "null", "true", "[{\"example_id\": 15, \"label\": \"a\"}]", "{", "}", "{\"example_id\": 15, \"label\": \"a\"", "{\"example_id\": 15 \"label\": \"a\"}", "{'example_id': 15}", "{\"example_id\": 15, \"label\": \"a\",}" })
        {
            yield return new Case($"line {notAnObject}", Shape.Jsonl, Utf8(WithLine(1, notAnObject)), Expect.Fail, ErrorLines: [2]);
        }

        foreach (var depth in new[] { 63, 65, 1000, 10_000 })
        {
            yield return new Case($"{depth} '[' as a line", Shape.Jsonl, Utf8(WithLine(1, new string('[', depth) + new string(']', depth))), Expect.Fail, ErrorLines: [2]);
            yield return new Case($"{depth} unclosed '['", Shape.Jsonl, Utf8(WithLine(1, new string('[', depth))), Expect.Fail, ErrorLines: [2]);
            yield return new Case($"example_id nested {depth} deep", Shape.Jsonl, Utf8(WithLine(1, "{\"example_id\": " + new string('[', depth) + "13" + new string(']', depth) + ", \"label\": \"a\"}")), Expect.Fail, ErrorLines: [2]);
            yield return new Case($"{depth} nested objects", Shape.Jsonl, Utf8(WithLine(1, string.Concat(Enumerable.Repeat("{\"a\": ", depth)) + "1" + new string('}', depth))), Expect.Fail, ErrorLines: [2]);
        }

        yield return new Case("repeated example_id", Shape.Jsonl, Utf8(Jsonl + """{"example_id": 12, "label": "again"}""" + "\n"), Expect.Fail, ErrorLines: [4]);
        yield return new Case("repeated example_id as text", Shape.Jsonl, Utf8(Jsonl + """{"example_id": " 012 ", "label": "again"}""" + "\n"), Expect.Fail, ErrorLines: [4]);
        yield return new Case("repeated example_id, CRLF", Shape.Jsonl, Utf8(Crlf(Jsonl + """{"example_id": 12, "label": "again"}""" + "\n")), Expect.Fail, ErrorLines: [4]);
        yield return new Case("repeated keys", Shape.Jsonl, Utf8("""{"example_id": 15, "example_id": 16, "label": "a", "label": "b"}""" + "\n"), Expect.Any);
        yield return new Case("many bad lines", Shape.Jsonl, Utf8(string.Concat(Enumerable.Range(1, 150).Select(i => $"{{\"example_id\": {-i}, \"label\": \"a\"}}\n"))), Expect.Fail);
        yield return new Case("very long label", Shape.Jsonl, Utf8($"{{\"example_id\": 1, \"label\": \"{new string('x', 200_000)}\"}}\n"), Expect.Succeed, [new Prediction(1, new string('x', 200_000), null, 1)]);
        yield return new Case("many lines", Shape.Jsonl, Utf8(string.Concat(Enumerable.Range(1, 5000).Select(i => $"{{\"example_id\": {i}, \"label\": \"a\"}}\n"))), Expect.Succeed,
            [.. Enumerable.Range(1, 5000).Select(i => new Prediction(i, "a", null, i))]);

        foreach (var (name, bad) in new[]
                 {
                     ("example_id abc", "abc,x,0.5"), ("example_id -1", "-1,x,"), ("example_id 0", "0,x,"), ("example_id 1.5", "1.5,x,"), ("no example_id", ",x,0.5"),
                     ("example_id too large", "99999999999999999999,x,"), ("no label", "12,,0.5"), ("blank label", "12,\"  \",0.5"), ("confidence 1.5", "12,x,1.5"),
                     ("confidence NaN", "12,x,NaN"), ("confidence -0.1", "12,x,-0.1"), ("confidence 1e999", "12,x,1e999"), ("confidence abc", "12,x,abc"),
                     ("repeated example_id", "7,again,"), ("row ends before the label", "12"),
                 })
        {
            // After the two-line label the bad row is on line 8; CRLF must not move it.
            yield return new Case($"CSV {name}", Shape.Csv, Utf8(Csv + bad + "\n"), Expect.Fail, ErrorLines: [8]);
            yield return new Case($"CSV {name}, CRLF", Shape.Csv, Utf8(Crlf(Csv + bad + "\n")), Expect.Fail, ErrorLines: [8]);
        }

        foreach (var unterminated in new[] { "12,\"never closed\n", "12,\"never closed", "12,\"x,0.5\n13,y,\n", "\"" })
        {
            yield return new Case("CSV unterminated quote", Shape.Csv, Utf8(Csv + unterminated), Expect.Fail);
            yield return new Case("CSV unterminated quote, CRLF", Shape.Csv, Utf8(Crlf(Csv + unterminated)), Expect.Fail);
        }

        foreach (var ragged in new[] { "12,x", "12,x,0.5,extra", "12,x,0.5,,,,", "12,\"x\"y,0.5", "12,x\"y,0.5" })
        {
            yield return new Case($"CSV ragged row {ragged}", Shape.Csv, Utf8(Csv + ragged + "\n"), Expect.Any);
        }

        foreach (var header in new[] { "example_id,confidence", "label,confidence", "id,label", "example_id;label", "\"example_id,label\"", "\"example_id" })
        {
            yield return new Case($"CSV header {header}", Shape.Csv, Utf8(header + "\n12,x\n"), Expect.Fail, ErrorLines: [1]);
        }

        yield return new Case("CSV header only, no final line break", Shape.Csv, Utf8("example_id,label"), Expect.Fail);
        yield return new Case("CSV with repeated header columns", Shape.Csv, Utf8("example_id,label,label\n12,x,y\n"), Expect.Any);
        yield return new Case("JSONL named .csv", Shape.Jsonl, jsonl, Expect.Fail) { FileName = "p.csv" };
        yield return new Case("CSV named .jsonl", Shape.Csv, csv, Expect.Fail) { FileName = "p.jsonl" };
    }

    [Fact]
    public async Task Parse_HostileFiles_ValidationErrorsOnLinesTheFileHasNeverACrash()
    {
        var failures = new List<string>();
        var count = 0;
        foreach (var item in Cases())
        {
            var text = await EvalFileParser.ReadTextAsync(new MemoryStream(item.Bytes), CancellationToken.None);
            foreach (var fileName in item.FileName is { } named ? [named] : new[] { null, item.Shape == Shape.Csv ? "p.csv" : "p.jsonl" })
            {
                count++;
                failures.AddRange(Check(item, text, fileName).Select(problem => $"{item.Kind} ({fileName ?? "no name"}): {problem} — {Shorten(text)}"));
            }
        }

        count.ShouldBeGreaterThan(1200);
        failures.ShouldBeEmpty(string.Join("\n", failures.Take(30)));
    }

    [Fact]
    public void Parse_TextWithRawLoneSurrogates_NeverCrashes()
    {
        // Only a caller holding a string can pass a lone UTF-16 surrogate; ReadTextAsync never makes one.
        var random = new Random(Seed);
        var failures = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var (shape, template) = i % 2 == 0 ? (Shape.Jsonl, Jsonl) : (Shape.Csv, Csv);
            var text = template.Insert(random.Next(template.Length + 1), random.Next(2) == 0 ? "\ud800" : "\udc00");
            failures.AddRange(Check(new Case("lone surrogate", shape, [], Expect.Any), text, null).Select(problem => $"{problem} — {Shorten(text)}"));
        }

        // A BOM left in the text (decoded without a StreamReader) is no reason to crash either.
        failures.AddRange(Check(new Case("BOM character", Shape.Jsonl, [], Expect.Any), "\uFEFF" + Jsonl, null));
        failures.AddRange(Check(new Case("BOM character", Shape.Jsonl, [], Expect.Any), "\uFEFF" + Jsonl, "p.jsonl"));
        failures.AddRange(Check(new Case("BOM character", Shape.Csv, [], Expect.Any), "\uFEFF" + Csv, "p.csv"));
        failures.ShouldBeEmpty(string.Join("\n", failures.Take(30)));
    }

    private static IEnumerable<string> Check(Case item, string text, string? fileName)
    {
        IReadOnlyList<Prediction> predictions;
        IReadOnlyList<InputError> errors;
        try
        {
            predictions = PredictionFileParser.Parse(text, fileName);
            errors = [];
        }
        catch (StudioValidationException ex)
        {
            predictions = [];
            errors = ex.Errors;
            if (errors.Count == 0 || ex.TotalCount < errors.Count || errors.Count > EvalFileParser.MaxErrors)
            {
                return [$"a validation error listing {errors.Count} errors of {ex.TotalCount}"];
            }
        }
        catch (Exception ex)
        {
            return [$"threw {ex.GetType().Name}: {ex.Message}"];
        }

        var problems = new List<string>();
        var lines = LineCount(text);
        problems.AddRange(errors.Where(e => e.Line is null ? e.Field != "file" : e.Line < 1 || e.Line > lines)
            .Select(e => $"the error \"{e}\" names no line of the file's {lines}"));
        problems.AddRange(predictions.Where(p => p.ExampleId <= 0 || p.Label.Length == 0 || p.Label != p.Label.Trim() || p.Confidence is < 0 or > 1 or double.NaN || p.Line is not { } line || line < 1 || line > lines)
            .Select(p => $"an impossible prediction came back: {p}"));
        if (predictions.Select(p => p.ExampleId).Distinct().Count() != predictions.Count)
        {
            problems.Add("an example_id came back twice");
        }

        switch (item.Expect)
        {
            case Expect.Fail when errors.Count == 0:
                problems.Add($"no error; read {predictions.Count} predictions");
                break;
            case Expect.Succeed when errors.Count > 0:
                problems.Add($"errors on a valid file: {string.Join("; ", errors.Take(5))}");
                break;
            case Expect.Succeed when item.Predictions is { } expected && !predictions.SequenceEqual(expected):
                problems.Add($"read [{string.Join(", ", predictions.Take(5))}], expected [{string.Join(", ", expected.Take(5))}]");
                break;
        }

        if (item.ErrorLines is { } errorLines && !errors.Select(e => e.Line ?? 0).Order().SequenceEqual(errorLines))
        {
            problems.Add($"errors on lines [{string.Join(", ", errors.Select(e => e.Line))}], expected [{string.Join(", ", errorLines)}]: {string.Join("; ", errors.Take(3))}");
        }

        return problems;
    }

    /// <summary>Whether a file cut here can hold no valid reading: a JSONL line cut inside its object, or a CSV cut before its first row.</summary>
    private static bool TruncationBreaks(Shape shape, string cut)
    {
        if (shape == Shape.Csv)
        {
            return cut.Length <= Csv.IndexOf('\n', StringComparison.Ordinal) + 1;
        }

        var last = cut[(cut.LastIndexOf('\n') + 1)..];
        return string.IsNullOrWhiteSpace(cut) || (last.Trim().Length > 0 && !last.TrimEnd().EndsWith('}'));
    }

    /// <summary>The JSONL template with line <paramref name="index"/> replaced.</summary>
    private static string WithLine(int index, string line) =>
        string.Join("\n", JsonlLines.Select((l, i) => i == index ? line : l)) + "\n";

    /// <summary>The JSONL template with one field of line <paramref name="index"/> set to <paramref name="value"/> (or removed).</summary>
    private static string WithField(int index, string field, JsonNode? value, bool remove = false)
    {
        var line = JsonNode.Parse(JsonlLines[index])!.AsObject();
        if (remove)
        {
            line.Remove(field);
        }
        else
        {
            line[field] = value;
        }

        return WithLine(index, line.ToJsonString());
    }
}
