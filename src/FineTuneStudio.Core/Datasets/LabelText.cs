namespace FineTuneStudio.Core.Datasets;

/// <summary>Labels and per-label answers as people type or paste them: one per line, or separated by commas.</summary>
public static class LabelText
{
    /// <summary>Past this many labels a picker offers a search box instead of one chip per label.</summary>
    public const int MaxChips = 30;

    /// <summary>The labels containing the text (any case), in the dataset's order, at most <paramref name="max"/>.</summary>
    public static IReadOnlyList<string> Search(IReadOnlyList<string> labels, string? text, int max = 50) =>
        labels.Where(l => string.IsNullOrWhiteSpace(text) || l.Contains(text.Trim(), StringComparison.OrdinalIgnoreCase)).Take(max).ToList();

    /// <summary>One label per line; a single line is split at commas. Blank lines and lines starting with # are skipped.</summary>
    public static IReadOnlyList<string> ParseLabels(string? text)
    {
        var lines = (text ?? "").Split('\n').Select(l => l.Trim().TrimEnd('\r')).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        return lines.Count == 1 ? lines[0].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : lines;
    }

    /// <summary>Lines of <c>label | answer text</c>; throws naming the line when the bar is missing.</summary>
    public static IReadOnlyDictionary<string, string> ParseAnswers(string? text)
    {
        var answers = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new List<InputError>();
        var number = 0;
        foreach (var raw in (text ?? "").Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var bar = line.IndexOf('|', StringComparison.Ordinal);
            if (bar <= 0)
            {
                errors.Add(new InputError("labelAnswers", "write the label, a bar and its answer, as in urgent | This needs a reply today.", number));
                continue;
            }

            if (!answers.TryAdd(line[..bar].Trim(), line[(bar + 1)..].Trim()))
            {
                errors.Add(new InputError("labelAnswers", $"'{line[..bar].Trim()}' has an answer already", number));
            }
        }

        return errors.Count > 0 ? throw new StudioValidationException(errors) : answers;
    }
}
