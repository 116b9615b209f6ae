using System.Runtime.InteropServices;
using System.Text.Json;

namespace FineTuneStudio.Core.Imports;

/// <summary>Reading values out of a parsed record with every problem reported against its field.</summary>
internal static class JsonReading
{
    /// <summary>Bookkeeping keys any shape may carry; they hold no training content and are dropped without a warning.</summary>
    public static readonly string[] BookkeepingKeys = ["id", "idx", "index"];

    public static string? ReadString(JsonElement owner, string name, string path, RecordIssues issues, bool required)
    {
        if (!owner.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                issues.Add(path, "is missing");
            }

            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : issues.Fail<string>(path, $"must be a string, found {Describe(value)}");
    }

    /// <summary>
    /// The one key of a group of synonyms (<c>output</c> or <c>response</c>) the record gives, null when it gives none.
    /// Two at once is an error on the second: which one holds the part cannot be guessed, and reading one would
    /// silently drop the other.
    /// </summary>
    public static bool TryGetOneOf(JsonElement record, string[] synonyms, RecordIssues issues, out string? key)
    {
        var given = synonyms.Where(k => record.TryGetProperty(k, out var v) && v.ValueKind != JsonValueKind.Null).Take(2).ToList();
        key = given.FirstOrDefault();
        if (given.Count > 1)
        {
            issues.Add(given[1], $"and {given[0]} are both given and mean the same part; keep one");
            return false;
        }

        return true;
    }

    /// <summary>
    /// A 0/1 flag (a turn's weight), written as an integer or as Python's float (SlimOrca and OpenHermes give
    /// <c>1.0</c>); any other number, 0.5 included, is not a flag.
    /// </summary>
    public static bool TryReadZeroOrOne(JsonElement value, out int flag)
    {
        var ok = value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && number is 0 or 1;
        flag = ok ? (int)value.GetDouble() : 0;
        return ok;
    }

    /// <summary>Warns once for every key of <paramref name="item"/> that is neither in <paramref name="known"/> nor bookkeeping.</summary>
    public static void WarnUnknownKeys(JsonElement item, string path, RecordIssues issues, params ReadOnlySpan<string> known)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in item.EnumerateObject())
        {
            if (!known.Contains(property.Name) && !BookkeepingKeys.Contains(property.Name))
            {
                issues.Warn(path.Length == 0 ? property.Name : $"{path}.{property.Name}", "unknown key, not imported");
            }
        }
    }

    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true/false",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    public static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";

    /// <summary>
    /// Checks what System.Text.Json lets through but the importer must not: a key given twice (the parser would
    /// silently keep one of them), escapes that decode to an unpaired surrogate (reading such a string throws),
    /// and NUL characters (PostgreSQL cannot store them in text). Run before mapping, so every later string
    /// read is safe.
    /// </summary>
    public static void CheckValues(JsonElement value, string path, RecordIssues issues)
    {
        // Nearly every record is clean: the allocation-free pass keeps the cost of paths and names to the few that are not.
        if (!IsClean(value))
        {
            Explain(value, path, issues);
        }
    }

    private static bool IsClean(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = 0;
                foreach (var property in value.EnumerateObject())
                {
                    var raw = JsonMarshal.GetRawUtf8PropertyName(property);
                    // Past a few dozen keys the pairwise look-back would grow quadratic; the explaining pass uses a set.
                    if (seen >= 32 || raw.IndexOf((byte)'\\') >= 0 || AppearsBefore(value, raw, seen++) || !IsClean(property.Value))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    if (!IsClean(item))
                    {
                        return false;
                    }
                }

                return true;
            case JsonValueKind.String:
                return JsonMarshal.GetRawUtf8Value(value).IndexOf("\\u"u8) < 0;
            default:
                return true;
        }
    }

    /// <summary>Whether one of the first <paramref name="count"/> keys of the object is <paramref name="name"/> (unescaped).</summary>
    private static bool AppearsBefore(JsonElement owner, ReadOnlySpan<byte> name, int count)
    {
        foreach (var earlier in owner.EnumerateObject())
        {
            if (count-- == 0)
            {
                return false;
            }

            if (earlier.NameEquals(name))
            {
                return true;
            }
        }

        return false;
    }

    private static void Explain(JsonElement value, string path, RecordIssues issues)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                HashSet<string>? names = null;
                foreach (var property in value.EnumerateObject())
                {
                    var raw = JsonMarshal.GetRawUtf8PropertyName(property);
                    if (raw.IndexOf((byte)'\\') >= 0 && !Decodes(() => property.Name, raw, path, issues, "a key"))
                    {
                        continue;
                    }

                    var name = property.Name;
                    if (!(names ??= new HashSet<string>(StringComparer.Ordinal)).Add(name))
                    {
                        issues.Add(path.Length == 0 ? "record" : path, $"key '{Shorten(name)}' appears twice; keep one");
                        continue;
                    }

                    CheckValues(property.Value, path.Length == 0 ? name : $"{path}.{name}", issues);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    CheckValues(item, $"{(path.Length == 0 ? "record" : path)}[{index++}]", issues);
                }

                break;
            case JsonValueKind.String:
                var bytes = JsonMarshal.GetRawUtf8Value(value);
                if (bytes.IndexOf("\\u"u8) >= 0)
                {
                    Decodes(value.GetString, bytes, path, issues, "the text");
                }

                break;
        }
    }

    /// <summary>Only escaped text can hold a lone surrogate or a NUL: raw ones are invalid UTF-8 or invalid JSON.</summary>
    private static bool Decodes(Func<string?> read, ReadOnlySpan<byte> raw, string path, RecordIssues issues, string what)
    {
        var field = path.Length == 0 ? "record" : path;
        string? decoded;
        try
        {
            decoded = read();
        }
        catch (InvalidOperationException)
        {
            issues.Add(field, $"{what} contains an unpaired surrogate {FindSurrogateEscape(System.Text.Encoding.UTF8.GetString(raw))}; write the whole character or remove it");
            return false;
        }

        if (decoded is not null && decoded.Contains('\0'))
        {
            issues.Add(field, $"{what} contains a NUL character (\\u0000), which cannot be stored; remove it");
            return false;
        }

        return true;
    }

    private static string FindSurrogateEscape(string raw)
    {
        var match = System.Text.RegularExpressions.Regex.Match(raw, @"\\u[dD][89a-fA-F][0-9a-fA-F]{2}");
        return match.Success ? match.Value.ToLowerInvariant() : "escape";
    }
}
