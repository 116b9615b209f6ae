namespace FineTuneStudio.Core;

/// <summary>Lists in messages: a long list (a thousand labels) is cut and says how many it left out.</summary>
public static class ListText
{
    /// <summary>"a, b, c" or "a, b, c and 997 more".</summary>
    public static string Capped(IReadOnlyCollection<string> items, int max)
    {
        var shown = string.Join(", ", items.Take(max));
        return items.Count > max ? $"{shown} and {items.Count - max:N0} more" : shown;
    }

    /// <summary>The closing line of a capped list of problems, or null when every one was listed.</summary>
    public static string? MoreLine(int listed, int total, string noun) =>
        total > listed ? $"… and {total - listed:N0} more {noun}" : null;

    /// <summary>"1 record", "2 records", "12,000 records" (or "12000 records" with <paramref name="format"/> "D", for output scripts read).</summary>
    public static string Counted(int count, string noun, string format = "N0") =>
        count == 1 ? $"1 {noun}" : $"{count.ToString(format, System.Globalization.CultureInfo.InvariantCulture)} {noun}s";

    /// <summary>"2 records have problems and 9,998 have none", for the choice a refused import offers.</summary>
    public static string ProblemCounts(int invalid, int valid, string noun) =>
        $"{Counted(invalid, noun)} {(invalid == 1 ? "has" : "have")} problems and {valid:N0} {(valid == 1 ? "has" : "have")} none";
}
