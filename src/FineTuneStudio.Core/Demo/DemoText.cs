using System.Text;
using System.Text.RegularExpressions;

namespace FineTuneStudio.Core.Demo;

/// <summary>Small helpers for generating varied demo text from templates.</summary>
internal static partial class DemoText
{
    public static T Pick<T>(this Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    public static bool Chance(this Random random, double probability) => random.NextDouble() < probability;

    /// <summary>
    /// Replaces each <c>{slot}</c> with a random value of that slot. A slot used twice in one
    /// template gets the same value both times, so a sentence stays consistent.
    /// </summary>
    public static string Fill(string template, Random random, IReadOnlyDictionary<string, string[]> slots)
    {
        var chosen = new Dictionary<string, string>();
        return SlotPattern().Replace(template, match =>
        {
            var name = match.Groups[1].Value;
            if (!chosen.TryGetValue(name, out var value))
            {
                value = random.Pick(slots[name]);
                chosen[name] = value;
            }

            return value;
        });
    }

    /// <summary>Lower-cased word 3-grams; the demo uses them to keep unplanned tickets clearly apart.</summary>
    public static HashSet<string> WordShingles(string text)
    {
        var words = Words(text);
        var shingles = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + 2 < words.Count; i++)
        {
            shingles.Add($"{words[i]} {words[i + 1]} {words[i + 2]}");
        }

        return shingles;
    }

    public static double Jaccard(HashSet<string> a, HashSet<string> b)
    {
        if (a.Count == 0 && b.Count == 0)
        {
            return 1;
        }

        var shared = a.Count(b.Contains);
        return (double)shared / (a.Count + b.Count - shared);
    }

    private static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                current.Append(char.ToLowerInvariant(c));
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    [GeneratedRegex(@"\{([a-z0-9]+)\}")]
    private static partial Regex SlotPattern();
}
