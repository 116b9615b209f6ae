using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>A training log as read: which file it was and its points by step.</summary>
public sealed record TrainerLog(string Format, IReadOnlyList<CurvePoint> Points);

/// <summary>
/// Reads the training logs teams bring back: a provider's results CSV (<see cref="TrainingCurveParser"/>), the
/// Hugging Face Trainer's <c>trainer_state.json</c> (its <c>log_history</c>, which TRL, axolotl and Unsloth write), and
/// LLaMA-Factory's <c>trainer_log.jsonl</c>. Trainers log training and evaluation at the same step as separate entries;
/// they are merged into one point per step. Any bad entry rejects the file, naming the entry or line and the field.
/// </summary>
public static class TrainerLogParser
{
    public const string ResultsCsv = "results-csv";
    public const string HfTrainerState = "hf-trainer-state";
    public const string LlamaFactoryLog = "llamafactory-log";
    public const string BedrockMetrics = "bedrock-metrics";

    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static TrainerLog Parse(string text)
    {
        var start = text.AsSpan().TrimStart("\uFEFF \t\r\n");
        if (start.IsEmpty || start[0] != '{')
        {
            var header = start[..Math.Max(0, start.IndexOfAny('\r', '\n') is >= 0 and var end ? end : start.Length)];
            return new TrainerLog(header.Contains("step_number", StringComparison.OrdinalIgnoreCase) ? BedrockMetrics : ResultsCsv, TrainingCurveParser.Parse(text));
        }

        // Python's json module writes NaN and Infinity for a diverged loss; they read as missing values here.
        var json = WithoutPythonNumbers(text);
        if (TryParseWhole(json) is { } document)
        {
            using (document)
            {
                if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("log_history", out var history))
                {
                    return new TrainerLog(HfTrainerState, ReadHistory(history));
                }

                // A one-line JSONL file parses whole too; anything else that is one object is not a log we know.
                if (!document.RootElement.TryGetProperty("current_steps", out _) && !document.RootElement.TryGetProperty("step", out _))
                {
                    throw new StudioValidationException("log_history",
                        "The JSON file has no log_history: expected a Hugging Face trainer_state.json, LLaMA-Factory's trainer_log.jsonl or a results CSV.");
                }
            }
        }

        return new TrainerLog(LlamaFactoryLog, ReadLines(json));
    }

    /// <summary>
    /// Several files of one training run read as one log, point by point: Bedrock writes the training loss and the
    /// validation loss to two files. Each file's problems are named with the file; a value that two files give for the
    /// same step is refused, as the files would then not be of one run.
    /// </summary>
    public static TrainerLog Parse(IReadOnlyList<(string FileName, string Text)> files)
    {
        if (files.Count == 1)
        {
            return Parse(files[0].Text);
        }

        var logs = new List<(string FileName, TrainerLog Log)>();
        var errors = new List<InputError>();
        var total = 0;
        foreach (var (fileName, text) in files)
        {
            try
            {
                logs.Add((fileName, Parse(text)));
            }
            catch (StudioValidationException e)
            {
                errors.AddRange(e.Errors.Select(error => error.Line is null
                    ? error with { Field = $"{fileName}: {error.Field}" }
                    : error with { LineUnit = $"{fileName} {error.LineUnit}" }));
                total += e.TotalCount;
            }
        }

        if (total > 0)
        {
            throw new StudioValidationException(errors, total);
        }

        var merged = new SortedDictionary<int, (CurvePoint Point, string FileName)>();
        foreach (var (fileName, log) in logs)
        {
            foreach (var point in log.Points)
            {
                if (!merged.TryGetValue(point.Step, out var earlier))
                {
                    merged[point.Step] = (point, fileName);
                    continue;
                }

                if (Clash(earlier.Point, point) is { } metric)
                {
                    errors.Add(new InputError(metric, $"Step {point.Step} has a {metric} in both {earlier.FileName} and {fileName}: import files of one run together."));
                    continue;
                }

                merged[point.Step] = (Combine(earlier.Point, point), earlier.FileName);
            }
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors.Take(EvalFileParser.MaxErrors).ToList(), errors.Count);
        }

        return new TrainerLog(string.Join('+', logs.Select(l => l.Log.Format).Distinct()), merged.Values.Select(v => v.Point).ToList());
    }

    private static string? Clash(CurvePoint a, CurvePoint b) =>
        a.TrainLoss is not null && b.TrainLoss is not null ? "train_loss"
        : a.TrainAccuracy is not null && b.TrainAccuracy is not null ? "train_accuracy"
        : a.ValidLoss is not null && b.ValidLoss is not null ? "valid_loss"
        : a.ValidAccuracy is not null && b.ValidAccuracy is not null ? "valid_accuracy"
        : null;

    /// <summary>One point of a step from two: each value from <paramref name="a"/>, else from <paramref name="b"/>.</summary>
    private static CurvePoint Combine(CurvePoint a, CurvePoint b) => new(a.Step, a.TrainLoss ?? b.TrainLoss, a.TrainAccuracy ?? b.TrainAccuracy,
        a.ValidLoss ?? b.ValidLoss, a.ValidAccuracy ?? b.ValidAccuracy, a.Epoch ?? b.Epoch, a.LearningRate ?? b.LearningRate);

    private static JsonDocument? TryParseWhole(string json)
    {
        try
        {
            return JsonDocument.Parse(json, Options);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            // ArgumentException: a lone UTF-16 surrogate, which has no UTF-8 form; the lines say where.
            return null;
        }
    }

    private static List<CurvePoint> ReadHistory(JsonElement history)
    {
        if (history.ValueKind != JsonValueKind.Array)
        {
            throw new StudioValidationException("log_history", "Expected log_history to be a list of logged entries.");
        }

        var errors = new EvalFileParser.ErrorList();
        var merged = new SortedDictionary<int, CurvePoint>();
        var index = -1;
        foreach (var entry in history.EnumerateArray())
        {
            index++;
            var where = $"log_history[{index}]";
            // The last entry sums the run up (train_loss is the mean over all steps, not a point on the curve).
            if (entry.ValueKind == JsonValueKind.Object && entry.TryGetProperty("train_runtime", out _))
            {
                continue;
            }

            Merge(merged, Read(entry, "step", null, where, errors));
        }

        return Finish(errors, merged);
    }

    private static List<CurvePoint> ReadLines(string json)
    {
        var errors = new EvalFileParser.ErrorList();
        var merged = new SortedDictionary<int, CurvePoint>();
        var number = 0;
        // Line by line rather than the eval files' row reader, so the errors come in the order of the lines.
        foreach (var line in json.Split('\n'))
        {
            number++;
            if (line.AsSpan().Trim("\uFEFF \t\r").IsEmpty)
            {
                continue;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line, Options);
            }
            catch (JsonException e)
            {
                errors.Add("line", "Not valid JSON: " + e.Message.Split(" LineNumber:")[0], number);
                continue;
            }
            catch (ArgumentException)
            {
                errors.Add("line", "The line holds a character that is not valid text (a lone UTF-16 surrogate).", number);
                continue;
            }

            using (document)
            {
                var step = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("current_steps", out _) ? "current_steps" : "step";
                Merge(merged, Read(document.RootElement, step, number, step, errors));
            }
        }

        return Finish(errors, merged);
    }

    /// <summary>One logged entry as a point; null (with the reason kept) when it cannot be one.</summary>
    private static CurvePoint? Read(JsonElement entry, string stepKey, int? line, string where, EvalFileParser.ErrorList errors)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            errors.Add(line is null ? where : "line", "Expected an object with the step and what was logged there.", line);
            return null;
        }

        var field = (string name) => line is null ? $"{where}.{name}" : name;
        if (!entry.TryGetProperty(stepKey, out var stepValue) || stepValue.ValueKind != JsonValueKind.Number
            || !stepValue.TryGetInt32(out var step) || step < 0)
        {
            errors.Add(field(stepKey), $"Expected \"{stepKey}\", a whole number of steps.", line);
            return null;
        }

        var ok = true;
        double? Number(params string[] names)
        {
            foreach (var name in names)
            {
                if (!entry.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
                {
                    continue;
                }

                if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number))
                {
                    return number;
                }

                errors.Add(field(name), $"Expected a number, found {Shown(value)}.", line);
                ok = false;
            }

            return null;
        }

        var point = new CurvePoint(step,
            TrainLoss: Number("loss"),
            TrainAccuracy: Number("mean_token_accuracy", "accuracy"),
            ValidLoss: Number("eval_loss"),
            ValidAccuracy: Number("eval_mean_token_accuracy", "eval_accuracy"),
            Epoch: Number("epoch"),
            LearningRate: Number("learning_rate", "lr"));
        return ok ? point : null;
    }

    private static void Merge(SortedDictionary<int, CurvePoint> points, CurvePoint? point)
    {
        if (point is null)
        {
            return;
        }

        points[point.Step] = points.TryGetValue(point.Step, out var earlier) ? Combine(point, earlier) : point;
    }

    private static string Shown(JsonElement value)
    {
        var raw = value.GetRawText();
        return raw.Length <= 40 ? raw : raw[..40] + "…";
    }

    /// <summary>NaN, Infinity and -Infinity outside strings become null; text inside strings is left alone.</summary>
    private static string WithoutPythonNumbers(string text)
    {
        if (!text.Contains("NaN", StringComparison.Ordinal) && !text.Contains("Infinity", StringComparison.Ordinal))
        {
            return text;
        }

        var output = new StringBuilder(text.Length);
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                output.Append(c);
                if (c == '\\' && i + 1 < text.Length)
                {
                    output.Append(text[++i]);
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            if (c == '"')
            {
                inString = true;
            }
            else if (Word(text, i, "-Infinity") || Word(text, i, "Infinity") || Word(text, i, "NaN"))
            {
                var length = text[i] == '-' ? 9 : text[i] == 'I' ? 8 : 3;
                output.Append("null");
                i += length - 1;
                continue;
            }

            output.Append(c);
        }

        return output.ToString();
    }

    private static bool Word(string text, int at, string word) => string.CompareOrdinal(text, at, word, 0, word.Length) == 0;

    private static List<CurvePoint> Finish(EvalFileParser.ErrorList errors, SortedDictionary<int, CurvePoint> points)
    {
        if (errors.Total == 0 && points.Count == 0)
        {
            errors.Add("file", "The log has no entries with a step.", null);
        }

        errors.ThrowIfAny();
        return [.. points.Values];
    }
}
