using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FineTuneStudio.Core.Tests.Support;

/// <summary>What a fuzz case must come to. Either: a mutation that may leave valid input (a flipped letter inside a text).</summary>
public enum FuzzOutcome { Either, Refused, Accepted }

/// <summary>
/// One generated input. <see cref="Lines"/> are the lines errors may name, when the mutation is known to touch only
/// those (null: any line of the input). <see cref="RawText"/> is set for text that has no UTF-8 form (a lone UTF-16
/// surrogate), for parsers that take a string. <see cref="Source"/> names the template, for parsers of several files.
/// </summary>
public sealed record FuzzCase(string Kind, byte[] Bytes, FuzzOutcome Outcome, IReadOnlySet<int>? Lines = null)
{
    public string? RawText { get; init; }

    public string? Source { get; init; }

    public override string ToString() => Kind;
}

/// <summary>Mutations and checks shared by the parser fuzz tests; every random choice comes from the caller's seeded Random.</summary>
internal static partial class FuzzInputs
{
    /// <summary>Long enough for any parse of these small files; a case that takes longer is a hang.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(5);

    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private const string Marker = "__fuzz_value__";

    /// <summary>Raw JSON values put in place of each field: every JSON type, numbers no type can hold, blank and unreadable strings.</summary>
    public static readonly string[] JsonValues =
    [
        "42", "-1", "0.5", "1e999", "-1e999", "99999999999999999999", "\"x\"", "\"7\"", "\"\"", "\"  \"", "null", "true", "[]", "[1]", "{}",
        "\"\\ud800\"", "\"a\\udc00b\"", "\"\\udc00\\ud800\"", "\"a\\u0000b\"", new string('[', 10_000) + new string(']', 10_000),
    ];

    public static readonly string[] SurrogateEscapes = ["\\ud800", "\\udbff", "\\udc00", "\\udfff", "\\udc00\\ud800", "x\\ud83d"];

    public static readonly byte[][] InvalidUtf8 = [[0xFF], [0xC0, 0xAF], [0x80], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]];

    public static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    public static byte[] InsertAt(byte[] bytes, int at, byte[] insert) => [.. bytes.AsSpan(0, at), .. insert, .. bytes.AsSpan(at)];

    public static HashSet<int> On(params int[] lines) => [.. lines];

    public static bool IsSurrogate(string rawValue) => rawValue.Contains("\\ud", StringComparison.Ordinal);

    public static bool IsBlankString(string rawValue) => rawValue is "\"\"" or "\"  \"";

    /// <summary>A lone surrogate escape cannot be read as text, a NUL cannot be stored on PostgreSQL: the record is refused, whatever the field.</summary>
    public static bool IsUnstorable(string rawValue) => IsSurrogate(rawValue) || rawValue.Contains("\\u0000", StringComparison.Ordinal);

    public static bool IsText(string rawValue) => rawValue.StartsWith('"') && !IsUnstorable(rawValue);

    /// <summary>Lines as the parsers count them: CR, LF and CR LF each end one; an empty text is one empty line.</summary>
    public static int LineCount(string text) => LineBreak().Count(text) + 1;

    /// <summary>The 1-based line that byte <paramref name="offset"/> of <paramref name="bytes"/> is on (LF-separated).</summary>
    public static int LineAt(byte[] bytes, int offset) => bytes.AsSpan(0, offset).Count((byte)'\n') + 1;

    /// <summary>The template with 1 to 3 bytes overwritten at random.</summary>
    public static byte[] FlipBytes(Random random, byte[] template)
    {
        var bytes = (byte[])template.Clone();
        for (var flips = random.Next(1, 4); flips > 0; flips--)
        {
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
        }

        return bytes;
    }

    /// <summary>The template cut after every <paramref name="every"/> bytes, from nothing to all but the last byte.</summary>
    public static IEnumerable<(int Cut, byte[] Bytes)> Truncations(byte[] template, int every)
    {
        for (var cut = 0; cut < template.Length; cut += every)
        {
            yield return (cut, template[..cut]);
        }
    }

    /// <summary>Whether the text cut at <paramref name="cut"/> ends inside a line (a partial record), not at a line's end.</summary>
    public static bool EndsMidLine(byte[] template, int cut) => cut > 0 && template[cut - 1] != (byte)'\n' && template[cut] != (byte)'\n' && template[cut] != (byte)'\r';

    public static string WithCrlf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);

    /// <summary>A position just after the opening quote of a random string value or key.</summary>
    public static int StringStart(string json, Random random)
    {
        var quotes = Enumerable.Range(0, json.Length).Where(i => json[i] == '"' && (i == 0 || json[i - 1] != '\\')).Where((_, n) => n % 2 == 0).ToList();
        return quotes[random.Next(quotes.Count)] + 1;
    }

    /// <summary>A position between tokens (after a ',' ':' '{' or '['), outside any string.</summary>
    public static int StructuralPosition(string json, Random random)
    {
        var positions = new List<int>();
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            if (json[i] == '"' && (i == 0 || json[i - 1] != '\\'))
            {
                inString = !inString;
            }
            else if (!inString && json[i] is ',' or ':' or '{' or '[')
            {
                positions.Add(i + 1);
            }
        }

        return positions[random.Next(positions.Count)];
    }

    /// <summary>Every property and array element of a JSON record, as paths like <c>messages[1].content</c>.</summary>
    public static List<string> Paths(string json)
    {
        var paths = new List<string>();
        Collect(JsonNode.Parse(json)!, "", paths);
        return paths;
    }

    /// <summary>The path with array indexes dropped (<c>messages[].content</c>), for rules that hold for every element.</summary>
    public static string Shape(string path) => Index().Replace(path, "[]");

    /// <summary>The record with the value at <paramref name="path"/> replaced by <paramref name="rawValue"/>, written as it is.</summary>
    public static string WithValue(string json, string path, string rawValue)
    {
        var root = JsonNode.Parse(json)!;
        var steps = Steps().Matches(path).Select(m => m.Groups[2].Success ? (object)int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) : m.Groups[1].Value).ToList();
        var node = root;
        foreach (var step in steps[..^1])
        {
            node = step is int i ? node[i]! : node[(string)step]!;
        }

        if (steps[^1] is int index)
        {
            node[index] = Marker;
        }
        else
        {
            node[(string)steps[^1]] = Marker;
        }

        // Set through a marker: JsonNode would re-read or re-escape the hostile values (1e999, "\ud800") instead of writing them.
        return root.ToJsonString(Compact).Replace($"\"{Marker}\"", rawValue, StringComparison.Ordinal);
    }

    /// <summary>Runs a parse on the thread pool, so a hang fails the case instead of the whole test run.</summary>
    public static Task<T> WithinTimeAsync<T>(Func<Task<T>> parse) => Task.Run(parse).WaitAsync(Limit);

    /// <summary>Every case through <paramref name="check"/>, each within the time limit: its problems, or what it threw, are the failures.</summary>
    public static async Task<(int Count, List<string> Failures)> RunAsync(IEnumerable<FuzzCase> cases, Func<FuzzCase, Task<IEnumerable<string>>> check)
    {
        var failures = new List<string>();
        var count = 0;
        foreach (var item in cases)
        {
            count++;
            try
            {
                failures.AddRange(await WithinTimeAsync(() => check(item)));
            }
            catch (Exception ex)
            {
                failures.Add($"{item.Kind}: threw {ex.GetType().Name}: {ex.Message}");
            }
        }

        return (count, failures);
    }

    /// <summary>
    /// The rules every outcome keeps: each error says something and names a line of the input (or, with no line, is
    /// about the whole file), a line the mutation touched when that is known; broken input gets an error, valid input none.
    /// </summary>
    public static IEnumerable<string> Problems(FuzzCase item, IReadOnlyList<InputError> errors, string text)
    {
        var lines = LineCount(text);
        foreach (var error in errors)
        {
            if (string.IsNullOrWhiteSpace(error.Message) || string.IsNullOrWhiteSpace(error.Field))
            {
                yield return $"{item.Kind}: an error without a field or message: {error}";
            }
            else if (error.Line is null && error.Field != "file")
            {
                yield return $"{item.Kind}: an error without a line: {error}";
            }
            else if (error.Line is { } line && (line < 1 || line > lines))
            {
                yield return $"{item.Kind}: an error names line {line} of a {lines}-line input: {error}";
            }
            else if (error.Line is { } touched && item.Lines is { } allowed && !allowed.Contains(touched))
            {
                yield return $"{item.Kind}: an error on line {touched}, which the mutation did not touch (it touched {string.Join(", ", allowed)}): {error}";
            }
        }

        if (item.Outcome == FuzzOutcome.Refused && errors.Count == 0)
        {
            yield return $"{item.Kind}: accepted, but it is broken: {Shorten(text)}";
        }

        if (item.Outcome == FuzzOutcome.Accepted && errors.Count > 0)
        {
            yield return $"{item.Kind}: refused, but it is valid: {string.Join("; ", errors.Take(3))}";
        }
    }

    /// <summary>The text as uploads and the CLI read it: through a StreamReader, which drops a BOM and turns invalid UTF-8 into U+FFFD.</summary>
    public static string Decode(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes));
        return reader.ReadToEnd();
    }

    /// <summary>The start of a case for a failure message, its line breaks and NULs made visible.</summary>
    public static string Shorten(string text)
    {
        var visible = text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
        return visible.Length <= 160 ? visible : visible[..160] + "…";
    }

    private static void Collect(JsonNode node, string path, List<string> paths)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    var childPath = path.Length == 0 ? key : $"{path}.{key}";
                    paths.Add(childPath);
                    if (child is not null)
                    {
                        Collect(child, childPath, paths);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    paths.Add($"{path}[{i}]");
                    if (array[i] is { } child)
                    {
                        Collect(child, $"{path}[{i}]", paths);
                    }
                }

                break;
        }
    }

    [GeneratedRegex(@"\r\n|\r|\n")]
    private static partial Regex LineBreak();

    [GeneratedRegex(@"\[\d+\]")]
    private static partial Regex Index();

    [GeneratedRegex(@"([^.\[\]]+)|\[(\d+)\]")]
    private static partial Regex Steps();
}
