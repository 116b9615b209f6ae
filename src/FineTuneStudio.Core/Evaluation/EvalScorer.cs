using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>What scoring needs to know about an item. <see cref="AlsoAccepted"/>: further answers that count as right.</summary>
public sealed record ScoringItem(string Id, string Expected, string? Label, string? SchemaJson, IReadOnlyList<string>? AlsoAccepted = null)
{
    /// <summary>Every answer that counts as right, <see cref="Expected"/> first.</summary>
    public IEnumerable<string> Answers => AlsoAccepted is { Count: > 0 } others ? others.Prepend(Expected) : [Expected];
}

/// <summary>One item's scores. A missing output is a failed item, scored wrong, never dropped.</summary>
public sealed record ItemScore(string Id, IReadOnlyDictionary<string, double?> Scores, bool? Correct, bool Failed, string? Error);

/// <summary>A run's aggregates, stored as the run's SummaryJson.</summary>
public sealed record RunSummary(
    string? MainMetric,
    int Items,
    int Scored,
    int Failed,
    IReadOnlyDictionary<string, double> Metrics,
    int Correct,
    double? FormatCompliance,
    string? FormatRule,
    ClassificationReport? Classification)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public double? MainValue => MainMetric is { } m && Metrics.TryGetValue(m, out var v) ? v : null;

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Null for a run that was never scored ("{}").</summary>
    public static RunSummary? FromJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json) || json.Trim() == "{}")
        {
            return null;
        }

        return JsonSerializer.Deserialize<RunSummary>(json, JsonOptions);
    }
}

public sealed record ScoredRun(IReadOnlyList<ItemScore> Items, RunSummary Summary);

/// <summary>Scores outputs against items with a set's metrics. Pure: no database, no clock.</summary>
public static class EvalScorer
{
    /// <summary>
    /// The metric that decides right or wrong per item: label accuracy when the set has labels and
    /// asks for it, otherwise the first pass/fail metric chosen.
    /// </summary>
    public static string? MainMetric(IReadOnlyList<string> metrics, bool hasLabels)
    {
        if (hasLabels && (metrics.Contains(EvalMetrics.Accuracy) || metrics.Contains(EvalMetrics.MacroF1)))
        {
            return EvalMetrics.Accuracy;
        }

        return metrics.FirstOrDefault(m => EvalMetrics.PassFail.Contains(m));
    }

    /// <summary>All regex matching of one run together may take this long; past it the run is refused, not half scored.</summary>
    public static readonly TimeSpan RegexBudget = TimeSpan.FromSeconds(30);

    public static Task<ScoredRun> ScoreAsync(IReadOnlyList<ScoringItem> items, IReadOnlyDictionary<string, string?> outputsById, IReadOnlyList<string> metrics, CancellationToken cancellationToken = default) =>
        ScoreAsync(items, outputsById, metrics, RegexBudget, cancellationToken);

    public static async Task<ScoredRun> ScoreAsync(IReadOnlyList<ScoringItem> items, IReadOnlyDictionary<string, string?> outputsById, IReadOnlyList<string> metrics,
        TimeSpan regexBudget, CancellationToken cancellationToken = default)
    {
        var schemas = new Dictionary<string, NJsonSchema.JsonSchema?>(StringComparer.Ordinal);
        foreach (var schemaText in items.Select(i => i.SchemaJson).OfType<string>().Distinct())
        {
            // Checked again here for items stored before import refused external references: never fetched.
            if (SchemaReferences.FirstExternal(schemaText) is not null)
            {
                schemas[schemaText] = null;
                continue;
            }

            try
            {
                schemas[schemaText] = await NJsonSchema.JsonSchema.FromJsonAsync(schemaText, cancellationToken);
            }
            catch (Exception e) when (e is Newtonsoft.Json.JsonException or InvalidOperationException or NotSupportedException)
            {
                schemas[schemaText] = null;
            }
        }

        // Each distinct pattern is compiled once per run, not once per item.
        var patterns = metrics.Contains(EvalMetrics.Regex)
            ? items.SelectMany(i => i.Answers).Distinct(StringComparer.Ordinal).ToDictionary(p => p, EvalMetrics.CompilePattern, StringComparer.Ordinal)
            : [];
        var budget = regexBudget;
        var regexTime = new System.Diagnostics.Stopwatch();
        var scored = 0;
        bool RegexMatches(string? output, string expected)
        {
            // Linear per match (non-backtracking), but thousands of long outputs still add up inside one request.
            regexTime.Start();
            var matched = EvalMetrics.Matches(output, patterns[expected]);
            regexTime.Stop();
            if (regexTime.Elapsed >= budget)
            {
                throw new StudioValidationException("metrics",
                    $"the regex metric used up its {budget.TotalSeconds:0.###} s budget for one run after {scored + 1} of {items.Count} items; simplify the patterns or score without 'regex'");
            }

            return matched;
        }

        var hasLabels = items.Any(i => i.Label is not null);
        var main = MainMetric(metrics, hasLabels);
        var labelKeys = items.Where(i => i.Label is not null).Select(i => EvalMetrics.Normalise(i.Label)).ToHashSet(StringComparer.Ordinal);
        var scores = new List<ItemScore>(items.Count);
        foreach (var item in items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            outputsById.TryGetValue(item.Id, out var output);
            var failed = output is null;
            var values = new Dictionary<string, double?>(StringComparer.Ordinal);
            foreach (var metric in metrics)
            {
                values[metric] = metric switch
                {
                    EvalMetrics.Exact => Bit(!failed && item.Answers.Any(a => EvalMetrics.IsExact(output, a))),
                    EvalMetrics.Normalised => Bit(!failed && item.Answers.Any(a => EvalMetrics.IsNormalisedMatch(output, a))),
                    EvalMetrics.Contains => Bit(!failed && item.Answers.Any(a => EvalMetrics.ContainsExpected(output, a))),
                    EvalMetrics.Regex => Bit(!failed && item.Answers.Any(a => RegexMatches(output, a))),
                    EvalMetrics.FinalNumber => Bit(!failed && item.Answers.Any(a => EvalMetrics.HasSameFinalNumber(output, a))),
                    EvalMetrics.JsonValid => Bit(!failed && EvalMetrics.IsValidJson(output)),
                    EvalMetrics.JsonSchema => item.SchemaJson is null ? null
                        : Bit(!failed && schemas[item.SchemaJson] is { } schema && EvalMetrics.SchemaErrors(output, schema) is { Count: 0 }),
                    EvalMetrics.LengthRatio => failed ? null : EvalMetrics.RatioOfLength(output, item.Expected),
                    EvalMetrics.Accuracy or EvalMetrics.MacroF1 => item.Label is null ? null : Bit(!failed && EvalMetrics.IsNormalisedMatch(output, item.Label)),
                    _ => null,
                };
            }

            if (main == EvalMetrics.Accuracy && !values.ContainsKey(EvalMetrics.Accuracy))
            {
                values[EvalMetrics.Accuracy] = item.Label is null ? null : Bit(!failed && EvalMetrics.IsNormalisedMatch(output, item.Label));
            }

            values.Remove(EvalMetrics.MacroF1);
            bool? correct = main is not null && values.TryGetValue(main, out var m) && m is { } value ? value >= 1 : null;
            scores.Add(new ItemScore(item.Id, values, correct, failed, failed ? "No output for this item." : null));
            scored++;
        }

        var aggregates = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var metric in metrics.Append(main).OfType<string>().Distinct().Where(m => m != EvalMetrics.MacroF1))
        {
            var applicable = scores.Select(s => s.Scores.GetValueOrDefault(metric)).OfType<double>().ToList();
            if (applicable.Count > 0)
            {
                aggregates[metric] = Math.Round(applicable.Average(), 4);
            }
        }

        ClassificationReport? classification = null;
        if (hasLabels && (metrics.Contains(EvalMetrics.Accuracy) || metrics.Contains(EvalMetrics.MacroF1)))
        {
            classification = ClassificationMetrics.Compute(items.Where(i => i.Label is not null)
                .Select(i => (i.Label!, outputsById.GetValueOrDefault(i.Id))));
            aggregates[EvalMetrics.MacroF1] = Math.Round(classification.MacroF1, 4);
        }

        // Format compliance: does the output have the shape a program downstream expects?
        double? compliance = null;
        string? rule = null;
        if (items.Any(i => i.SchemaJson is not null))
        {
            var withSchema = items.Where(i => i.SchemaJson is not null).ToList();
            compliance = (double)withSchema.Count(i => schemas[i.SchemaJson!] is { } schema
                && EvalMetrics.SchemaErrors(outputsById.GetValueOrDefault(i.Id), schema) is { Count: 0 }) / withSchema.Count;
            rule = "follows the JSON schema";
        }
        else if (metrics.Contains(EvalMetrics.JsonValid))
        {
            compliance = aggregates.GetValueOrDefault(EvalMetrics.JsonValid);
            rule = "is valid JSON";
        }
        else if (labelKeys.Count > 0)
        {
            compliance = (double)items.Count(i => labelKeys.Contains(EvalMetrics.Normalise(outputsById.GetValueOrDefault(i.Id)))) / items.Count;
            rule = "is one of the labels";
        }

        var summary = new RunSummary(
            main,
            items.Count,
            scores.Count(s => !s.Failed),
            scores.Count(s => s.Failed),
            aggregates,
            scores.Count(s => s.Correct == true),
            compliance is null ? null : Math.Round(compliance.Value, 4),
            rule,
            classification);
        return new ScoredRun(scores, summary);
    }

    private static double Bit(bool value) => value ? 1 : 0;
}
