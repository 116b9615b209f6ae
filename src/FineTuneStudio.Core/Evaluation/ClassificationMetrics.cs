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
    IReadOnlyList<IReadOnlyList<int>> Matrix)
{
    /// <summary>The column an output falls in: the class it names (compared normalised), or "(other)" for anything else, no output included.</summary>
    public string ColumnOf(string? predicted)
    {
        var key = EvalMetrics.Normalise(predicted);
        return Classes.FirstOrDefault(c => EvalMetrics.Normalise(c.Label) == key)?.Label ?? ClassificationMetrics.OtherColumn;
    }

    /// <summary>Whether an item with this expected label and output is counted in the cell (row = expected, column = predicted).</summary>
    public bool InCell(string row, string column, string? expected, string? predicted) =>
        expected is not null && EvalMetrics.Normalise(expected) == EvalMetrics.Normalise(row) && ColumnOf(predicted) == column;

    /// <summary>The count in a cell by its labels, 0 for labels the matrix does not have.</summary>
    public int Count(string row, string column)
    {
        var r = Classes.ToList().FindIndex(c => c.Label == row);
        var c = Columns.ToList().IndexOf(column);
        return r < 0 || c < 0 ? 0 : Matrix[r][c];
    }
}

/// <summary>One label's scores in a baseline and a candidate run; null where the run has no such label.</summary>
public sealed record ClassScoresCompared(string Label, ClassScores? Baseline, ClassScores? Candidate)
{
    public double? F1Change => Baseline is { } a && Candidate is { } b ? b.F1 - a.F1 : null;

    /// <summary>Labels of both runs, in the order of the baseline's then the candidate's new ones.</summary>
    public static IReadOnlyList<ClassScoresCompared> Of(ClassificationReport? baseline, ClassificationReport? candidate)
    {
        var a = baseline?.Classes ?? [];
        var b = candidate?.Classes ?? [];
        return a.Select(c => c.Label).Concat(b.Select(c => c.Label)).Distinct(StringComparer.Ordinal)
            .Select(label => new ClassScoresCompared(label, a.FirstOrDefault(c => c.Label == label), b.FirstOrDefault(c => c.Label == label)))
            .ToList();
    }
}

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
