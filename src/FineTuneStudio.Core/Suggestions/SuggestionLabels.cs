namespace FineTuneStudio.Core.Suggestions;

/// <summary>Which of a dataset's labels a model's free-text answer names, if any.</summary>
public static class SuggestionLabels
{
    /// <summary>
    /// The label the answer is, ignoring case, surrounding white space, quotes and a closing full stop
    /// (models add them even when told not to); null when it is none of the labels.
    /// </summary>
    public static string? Match(string? answer, IReadOnlyList<string> labels)
    {
        if (string.IsNullOrWhiteSpace(answer))
        {
            return null;
        }

        var text = answer.Trim().TrimEnd('.').Trim().Trim('"', '\'', '`', '*').Trim();
        return labels.FirstOrDefault(l => string.Equals(l, text, StringComparison.Ordinal))
            ?? labels.FirstOrDefault(l => string.Equals(l, text, StringComparison.OrdinalIgnoreCase));
    }
}
