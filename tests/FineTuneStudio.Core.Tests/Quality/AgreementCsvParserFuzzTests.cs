using System.Text;
using FineTuneStudio.Core.Quality;
using static FineTuneStudio.Core.Tests.Support.FuzzInputs;

namespace FineTuneStudio.Core.Tests.Quality;

/// <summary>
/// Hostile rating files generated from a fixed seed, read through both entry points (the CLI's stream and text): the
/// parser never throws, every error names a line the file has (or is about the whole file), a file with an error
/// yields no ratings, and a clearly broken file yields an error.
/// </summary>
public class AgreementCsvParserFuzzTests
{
    private const int Seed = 20251203;

    // A quoted comma, an empty label (a skip), doubled quotes and a label over two lines, so line numbers are not row numbers.
    private const string Template = "item,rater,label\n1,ana,urgent\n1,ben,low\n2,ana,\"low, maybe\"\n2,ben,\n3,\"cara \"\"c\"\"\",urgent\n3,ana,\"two\nlines\"\n";
    private const int TemplateRatings = 6;

    public enum Expect
    {
        Any,
        Fail,
        Succeed,
    }

    /// <param name="ErrorLines">When set, exactly these lines must carry the errors.</param>
    /// <param name="Ratings">When set (with <see cref="Expect.Succeed"/>), the number of ratings read.</param>
    public sealed record Case(string Kind, byte[] Bytes, Expect Expect, int[]? ErrorLines = null, int? Ratings = null);

    private static IEnumerable<Case> Cases()
    {
        var random = new Random(Seed);
        var template = Utf8(Template);

        for (var cut = 0; cut < template.Length; cut += 2)
        {
            // Cut inside or right after the header, no rating is left; later cuts may end on a row boundary.
            yield return new Case($"truncated at {cut}", template[..cut], cut <= Template.IndexOf('\n', StringComparison.Ordinal) + 1 ? Expect.Fail : Expect.Any);
        }

        for (var i = 0; i < 150; i++)
        {
            yield return new Case("byte flips", FlipBytes(random, template), Expect.Any);
        }

        for (var i = 0; i < 20; i++)
        {
            yield return new Case("NUL inserted", InsertAt(template, random.Next(template.Length + 1), [0x00]), Expect.Any);
            yield return new Case("invalid UTF-8 inserted", InsertAt(template, random.Next(template.Length + 1), InvalidUtf8[random.Next(InvalidUtf8.Length)]), Expect.Any);
            yield return new Case("quote inserted", InsertAt(template, random.Next(template.Length + 1), "\""u8.ToArray()), Expect.Any);
            yield return new Case("line break inserted", InsertAt(template, random.Next(template.Length + 1), random.Next(2) == 0 ? "\n"u8.ToArray() : "\r"u8.ToArray()), Expect.Any);
        }

        yield return new Case("UTF-8 BOM", [.. Bom, .. template], Expect.Succeed, Ratings: TemplateRatings);
        yield return new Case("CRLF line ends", Utf8(Template.Replace("\n", "\r\n", StringComparison.Ordinal)), Expect.Succeed, Ratings: TemplateRatings);
        yield return new Case("BOM and CRLF", [.. Bom, .. Utf8(Template.Replace("\n", "\r\n", StringComparison.Ordinal))], Expect.Succeed, Ratings: TemplateRatings);
        yield return new Case("CR line ends", Utf8(Template.Replace("\n", "\r", StringComparison.Ordinal)), Expect.Any);
        yield return new Case("no final line break", template[..^1], Expect.Succeed, Ratings: TemplateRatings);
        yield return new Case("empty lines between rows", Utf8(Template.Replace("\n1,ben", "\n\n\n1,ben", StringComparison.Ordinal) + "\n\n"), Expect.Succeed, Ratings: TemplateRatings);
        yield return new Case("whitespace-only lines", Utf8(Template.Replace("\n1,ben", "\n   \n\t\n1,ben", StringComparison.Ordinal)), Expect.Any);

        // A bad row after the two-line label is on line 10; CRLF and blank lines must not move it.
        foreach (var (name, bad) in new[] { ("empty item", ",ana,x"), ("empty rater", "5,,x"), ("quoted empty item", "\"\",ana,x"), ("blank item", "   ,ana,x"), ("repeated rating", "1,ana,again") })
        {
            yield return new Case(name, Utf8(Template + "4,ben,ok\n" + bad + "\n"), Expect.Fail, [10]);
            yield return new Case($"{name}, CRLF", Utf8((Template + "4,ben,ok\n" + bad + "\n").Replace("\n", "\r\n", StringComparison.Ordinal)), Expect.Fail, [10]);
            yield return new Case($"{name}, after empty lines", Utf8(Template + "\n\n4,ben,ok\n" + bad + "\n"), Expect.Fail, [12]);
        }

        foreach (var unterminated in new[] { "4,ana,\"never closed\n", "4,ana,\"never closed", "4,\"ana,x\n5,ben,y\n", "\"" })
        {
            yield return new Case("unterminated quote", Utf8(Template + unterminated), Expect.Fail);
            yield return new Case("unterminated quote, CRLF", Utf8((Template + unterminated).Replace("\n", "\r\n", StringComparison.Ordinal)), Expect.Fail);
        }

        foreach (var junk in new[] { "4,\"ana\"x,y\n", "4,an\"a,x\n", "4,\"a\"\"\n", "\"4\" ,ana,x\n" })
        {
            yield return new Case("stray quote", Utf8(Template + junk), Expect.Any);
        }

        foreach (var shortRow in new[] { "4,ana", "4", "4,", "," })
        {
            // A row that ends before the label column is no skip (that is an empty label in its place, as "2,ben,").
            yield return new Case($"short row {shortRow}", Utf8(Template + shortRow + "\n"), Expect.Fail, [9]);
            yield return new Case($"short row {shortRow} mid-file", Utf8(Template.Replace("1,ben,low\n", "1,ben,low\n" + shortRow + "\n", StringComparison.Ordinal)), Expect.Fail, [4]);
        }

        foreach (var longRow in new[] { "4,ana,x,extra", "4,ana,x,,,,,,", "4,ana,x,\"q\",\"r\"" })
        {
            yield return new Case($"long row {longRow}", Utf8(Template + longRow + "\n"), Expect.Any);
        }

        foreach (var header in new[] { "item,rater,label\n", "item,rater,label", "item,rater,label\r\n", "Label,Item,Rater,Comment\n", "item,rater,label\n\n\n" })
        {
            yield return new Case($"header only {Shorten(header)}", Utf8(header), Expect.Fail);
        }

        foreach (var header in new[] { "item,rater", "rater,label", "a,b,c", "itemrater,label", "\"item,rater,label\"", "item;rater;label", "\"item" })
        {
            yield return new Case($"header {header}", Utf8(header + "\n1,ana,x\n"), Expect.Fail, [1]);
        }

        yield return new Case("empty first line, then no header", Utf8("\n1,ana,x\n"), Expect.Fail);

        yield return new Case("repeated header columns", Utf8("item,item,rater,label,label\n1,1,ana,x,y\n"), Expect.Any);
        yield return new Case("header repeated as a row", Utf8(Template + "item,rater,label\n"), Expect.Any);

        foreach (var empty in new[] { "", "\n", "\r\n\r\n", "   ", "\0", "\uFEFF" })
        {
            yield return new Case($"empty file {Shorten(empty)}", Utf8(empty), Expect.Fail);
        }

        yield return new Case("only a BOM", Bom, Expect.Fail);

        // Labels are free text: numbers too large for any type, text that looks like deep JSON and very long text are read as written.
        foreach (var label in new[] { "1e999", "99999999999999999999", "NaN", "-Infinity", new string('[', 10_000), "{\"a\": [1, {\"b\": null}]}", new string('x', 100_000), "\\ud800", "é😀" })
        {
            yield return new Case($"label {Shorten(label)}", Utf8($"item,rater,label\n1,ana,\"{label.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n"), Expect.Succeed, Ratings: 1);
        }

        yield return new Case("many bad rows", Utf8("item,rater,label\n" + string.Concat(Enumerable.Range(0, 150).Select(i => $",r{i},x\n"))), Expect.Fail);
        yield return new Case("very long line", Utf8("item,rater,label\n" + new string('1', 200_000) + ",ana,x\n"), Expect.Succeed, Ratings: 1);
        yield return new Case("many columns", Utf8(string.Join(",", Enumerable.Range(0, 5000).Select(i => $"c{i}")) + ",item,rater,label\n" + new string(',', 5000) + "1,ana,x\n"), Expect.Succeed, Ratings: 1);
    }

    [Fact]
    public void Parse_HostileFiles_NeverThrowAndNameLinesTheFileHas()
    {
        var parser = new AgreementCsvParser();
        var failures = new List<string>();
        var count = 0;
        foreach (var item in Cases())
        {
            // The CLI hands over the file as a stream; the text entry point gets what a StreamReader makes of the bytes.
            foreach (var (entry, parse) in new (string, Func<AgreementCsvResult>)[]
                     {
                         ("stream", () => parser.Parse(new MemoryStream(item.Bytes))),
                         ("text", () => parser.Parse(Decode(item.Bytes))),
                     })
            {
                count++;
                AgreementCsvResult result;
                try
                {
                    result = parse();
                }
                catch (Exception ex)
                {
                    failures.Add($"{item.Kind} ({entry}): threw {ex.GetType().Name}: {ex.Message}");
                    continue;
                }

                failures.AddRange(Check(item, result).Select(problem => $"{item.Kind} ({entry}): {problem} — {Shorten(Decode(item.Bytes))}"));
            }
        }

        count.ShouldBeGreaterThan(700);
        failures.ShouldBeEmpty(string.Join("\n", failures.Take(30)));
    }

    [Fact]
    public void Parse_TextWithRawLoneSurrogates_NeverThrows()
    {
        // Only the text entry point can be handed a lone UTF-16 surrogate; a StreamReader never makes one.
        var random = new Random(Seed);
        var parser = new AgreementCsvParser();
        var failures = new List<string>();
        for (var i = 0; i < 40; i++)
        {
            var text = Template.Insert(random.Next(Template.Length + 1), random.Next(2) == 0 ? "\ud800" : "\udc00");
            try
            {
                var result = parser.Parse(text);
                failures.AddRange(Check(new Case("lone surrogate", Encoding.UTF8.GetBytes(text), Expect.Any), result, LineCount(text)));
            }
            catch (Exception ex)
            {
                failures.Add($"threw {ex.GetType().Name}: {ex.Message} — {Shorten(text)}");
            }
        }

        failures.ShouldBeEmpty(string.Join("\n", failures.Take(30)));
    }

    private static IEnumerable<string> Check(Case item, AgreementCsvResult result, int? lineCount = null)
    {
        var lines = lineCount ?? LineCount(Decode(item.Bytes));
        foreach (var error in result.Errors)
        {
            if (error.Line is null ? error.Field != "file" : error.Line < 1 || error.Line > lines)
            {
                yield return $"the error \"{error}\" names no line of the file's {lines}";
            }
        }

        if (result.Errors.Count > 0 && result.Ratings.Count > 0)
        {
            yield return $"{result.Ratings.Count} ratings came back beside errors";
        }

        if (result.Errors.Count > AgreementCsvParser.MaxErrors)
        {
            yield return $"{result.Errors.Count} errors listed, more than {AgreementCsvParser.MaxErrors}";
        }

        if (result.Ratings.Any(r => r.ItemId.Length == 0 || r.RaterId.Length == 0))
        {
            yield return "a rating without an item or rater came back";
        }

        switch (item.Expect)
        {
            case Expect.Fail when result.Errors.Count == 0:
                yield return $"no error; read {result.Ratings.Count} ratings";
                break;
            case Expect.Succeed when result.Errors.Count > 0:
                yield return $"errors on a valid file: {string.Join("; ", result.Errors)}";
                break;
            case Expect.Succeed when item.Ratings is { } expected && result.Ratings.Count != expected:
                yield return $"read {result.Ratings.Count} ratings, expected {expected}";
                break;
        }

        if (item.ErrorLines is { } errorLines && !result.Errors.Select(e => e.Line ?? 0).Order().SequenceEqual(errorLines))
        {
            yield return $"errors on lines [{string.Join(", ", result.Errors.Select(e => e.Line))}], expected [{string.Join(", ", errorLines)}]";
        }
    }
}
