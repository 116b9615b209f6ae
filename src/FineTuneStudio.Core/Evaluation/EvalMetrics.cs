using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// Per-item automatic metrics. Pass/fail metrics score 1 or 0; length ratio is a plain number;
/// null means the metric does not apply to the item (no schema, empty expected output).
/// </summary>
public static class EvalMetrics
{
    public const string Exact = "exact";
    public const string Normalised = "normalised";
    public const string Contains = "contains";
    public const string Regex = "regex";
    public const string JsonValid = "json-valid";
    public const string JsonSchema = "json-schema";
    public const string LengthRatio = "length-ratio";
    /// <summary>Worked answers (GSM8K): the output's final number equals the expected one's.</summary>
    public const string FinalNumber = "final-number";
    /// <summary>Per item: the output names the item's label (normalised). Per run: share of right labels.</summary>
    public const string Accuracy = "accuracy";
    /// <summary>Run-level only: mean F1 over the expected labels.</summary>
    public const string MacroF1 = "macro-f1";

    public static IReadOnlyList<string> All { get; } = [Exact, Normalised, Contains, Regex, FinalNumber, JsonValid, JsonSchema, LengthRatio, Accuracy, MacroF1];

    /// <summary>Metrics whose per-item value is right (1) or wrong (0), so runs can be compared item by item.</summary>
    public static IReadOnlyList<string> PassFail { get; } = [Exact, Normalised, Contains, Regex, FinalNumber, JsonValid, JsonSchema, Accuracy];

    public static string Describe(string metric) => metric switch
    {
        Exact => "exact match",
        Normalised => "match ignoring case, spacing and punctuation",
        Contains => "output contains the expected text",
        Regex => "output matches the expected pattern",
        FinalNumber => "output's final number equals the expected answer's",
        JsonValid => "output is valid JSON",
        JsonSchema => "output follows the item's JSON schema",
        LengthRatio => "output length / expected length",
        Accuracy => "label accuracy",
        MacroF1 => "macro-F1 over labels",
        _ => metric,
    };

    /// <summary>Accepts "normalized", upper case and spaces; throws naming the unknown key.</summary>
    public static IReadOnlyList<string> ParseList(string? text, string field = "metrics")
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return [];
        }

        return ParseList(text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), field);
    }

    public static IReadOnlyList<string> ParseList(IEnumerable<string> keys, string field = "metrics")
    {
        var result = new List<string>();
        foreach (var raw in keys)
        {
            var key = raw.Trim().ToLowerInvariant().Replace("normalized", Normalised, StringComparison.Ordinal).Replace('_', '-');
            key = key switch { "json" => JsonValid, "schema" => JsonSchema, "length" => LengthRatio, "f1" => MacroF1, "final" or "final-answer" => FinalNumber, _ => key };
            if (!All.Contains(key))
            {
                throw new StudioValidationException(field, $"unknown metric '{raw}'; use {string.Join(", ", All)}");
            }

            if (!result.Contains(key))
            {
                result.Add(key);
            }
        }

        return result;
    }

    /// <summary>Lower case, punctuation and symbols dropped, white space folded to single spaces.</summary>
    public static string Normalise(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        var text = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value.Normalize(NormalizationForm.FormC))
        {
            var category = char.GetUnicodeCategory(c);
            if (char.IsPunctuation(c) || category is UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol)
            {
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                pendingSpace = text.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                text.Append(' ');
                pendingSpace = false;
            }

            text.Append(char.ToLowerInvariant(c));
        }

        return text.ToString();
    }

    public static bool IsExact(string? output, string expected) => string.Equals(output ?? "", expected, StringComparison.Ordinal);

    public static bool IsNormalisedMatch(string? output, string expected) => Normalise(output) == Normalise(expected);

    public static bool ContainsExpected(string? output, string expected) => Normalise(output).Contains(Normalise(expected), StringComparison.Ordinal);

    /// <summary>The expected text is a .NET regular expression; a bad pattern never matches.</summary>
    public static bool MatchesPattern(string? output, string pattern) => Matches(output, CompilePattern(pattern));

    /// <summary>
    /// Patterns come from uploaded eval sets, so they run on the non-backtracking engine: linear in the output's
    /// length, whatever the pattern. Constructs it cannot run (backreferences, lookarounds) or a pattern that does
    /// not parse give null, and null never matches.
    /// </summary>
    public static Regex? CompilePattern(string pattern)
    {
        try
        {
            return new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return null;
        }
    }

    public static bool Matches(string? output, Regex? pattern)
    {
        try
        {
            return pattern is not null && pattern.IsMatch(output ?? "");
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    /// <summary>Strict: a Markdown fence around the JSON fails, as it would for a program reading the reply.</summary>
    public static bool IsValidJson(string? output)
    {
        if (string.IsNullOrWhiteSpace(output))
        {
            return false;
        }

        try
        {
            using var _ = JsonDocument.Parse(output);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Schema errors of the output, or null when the output is not JSON at all.</summary>
    public static IReadOnlyList<string>? SchemaErrors(string? output, NJsonSchema.JsonSchema schema)
    {
        if (!IsValidJson(output))
        {
            return null;
        }

        return schema.Validate(output!).Select(e => $"{e.Path}: {e.Kind}").ToList();
    }

    /// <summary>
    /// True when both texts end in the same number: the one after the last "####" when a text has that marker (GSM8K's
    /// answer line), otherwise its last number. Thousands commas, a currency sign and trailing zeros do not count
    /// ("$1,200.00" is 1200), nor does a hyphen between numbers ("5-3" ends in 3); a text without a number never matches.
    /// </summary>
    public static bool HasSameFinalNumber(string? output, string expected) =>
        FinalNumberOf(output) is { } given && FinalNumberOf(expected) is { } wanted && given == wanted;

    /// <summary>The final number of a text as <see cref="HasSameFinalNumber"/> reads it; null when it has none.</summary>
    public static decimal? FinalNumberOf(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var marker = text.LastIndexOf("####", StringComparison.Ordinal);
        var numbers = NumberPattern.Matches(marker >= 0 ? text[(marker + 4)..] : text);
        if (numbers.Count == 0)
        {
            return null;
        }

        // After the marker the answer is the first number; in free text the last one is the conclusion.
        var chosen = marker >= 0 ? numbers[0].Value : numbers[^1].Value;
        return decimal.TryParse(chosen.Replace(",", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint,
            CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    private static readonly System.Text.RegularExpressions.Regex NumberPattern =
        new(@"(?:(?<![\w.])-)?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?", RegexOptions.CultureInvariant);

    public static double? RatioOfLength(string? output, string expected) =>
        expected.Length == 0 ? null : Math.Round((double)(output ?? "").Length / expected.Length, 4);
}
