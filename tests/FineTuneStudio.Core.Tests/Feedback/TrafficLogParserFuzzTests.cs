using System.Text;
using FineTuneStudio.Core.Feedback;
using FineTuneStudio.Core.Tests.Support;
using static FineTuneStudio.Core.Tests.Support.FuzzInputs;

namespace FineTuneStudio.Core.Tests.Feedback;

/// <summary>
/// Traffic logs mangled from a fixed seed: every line must come back as an entry or as errors on its own line,
/// never as an exception, and the log's good lines must stay good.
/// </summary>
public sealed class TrafficLogParserFuzzTests
{
    private const int Seed = 20261209;

    /// <summary>Small, so a long line is cheap to make; the template's lines are far shorter.</summary>
    private const int MaxLineBytes = 4096;

    private static readonly string[] Lines =
    [
        """{"timestamp": "2026-03-02T09:30:00+01:00", "prompt": "Printer is on fire", "response": "critical", "model": "ft:urgency-v1", "latency_ms": 412.6, "rating": 5}""",
        """{"timestamp": 1772444400, "messages": [{"role": "system", "content": "Sort tickets."}, {"role": "user", "content": "Password reset"}], "response": "low"}""",
        """{"timestamp": "2026-03-03T10:00:00Z", "messages": [{"role": "user", "content": "VPN down"}, {"role": "assistant", "content": "Restart it"}, {"role": "user", "content": "Still down"}], "response": "high", "rating": -1, "latency_ms": 0, "model": null}""",
    ];

    private static readonly string Template = string.Join("\n", Lines) + "\n";

    private static IEnumerable<FuzzCase> Cases()
    {
        var random = new Random(Seed);
        var bytes = Utf8(Template);
        yield return new FuzzCase("as written", bytes, FuzzOutcome.Accepted);
        yield return new FuzzCase("CRLF line ends", Utf8(WithCrlf(Template)), FuzzOutcome.Accepted);
        yield return new FuzzCase("UTF-8 BOM", Concat(Bom, bytes), FuzzOutcome.Accepted);
        yield return new FuzzCase("BOM and CRLF", Concat(Bom, Utf8(WithCrlf(Template))), FuzzOutcome.Accepted);
        yield return new FuzzCase("no final line break", Utf8(Template.TrimEnd('\n')), FuzzOutcome.Accepted);
        yield return new FuzzCase("blank and whitespace lines", Utf8("\n" + string.Join("\n \t\n\n", Lines) + "\n\r\n"), FuzzOutcome.Accepted);

        yield return new FuzzCase("empty file", [], FuzzOutcome.Refused, On(1));
        yield return new FuzzCase("blank lines only", Utf8("\n \n\t\r\n"), FuzzOutcome.Refused, On(1));
        yield return new FuzzCase("a BOM only", Bom, FuzzOutcome.Refused, On(1));
        yield return new FuzzCase("NUL bytes only", new byte[64], FuzzOutcome.Refused, On(1));
        yield return new FuzzCase("UTF-16 text", Encoding.Unicode.GetBytes(Template), FuzzOutcome.Refused);
        yield return new FuzzCase("a CSV file", Utf8("timestamp,prompt,response\n2026-03-02T09:30:00Z,hi,low\n"), FuzzOutcome.Refused, On(1, 2));
        yield return new FuzzCase("one JSON array of records", Utf8("[" + string.Join(",", Lines) + "]"), FuzzOutcome.Refused, On(1));
        yield return new FuzzCase("a line over the limit", Utf8(Lines[0] + "\n" + Lines[1].Replace("Sort tickets.", new string('x', MaxLineBytes), StringComparison.Ordinal) + "\n" + Lines[2]), FuzzOutcome.Refused, On(2));
        yield return new FuzzCase("a last line over the limit, unterminated", Utf8(Lines[0] + "\n" + new string('{', MaxLineBytes * 3)), FuzzOutcome.Refused, On(2));

        foreach (var (cut, part) in Truncations(bytes, 3))
        {
            // A cut inside a line leaves a partial record there; a cut at a line's end leaves a shorter log.
            var outcome = cut == 0 || EndsMidLine(bytes, cut) ? FuzzOutcome.Refused : FuzzOutcome.Accepted;
            yield return new FuzzCase($"cut at byte {cut}", part, outcome, On(LineAt(bytes, cut)));
        }

        for (var i = 0; i < 150; i++)
        {
            // A flip may leave a valid log (a letter changed inside a text), so only the rules on errors hold.
            yield return new FuzzCase("byte flips", FlipBytes(random, bytes), FuzzOutcome.Either);
        }

        for (var n = 0; n < Lines.Length; n++)
        {
            var number = n + 1;
            var line = Lines[n];
            foreach (var path in Paths(line))
            {
                foreach (var value in JsonValues)
                {
                    yield return new FuzzCase($"line {number} {path} = {Shorten(value)}", Utf8(WithLine(n, WithValue(line, path, value))), Expect(Shape(path), value), On(number));
                }
            }

            var start = Utf8(string.Concat(Lines.Take(n).Select(l => l + "\n"))).Length;
            for (var i = 0; i < 6; i++)
            {
                var inLine = start + random.Next(Utf8(line).Length);
                yield return new FuzzCase($"line {number} invalid UTF-8", InsertAt(bytes, inLine, InvalidUtf8[random.Next(InvalidUtf8.Length)]), FuzzOutcome.Refused, On(number));
                yield return new FuzzCase($"line {number} raw NUL", InsertAt(bytes, inLine, [0]), FuzzOutcome.Refused, On(number));
                yield return new FuzzCase($"line {number} BOM between tokens", Utf8(WithLine(n, line.Insert(StructuralPosition(line, random), "\uFEFF"))), FuzzOutcome.Refused, On(number));
                // In a key it may only rename a field the log does not need, so this is not always an error.
                yield return new FuzzCase($"line {number} lone surrogate in a string", Utf8(WithLine(n, line.Insert(StringStart(line, random), SurrogateEscapes[random.Next(SurrogateEscapes.Length)]))), FuzzOutcome.Either, On(number));
            }

            yield return new FuzzCase($"line {number} after a BOM", Utf8(WithLine(n, "\uFEFF" + line)), n == 0 ? FuzzOutcome.Accepted : FuzzOutcome.Either, On(number));
            yield return new FuzzCase($"line {number} a key with a lone surrogate", Utf8(WithLine(n, "{\"\\ud800\": 1, " + line[1..])), FuzzOutcome.Either, On(number));
            yield return new FuzzCase($"line {number} duplicate keys", Utf8(WithLine(n, line[..^1] + ", " + line[1..])), FuzzOutcome.Either, On(number));
            foreach (var (kind, hostile) in HostileLines())
            {
                yield return new FuzzCase($"line {number} replaced by {kind}", Utf8(WithLine(n, hostile)), FuzzOutcome.Refused, On(number));
            }
        }
    }

    private static IEnumerable<(string Kind, string Line)> HostileLines()
    {
        yield return ("10,000 '['", new string('[', 10_000));
        yield return ("10,000 unclosed '{'", new string('{', 10_000));
        yield return ("10,000 nested messages", "{\"timestamp\": 1, \"messages\": " + new string('[', 10_000) + new string(']', 10_000) + ", \"response\": \"x\"}");
        yield return ("10,000 nested objects", string.Concat(Enumerable.Repeat("{\"a\": ", 10_000)) + "1" + new string('}', 10_000));
        yield return ("a bare array", "[1, 2]");
        yield return ("a bare string", "\"hello\"");
        yield return ("a bare number", "1e999");
        yield return ("null", "null");
        yield return ("an empty object", "{}");
        yield return ("not JSON", "timestamp: 1, prompt: hi");
        yield return ("NaN", "{\"timestamp\": NaN, \"prompt\": \"x\", \"response\": \"y\"}");
        yield return ("two records on one line", Lines[0] + " " + Lines[0]);
        yield return ("a lone surrogate in a key, then cut short", "{\"\\ud800\": 1, \"prompt\": \"x\", \"resp");
        yield return ("a lone surrogate in a key, then not JSON", "{\"\\udc00\": 1, \"prompt\": x}");
        yield return ("both prompt and messages", Lines[1].Replace("\"response\"", "\"prompt\": \"x\", \"response\"", StringComparison.Ordinal));
        yield return ("no user turn", Lines[1].Replace("\"user\"", "\"assistant\"", StringComparison.Ordinal));
        yield return ("a time without an offset", Lines[0].Replace("+01:00", "", StringComparison.Ordinal));
        yield return ("a time that is not one", Lines[0].Replace("2026-03-02", "2026-13-45", StringComparison.Ordinal));
        yield return ("year 10000 in seconds", Lines[1].Replace("1772444400", "253402300800", StringComparison.Ordinal));
        yield return ("the first instant with an offset before it", Lines[0].Replace("2026-03-02T09:30:00+01:00", "0001-01-01T00:00:00+01:00", StringComparison.Ordinal));
        yield return ("the last instant with an offset after it", Lines[0].Replace("2026-03-02T09:30:00+01:00", "9999-12-31T23:59:59-01:00", StringComparison.Ordinal));
    }

    /// <summary>What replacing a field with a raw value must give, by the log's documented fields.</summary>
    private static FuzzOutcome Expect(string path, string value)
    {
        if (IsUnstorable(value))
        {
            return FuzzOutcome.Refused;
        }

        var text = IsText(value);
        return path switch
        {
            "timestamp" => value == "42" ? FuzzOutcome.Accepted : FuzzOutcome.Refused,
            "prompt" => text && !IsBlankString(value) ? FuzzOutcome.Accepted : FuzzOutcome.Refused,
            "response" or "messages[].content" => text ? FuzzOutcome.Accepted : FuzzOutcome.Refused,
            "model" => text || value == "null" ? FuzzOutcome.Accepted : FuzzOutcome.Refused,
            "latency_ms" => value is "42" or "0.5" or "null" ? FuzzOutcome.Accepted : FuzzOutcome.Refused,
            "rating" => value is "42" or "-1" or "null" ? FuzzOutcome.Accepted : FuzzOutcome.Refused,
            "messages" or "messages[]" or "messages[].role" => FuzzOutcome.Refused,
            _ => FuzzOutcome.Either,
        };
    }

    [Fact]
    public async Task MangledLogs_AreEntriesOrErrorsOnTheirOwnLines_NeverAnException()
    {
        var (count, failures) = await RunAsync(Cases(), async item =>
        {
            var rows = await ParseAsync(item.Bytes);
            var errors = rows.SelectMany(r => r.Errors).ToList();
            return Problems(item, errors, Encoding.UTF8.GetString(item.Bytes)).Concat(rows
                .Where(r => (r.Entry is null) == (r.Errors.Count == 0) || r.Errors.Any(e => e.Line != r.Line) || r.Entry is { } entry && entry.Line != r.Line)
                .Select(r => $"{item.Kind}: row {r.Line} is not an entry or errors on its own line: {string.Join("; ", r.Errors)}"));
        });

        count.ShouldBeGreaterThan(1000);
        failures.ShouldBeEmpty(string.Join("\n", failures.Take(40)));
    }

    private static async Task<List<TrafficLogRow>> ParseAsync(byte[] bytes)
    {
        var rows = new List<TrafficLogRow>();
        await foreach (var row in new TrafficLogParser(MaxLineBytes).ParseAsync(new MemoryStream(bytes), CancellationToken.None))
        {
            rows.Add(row);
        }

        return rows;
    }

    private static string WithLine(int index, string line) => string.Join("\n", Lines.Select((l, i) => i == index ? line : l)) + "\n";
}
