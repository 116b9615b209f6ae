using System.Globalization;
using FineTuneStudio.Core.Evaluation;

namespace FineTuneStudio.Core.Suggestions;

/// <summary>
/// Reads a team's own model predictions: JSONL lines <c>{"example_id": 12, "label": "urgent", "confidence": 0.9}</c>
/// or CSV with the columns example_id, label and an optional confidence. Every problem is reported with its line and
/// field, and a file with any problem yields nothing (the rows are read as eval files are, by <see cref="EvalFileParser"/>).
/// Whether the ids and labels exist in the dataset is for the service to check.
/// </summary>
public static class PredictionFileParser
{
    public static IReadOnlyList<Prediction> Parse(string text, string? fileName = null) => Parse(new StringReader(text), fileName);

    /// <summary>The predictions, read line by line: what is kept is the predictions, not the file.</summary>
    public static IReadOnlyList<Prediction> Parse(TextReader text, string? fileName = null)
    {
        var errors = new EvalFileParser.ErrorList();
        var predictions = new List<Prediction>();
        var seen = new Dictionary<int, int>();
        foreach (var row in EvalFileParser.ReadRows(text, fileName, ["example_id", "label"], errors))
        {
            try
            {
                Read(row);
            }
            catch (InvalidOperationException)
            {
                // A JSON string with a lone surrogate escape ("\ud800") parses but cannot be read as text.
                errors.Add("line", "The line holds an invalid \\u escape (a lone UTF-16 surrogate).", row.Line);
            }
        }

        if (predictions.Count == 0 && errors.Total == 0)
        {
            errors.Add("file", "The file has no predictions.", null);
        }

        errors.ThrowIfAny();
        return predictions;

        void Read(EvalFileParser.Row row)
        {
            var id = row.Get("example_id")?.Trim();
            if (string.IsNullOrEmpty(id))
            {
                errors.Add("example_id", "The line has no example_id.", row.Line);
                return;
            }

            if (!int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var exampleId) || exampleId <= 0)
            {
                errors.Add("example_id", "The example_id must be a positive whole number.", row.Line);
                return;
            }

            if (seen.TryGetValue(exampleId, out var firstLine))
            {
                errors.Add("example_id", $"Example {exampleId} was already given on line {firstLine}.", row.Line);
                return;
            }

            seen[exampleId] = row.Line;
            var label = row.Get("label")?.Trim();
            if (string.IsNullOrEmpty(label))
            {
                errors.Add("label", "The line has no label.", row.Line);
                return;
            }

            if (!TryConfidence(row.Get("confidence"), out var confidence))
            {
                errors.Add("confidence", "The confidence must be a number from 0 to 1 (or left out).", row.Line);
                return;
            }

            predictions.Add(new Prediction(exampleId, label, confidence, row.Line));
        }
    }

    private static bool TryConfidence(string? text, out double? confidence)
    {
        confidence = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is >= 0 and <= 1)
        {
            confidence = value;
            return true;
        }

        return false;
    }
}
