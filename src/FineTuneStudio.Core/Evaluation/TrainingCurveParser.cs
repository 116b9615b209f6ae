using System.Globalization;
using CsvHelper;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// Reads a provider's training results CSV: <c>step</c> plus any of <c>train_loss</c>,
/// <c>train_accuracy</c> / <c>train_mean_token_accuracy</c>, <c>valid_loss</c>,
/// <c>valid_mean_token_accuracy</c> / <c>valid_accuracy</c>. Empty cells are missing values (providers
/// evaluate only every few steps). Any bad cell rejects the file with its line and column.
/// </summary>
public static class TrainingCurveParser
{
    private static readonly string[][] Aliases =
    [
        ["train_loss", "training_loss"],
        ["train_accuracy", "train_mean_token_accuracy", "training_accuracy"],
        ["valid_loss", "validation_loss", "eval_loss"],
        ["valid_mean_token_accuracy", "valid_accuracy", "validation_accuracy", "eval_accuracy"],
    ];

    public static IReadOnlyList<CurvePoint> Parse(string text)
    {
        var errors = new List<InputError>();
        var total = 0;
        var points = new List<CurvePoint>();
        using var reader = CsvReader.FromText(text, new CsvReaderOptions { HasHeader = true, TrackLineNumbers = true, SkipEmptyLines = true, TrimWhitespace = true, MalformedData = CsvMalformedDataHandling.Throw });
        try
        {
            var headers = reader.Headers.Select(h => h.Trim().ToLowerInvariant()).ToList();
            // Bedrock's customization jobs write step_number and epoch_number (step_wise_training_metrics.csv, validation_metrics.csv).
            var step = headers.IndexOf("step") is >= 0 and var plain ? plain : headers.IndexOf("step_number");
            var epoch = headers.IndexOf("epoch") is >= 0 and var named ? named : headers.IndexOf("epoch_number");
            var columns = Aliases.Select(names => names.Select(n => (Name: n, Index: headers.IndexOf(n))).FirstOrDefault(x => x.Index >= 0)).ToArray();
            if (step < 0 || columns.All(c => c.Name is null))
            {
                throw new StudioValidationException([new InputError("header", "The header needs a step (or step_number) column and at least one of train_loss, train_accuracy, valid_loss, valid_mean_token_accuracy (or training_loss, validation_loss).", 1)]);
            }

            var seen = new HashSet<int>();
            while (reader.Read())
            {
                var line = (int)reader.LineNumber;
                if (!int.TryParse(reader.GetString(step), NumberStyles.Integer, CultureInfo.InvariantCulture, out var stepValue) || stepValue < 0)
                {
                    Add(new InputError("step", $"\"{reader.GetString(step)}\" is not a whole number of steps.", line));
                    continue;
                }

                if (!seen.Add(stepValue))
                {
                    Add(new InputError("step", $"Step {stepValue} appears twice.", line));
                    continue;
                }

                var values = new double?[4];
                var ok = true;
                for (var c = 0; c < 4; c++)
                {
                    if (columns[c].Name is null)
                    {
                        continue;
                    }

                    var cell = reader.GetString(columns[c].Index).Trim();
                    if (cell.Length == 0)
                    {
                        continue;
                    }

                    if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
                    {
                        values[c] = value;
                    }
                    else
                    {
                        Add(new InputError(columns[c].Name!, $"\"{cell}\" is not a number.", line));
                        ok = false;
                    }
                }

                double? epochValue = null;
                if (epoch >= 0 && reader.GetString(epoch).Trim() is { Length: > 0 } epochCell)
                {
                    if (double.TryParse(epochCell, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed) && parsed >= 0)
                    {
                        epochValue = parsed;
                    }
                    else
                    {
                        Add(new InputError(headers[epoch], $"\"{epochCell}\" is not a number of epochs.", line));
                        ok = false;
                    }
                }

                if (ok)
                {
                    points.Add(new CurvePoint(stepValue, values[0], values[1], values[2], values[3], epochValue));
                }
            }
        }
        catch (CsvFormatException e)
        {
            Add(new InputError("file", "The file is not valid CSV from here on: " + e.Message, (int?)e.LineNumber));
        }

        if (total == 0 && points.Count == 0)
        {
            Add(new InputError("file", "The file has no rows."));
        }

        if (total > 0)
        {
            throw new StudioValidationException(errors, total);
        }

        return points.OrderBy(p => p.Step).ToList();

        void Add(InputError error)
        {
            total++;
            if (errors.Count < EvalFileParser.MaxErrors)
            {
                errors.Add(error);
            }
        }
    }
}
