namespace FineTuneStudio.Core.Evaluation;

public sealed record ClassScores(string Label, int Support, int Predicted, int TruePositives, double Precision, double Recall, double F1);

/// <summary>
/// Accuracy, per-class precision / recall / F1, macro-F1 and the confusion matrix. Rows are the
/// expected labels, columns the predicted ones; a prediction outside the label set goes to an
/// extra "(other)" column and counts against precision of no class.
/// </summary>
public sealed record ClassificationReport(
    int Total,
    int Correct,
    double Accuracy,
    double MacroF1,
    IReadOnlyList<ClassScores> Classes,
    IReadOnlyList<string> Columns,
    IReadOnlyList<IReadOnlyList<int>> Matrix);

public static class ClassificationMetrics
{
    public const string OtherColumn = "(other)";

    /// <summary>Labels are compared after <see cref="EvalMetrics.Normalise"/>; names are shown as expected.</summary>
    public static ClassificationReport Compute(IEnumerable<(string Expected, string? Predicted)> pairs)
    {
        var list = pairs.ToList();
        var byKey = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (expected, _) in list)
        {
            byKey.TryAdd(EvalMetrics.Normalise(expected), expected.Trim());
        }

        var keys = byKey.Keys.ToList();
        var index = keys.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => x.i);
        var hasOther = false;
        var matrix = new int[keys.Count, keys.Count + 1];
        foreach (var (expected, predicted) in list)
        {
            var row = index[EvalMetrics.Normalise(expected)];
            if (!index.TryGetValue(EvalMetrics.Normalise(predicted), out var column))
            {
                column = keys.Count;
                hasOther = true;
            }

            matrix[row, column]++;
        }

        var classes = new List<ClassScores>();
        for (var i = 0; i < keys.Count; i++)
        {
            var tp = matrix[i, i];
            var support = Enumerable.Range(0, keys.Count + 1).Sum(c => matrix[i, c]);
            var predictedCount = Enumerable.Range(0, keys.Count).Sum(r => matrix[r, i]);
            var precision = predictedCount == 0 ? 0 : (double)tp / predictedCount;
            var recall = support == 0 ? 0 : (double)tp / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            classes.Add(new ClassScores(byKey[keys[i]], support, predictedCount, tp, precision, recall, f1));
        }

        var correct = classes.Sum(c => c.TruePositives);
        var columns = classes.Select(c => c.Label).ToList();
        var width = keys.Count + (hasOther ? 1 : 0);
        if (hasOther)
        {
            columns.Add(OtherColumn);
        }

        var rows = Enumerable.Range(0, keys.Count)
            .Select(r => (IReadOnlyList<int>)Enumerable.Range(0, width).Select(c => matrix[r, c]).ToList()).ToList();
        return new ClassificationReport(
            list.Count,
            correct,
            list.Count == 0 ? 0 : (double)correct / list.Count,
            classes.Count == 0 ? 0 : classes.Average(c => c.F1),
            classes,
            columns,
            rows);
    }
}
