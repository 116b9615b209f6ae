namespace FineTuneStudio.Core.Suggestions;

/// <summary>What an endpoint is told before it sees an example: answer with exactly one of the labels, following the guidelines.</summary>
public static class SuggestionPrompt
{
    public static string Instructions(IReadOnlyList<string> labels, string? guidelines)
    {
        var text = "You label examples for a dataset. Answer with exactly one of these labels and nothing else:\n"
                   + string.Join("\n", labels.Select(l => "- " + l));
        return string.IsNullOrWhiteSpace(guidelines) ? text : text + "\n\nLabeling guidelines:\n" + guidelines.Trim();
    }
}
