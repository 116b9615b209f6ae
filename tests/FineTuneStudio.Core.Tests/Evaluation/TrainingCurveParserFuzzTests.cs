using System.Text;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Tests.Support;
using static FineTuneStudio.Core.Tests.Support.FuzzInputs;

namespace FineTuneStudio.Core.Tests.Evaluation;

/// <summary>
/// Results CSVs mangled from a fixed seed, read as an upload is (bytes through <see cref="EvalFileParser.ReadTextAsync"/>)
/// and through <see cref="TrainerLogParser"/>, which hands CSV on: each must give points or a
/// <see cref="StudioValidationException"/> whose errors name lines of the file.
/// </summary>
public sealed class TrainingCurveParserFuzzTests
{
    private const int Seed = 20261208;

    private const string Header = "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy";

    private static readonly string[] Rows = ["10,2.31,0.41,,", "20,2.05,0.45,2.10,0.44", "30,1.87,0.49,,", "40,1.70,\"0.52\",1.80,0.50"];

    private static readonly string Template = string.Join("\n", [Header, .. Rows]) + "\n";

    private static readonly string[] Cells =
    [
        "", " ", "x", "NaN", "Infinity", "-Infinity", "1e999", "-1e999", "99999999999999999999", "-1", "0.5", "7", " 7 ", "1.5e-3",
        "\"0.5\"", "\"\"", "\"unterminated", "\"closed\"after", "a\"b", "\0", "1\0", "\"multi\nline\"", new string('[', 10_000), "١٢", "1,5",
    ];

    private static IEnumerable<FuzzCase> Cases()
    {
        var random = new Random(Seed);
        var bytes = Utf8(Template);
        yield return new FuzzCase("as written", bytes, FuzzOutcome.Accepted);
        yield return new FuzzCase("CRLF line ends", Utf8(WithCrlf(Template)), FuzzOutcome.Accepted);
        yield return new FuzzCase("UTF-8 BOM", Concat(Bom, bytes), FuzzOutcome.Accepted);
        yield return new FuzzCase("BOM and CRLF", Concat(Bom, Utf8(WithCrlf(Template))), FuzzOutcome.Accepted);
        yield return new FuzzCase("no final line break", Utf8(Template.TrimEnd('\n')), FuzzOutcome.Accepted);
        yield return new FuzzCase("empty lines", Utf8(Template.Replace("\n", "\n\n", StringComparison.Ordinal)), FuzzOutcome.Accepted);
        yield return new FuzzCase("rows out of order", Utf8(string.Join("\n", [Header, .. Rows.Reverse()])), FuzzOutcome.Accepted);
        yield return new FuzzCase("header in capitals", Utf8(Template.Replace(Header, Header.ToUpperInvariant(), StringComparison.Ordinal)), FuzzOutcome.Accepted);
        yield return new FuzzCase("header with spaces", Utf8(Template.Replace(Header, Header.Replace(",", " , ", StringComparison.Ordinal), StringComparison.Ordinal)), FuzzOutcome.Accepted);
        yield return new FuzzCase("header of aliases", Utf8(Template.Replace(Header, "step,training_loss,training_accuracy,eval_loss,eval_accuracy", StringComparison.Ordinal)), FuzzOutcome.Accepted);
        yield return new FuzzCase("step only with one value column", Utf8("step,valid_loss\n1,\n2,1.5\n"), FuzzOutcome.Accepted);

        yield return new FuzzCase("empty file", [], FuzzOutcome.Refused);
        yield return new FuzzCase("a BOM only", Bom, FuzzOutcome.Refused);
        yield return new FuzzCase("blank lines only", Utf8("\n\n\r\n"), FuzzOutcome.Refused);
        yield return new FuzzCase("header only", Utf8(Header + "\n"), FuzzOutcome.Refused);
        yield return new FuzzCase("header only, no line break", Utf8(Header), FuzzOutcome.Refused);
        yield return new FuzzCase("no step column", Utf8(Template.Replace("step,", "epoch,", StringComparison.Ordinal)), FuzzOutcome.Refused, On(1));
        yield return new FuzzCase("no value column", Utf8("step,lr\n1,0.1\n"), FuzzOutcome.Refused, On(1));
        yield return new FuzzCase("header with an unclosed quote", Utf8("\"" + Template), FuzzOutcome.Refused, On(1));
        yield return new FuzzCase("a step twice", Utf8(Template + Rows[1] + "\n"), FuzzOutcome.Refused, On(Rows.Length + 2));
        yield return new FuzzCase("NUL bytes only", new byte[64], FuzzOutcome.Refused);
        yield return new FuzzCase("UTF-16 text", Encoding.Unicode.GetBytes(Template), FuzzOutcome.Refused);
        yield return new FuzzCase("JSON instead", Utf8("""{"step": 1, "train_loss": 2.0}"""), FuzzOutcome.Refused);
        yield return new FuzzCase("10,000 '['", Utf8(new string('[', 10_000)), FuzzOutcome.Refused);
        yield return new FuzzCase("semicolons", Utf8(Template.Replace(',', ';')), FuzzOutcome.Either);
        yield return new FuzzCase("tabs", Utf8(Template.Replace(',', '\t')), FuzzOutcome.Either);
        var many = Header + "\n" + string.Concat(Enumerable.Range(1, 150).Select(i => $"{i},x,,,\n"));
        yield return new FuzzCase("150 bad rows (more errors than are listed)", Utf8(many), FuzzOutcome.Refused, On([.. Enumerable.Range(2, 150)]));

        foreach (var (cut, part) in Truncations(bytes, 2))
        {
            // Up to the end of the header nothing is left to read; after it, a row cut short may still be a row.
            yield return new FuzzCase($"cut at byte {cut}", part, cut <= Header.Length ? FuzzOutcome.Refused : FuzzOutcome.Either);
        }

        for (var i = 0; i < 200; i++)
        {
            // A flip may leave a valid file (a digit changed), so only the rules on errors hold.
            yield return new FuzzCase("byte flips", FlipBytes(random, bytes), FuzzOutcome.Either);
        }

        var columns = Header.Split(',');
        for (var r = 0; r < Rows.Length; r++)
        {
            var line = r + 2;
            var cells = Rows[r].Split(',');
            for (var c = 0; c < columns.Length; c++)
            {
                foreach (var cell in Cells)
                {
                    var changed = cells.ToArray();
                    changed[c] = cell;
                    yield return new FuzzCase($"line {line} {columns[c]} = {Shorten(cell)}", Utf8(WithRow(r, string.Join(",", changed))), Expect(columns[c], cell), On(line));
                }
            }

            yield return new FuzzCase($"line {line} ragged: step only", Utf8(WithRow(r, cells[0])), FuzzOutcome.Either, On(line));
            yield return new FuzzCase($"line {line} ragged: extra cells", Utf8(WithRow(r, Rows[r] + ",1,\"2\"")), FuzzOutcome.Either, On(line));
            yield return new FuzzCase($"line {line} ragged: empty cells only", Utf8(WithRow(r, ",,,,")), FuzzOutcome.Refused, On(line));
            var rowStart = Template.IndexOf(Rows[r], StringComparison.Ordinal);
            yield return new FuzzCase($"line {line} NUL inserted", InsertAt(bytes, rowStart + random.Next(Rows[r].Length), [0]), FuzzOutcome.Either, On(line));
            yield return new FuzzCase($"line {line} invalid UTF-8", InsertAt(bytes, rowStart + random.Next(Rows[r].Length), InvalidUtf8[random.Next(InvalidUtf8.Length)]), FuzzOutcome.Either, On(line));

            // A lone UTF-16 surrogate has no bytes: given as a string, as a caller holding text would.
            var raw = WithRow(r, Rows[r].Insert(random.Next(Rows[r].Length), random.Next(2) == 0 ? "\ud800" : "\udc00"));
            yield return new FuzzCase($"line {line} raw lone surrogate", Utf8(raw), FuzzOutcome.Either, On(line)) { RawText = raw };
        }
    }

    /// <summary>A changed cell: quoting mistakes are refused; the step must be a new whole number, the rest finite numbers or blank.</summary>
    private static FuzzOutcome Expect(string column, string cell)
    {
        if (cell is "\"unterminated" or "\"closed\"after")
        {
            return FuzzOutcome.Refused;
        }

        // "1\0": .NET number parsing ignores trailing NULs, so the cell reads as 1.
        if (cell is "1,5" or "a\"b" or "1\0")
        {
            return FuzzOutcome.Either;
        }

        if (column == "step")
        {
            return cell is "7" or " 7 " ? FuzzOutcome.Accepted : FuzzOutcome.Refused;
        }

        return cell is "" or " " or "\"\"" or "-1" or "0.5" or "7" or " 7 " or "1.5e-3" or "\"0.5\"" or "99999999999999999999"
            ? FuzzOutcome.Accepted
            : FuzzOutcome.Refused;
    }

    [Fact]
    public async Task MangledResultsCsv_IsPointsOrErrorsNamingTheirLines_NeverAnotherException()
    {
        var (count, failures) = await RunAsync(Cases(), async item =>
        {
            var (errors, text) = await ParseAsync(item);
            return Problems(item, errors, text);
        });

        count.ShouldBeGreaterThan(800);
        failures.ShouldBeEmpty(string.Join("\n", failures.Take(40)));
    }

    /// <summary>The errors reported (none: points were read), by both entry points, which must agree.</summary>
    private static async Task<(IReadOnlyList<InputError> Errors, string Text)> ParseAsync(FuzzCase item)
    {
        var text = item.RawText ?? await EvalFileParser.ReadTextAsync(new MemoryStream(item.Bytes), CancellationToken.None);
        var direct = Errors(() => TrainingCurveParser.Parse(text).ShouldNotBeEmpty());
        if (!text.AsSpan().TrimStart("\uFEFF \t\r\n").StartsWith("{"))
        {
            Errors(() => TrainerLogParser.Parse(text).Points.ShouldNotBeEmpty()).ShouldBe(direct);
        }

        return (direct, text);
    }

    private static IReadOnlyList<InputError> Errors(Action parse)
    {
        try
        {
            parse();
            return [];
        }
        catch (StudioValidationException e)
        {
            e.TotalCount.ShouldBeGreaterThanOrEqualTo(e.Errors.Count);
            return e.Errors.Count == 0 ? [new InputError("", "a validation exception without errors")] : e.Errors;
        }
    }

    private static string WithRow(int index, string row) => string.Join("\n", [Header, .. Rows.Select((r, i) => i == index ? row : r)]) + "\n";
}
