using System.Globalization;
using System.Text.Json.Serialization;

namespace FineTuneStudio.Core.Quality;

[JsonConverter(typeof(JsonStringEnumConverter<AgreementMetricKind>))]
public enum AgreementMetricKind { Cohen, Fleiss, Krippendorff }

/// <summary>One coefficient over a set of ratings, with its reading band (Landis and Koch for kappas, Krippendorff's advice for alpha).</summary>
public sealed record AgreementMetricResult(
    AgreementMetricKind Metric,
    MeasurementLevel? Level,
    KappaWeighting? Weights,
    int Items,
    int Raters,
    int Ratings,
    double? Coefficient,
    string? Reading);

/// <summary>
/// Computes the one coefficient a person asks for (the <c>fts agreement</c> command) from
/// item/rater/label rows. Rules that make a coefficient meaningless for the data are reported as
/// validation errors naming the option, not as a silent null.
/// </summary>
public static class AgreementMetric
{
    public static AgreementMetricResult Compute(IReadOnlyList<AgreementRating> ratings, AgreementMetricKind metric,
        MeasurementLevel level = MeasurementLevel.Nominal, KappaWeighting weights = KappaWeighting.None)
    {
        // A rater's later row for an item replaces the earlier one; an empty label is a gap.
        var cells = new Dictionary<(string Item, string Rater), string?>();
        var items = new List<string>();
        var raters = new List<string>();
        var seenItems = new HashSet<string>(StringComparer.Ordinal);
        var seenRaters = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in ratings)
        {
            var item = r.ItemId.Trim();
            var rater = r.RaterId.Trim();
            if (seenItems.Add(item))
            {
                items.Add(item);
            }

            if (seenRaters.Add(rater))
            {
                raters.Add(rater);
            }

            cells[(item, rater)] = string.IsNullOrWhiteSpace(r.Label) ? null : r.Label.Trim();
        }

        var matrix = items.Select(i => (IReadOnlyList<string?>)raters.Select(r => cells.GetValueOrDefault((i, r))).ToArray()).ToList();
        var given = matrix.Sum(row => row.Count(v => v is not null));
        if (given == 0)
        {
            throw new StudioValidationException("file", "The file has no ratings.");
        }

        switch (metric)
        {
            case AgreementMetricKind.Cohen:
            {
                if (raters.Count != 2)
                {
                    throw new StudioValidationException("--metric", $"Cohen's kappa compares exactly two raters; the file has {raters.Count} ({string.Join(", ", raters.Take(5))}{(raters.Count > 5 ? ", ..." : "")}). Use --metric fleiss or krippendorff for more.");
                }

                var ordered = weights == KappaWeighting.None ? null : NumericOrder(matrix.SelectMany(r => r), "--weights");
                var kappa = AgreementCalculator.CohenKappa(matrix.Select(r => r[0]).ToList(), matrix.Select(r => r[1]).ToList(), weights, ordered);
                return new(metric, null, weights, items.Count, raters.Count, given, kappa, kappa is { } k ? AgreementCalculator.Interpret(k).ToString() : null);
            }

            case AgreementMetricKind.Fleiss:
            {
                var perItem = matrix.Select(r => r.Count(v => v is not null)).Where(c => c > 0).Distinct().ToList();
                if (perItem.Count != 1 || perItem[0] < 2)
                {
                    throw new StudioValidationException("--metric", "Fleiss' kappa needs the same number of ratings (two or more) on every item; use --metric krippendorff when ratings are missing.");
                }

                var summary = AgreementCalculator.Summarize(ratings);
                var kappa = summary.FleissKappa;
                return new(metric, null, null, items.Count, raters.Count, given, kappa, kappa is { } k ? AgreementCalculator.Interpret(k).ToString() : null);
            }

            default:
            {
                var alpha = AgreementCalculator.KrippendorffAlpha(matrix, level);
                return new(metric, level, null, items.Count, raters.Count, given, alpha, alpha is { } a ? AgreementCalculator.InterpretAlpha(a).ToString() : null);
            }
        }
    }

    /// <summary>Weighted kappa needs ordered categories: the labels must be numbers, ordered by value.</summary>
    private static IReadOnlyList<string> NumericOrder(IEnumerable<string?> labels, string option)
    {
        var distinct = labels.Where(l => l is not null).Select(l => l!).Distinct(StringComparer.Ordinal).ToList();
        var parsed = new List<(string Label, double Value)>();
        foreach (var label in distinct)
        {
            if (!double.TryParse(label, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                throw new StudioValidationException(option, $"Weighted kappa needs numeric ratings; \"{label}\" is not a number. Use --weights none for categories.");
            }

            parsed.Add((label, value));
        }

        return parsed.OrderBy(p => p.Value).Select(p => p.Label).ToList();
    }
}
