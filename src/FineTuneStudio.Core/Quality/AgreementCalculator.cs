using System.Globalization;
using System.Text.Json.Serialization;

namespace FineTuneStudio.Core.Quality;

[JsonConverter(typeof(JsonStringEnumConverter<KappaWeighting>))]
public enum KappaWeighting { None, Linear, Quadratic }

[JsonConverter(typeof(JsonStringEnumConverter<MeasurementLevel>))]
public enum MeasurementLevel { Nominal, Ordinal, Interval }

/// <summary>Landis and Koch's reading of kappa-like coefficients.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AgreementBand>))]
public enum AgreementBand { Poor, Slight, Fair, Moderate, Substantial, AlmostPerfect }

/// <summary>Krippendorff's own advice on how far an alpha can be relied on.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AlphaReliability>))]
public enum AlphaReliability { Unreliable, Tentative, Reliable }

/// <summary>One rater's label for one item; a null or empty label means the rater left it out.</summary>
public sealed record AgreementRating(string ItemId, string RaterId, string? Label);

/// <summary>Cohen's kappa for one pair of raters over the items both of them labeled.</summary>
public sealed record PairAgreement(
    string RaterA,
    string RaterB,
    int SharedItems,
    double ObservedAgreement,
    double? Kappa,
    AgreementBand? Band);

public sealed record AgreementSummary(
    int Items,
    int Raters,
    int Ratings,
    // Items with at least two ratings: the only ones agreement can be measured on.
    int ItemsWithTwoOrMoreRatings,
    double? KrippendorffAlpha,
    AlphaReliability? AlphaReliability,
    // Fleiss' kappa only when every rated item has the same number of ratings, as it needs.
    double? FleissKappa,
    AgreementBand? FleissBand,
    IReadOnlyList<PairAgreement> Pairs)
{
    /// <summary>
    /// One kappa for the whole: Fleiss' when the design allows it, else the pairs' Cohen's kappas weighted by the
    /// items each pair shares (as the readiness evidence weighs them); null when no two raters share an item.
    /// </summary>
    public double? OverallKappa()
    {
        if (FleissKappa is { } fleiss)
        {
            return fleiss;
        }

        var pairs = Pairs.Where(p => p.Kappa is not null).ToList();
        var shared = pairs.Sum(p => p.SharedItems);
        return shared > 0 ? pairs.Sum(p => p.Kappa!.Value * p.SharedItems) / shared : null;
    }
}

/// <summary>
/// Chance-corrected agreement between labelers. Coefficients that are undefined for the data (for
/// example every rating in one category, so expected disagreement is zero) come back as null rather
/// than NaN, which keeps reports serialisable and makes the gap visible.
/// </summary>
public static class AgreementCalculator
{
    public static AgreementBand Interpret(double coefficient) => coefficient switch
    {
        < 0 => AgreementBand.Poor,
        <= 0.20 => AgreementBand.Slight,
        <= 0.40 => AgreementBand.Fair,
        <= 0.60 => AgreementBand.Moderate,
        <= 0.80 => AgreementBand.Substantial,
        _ => AgreementBand.AlmostPerfect,
    };

    public static AlphaReliability InterpretAlpha(double alpha) => alpha switch
    {
        >= 0.800 => AlphaReliability.Reliable,
        >= 0.667 => AlphaReliability.Tentative,
        _ => AlphaReliability.Unreliable,
    };

    /// <summary>
    /// Cohen's kappa from a square table: rows are rater A's categories, columns rater B's, in the
    /// same order (the order matters only for weighted kappa).
    /// </summary>
    public static double? CohenKappa(double[,] table, KappaWeighting weighting = KappaWeighting.None)
    {
        var k = table.GetLength(0);
        if (k != table.GetLength(1))
        {
            throw new StudioValidationException("table", "The agreement table must be square.");
        }

        double total = 0;
        var rows = new double[k];
        var columns = new double[k];
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var value = table[i, j];
                if (value < 0)
                {
                    throw new StudioValidationException("table", "Counts cannot be negative.");
                }

                total += value;
                rows[i] += value;
                columns[j] += value;
            }
        }

        if (total == 0)
        {
            return null;
        }

        // Kappa as 1 - observed/expected disagreement covers the unweighted and weighted forms alike.
        double observed = 0, expected = 0;
        for (var i = 0; i < k; i++)
        {
            for (var j = 0; j < k; j++)
            {
                var w = DisagreementWeight(i, j, k, weighting);
                observed += w * table[i, j] / total;
                expected += w * rows[i] * columns[j] / (total * total);
            }
        }

        return expected == 0 ? null : 1 - observed / expected;
    }

    /// <summary>
    /// Cohen's kappa from two parallel label lists; positions where either label is missing are
    /// skipped. Weighted kappa needs <paramref name="orderedCategories"/> (lowest first).
    /// </summary>
    public static double? CohenKappa(
        IReadOnlyList<string?> raterA,
        IReadOnlyList<string?> raterB,
        KappaWeighting weighting = KappaWeighting.None,
        IReadOnlyList<string>? orderedCategories = null)
    {
        if (raterA.Count != raterB.Count)
        {
            throw new StudioValidationException("ratings", "Both raters need a label (or a gap) for every item.");
        }

        if (weighting != KappaWeighting.None && orderedCategories is null)
        {
            throw new StudioValidationException("categories", "Weighted kappa needs the categories in order.");
        }

        var index = orderedCategories is null
            ? CategoryIndex(raterA.Concat(raterB))
            : CategoryIndex(orderedCategories, raterA.Concat(raterB));
        var table = new double[index.Count, index.Count];
        for (var i = 0; i < raterA.Count; i++)
        {
            if (IsMissing(raterA[i]) || IsMissing(raterB[i]))
            {
                continue;
            }

            table[index[raterA[i]!], index[raterB[i]!]]++;
        }

        return CohenKappa(table, weighting);
    }

    /// <summary>
    /// Fleiss' kappa from an items × categories table of how many raters chose each category.
    /// Every item must have the same number of ratings, at least two.
    /// </summary>
    public static double? FleissKappa(int[,] counts)
    {
        var items = counts.GetLength(0);
        var categories = counts.GetLength(1);
        if (items == 0 || categories == 0)
        {
            return null;
        }

        var raters = -1;
        var categoryTotals = new double[categories];
        double sumAgreement = 0;
        for (var i = 0; i < items; i++)
        {
            var n = 0;
            double squares = 0;
            for (var j = 0; j < categories; j++)
            {
                var c = counts[i, j];
                if (c < 0)
                {
                    throw new StudioValidationException("counts", "Counts cannot be negative.");
                }

                n += c;
                squares += (double)c * c;
                categoryTotals[j] += c;
            }

            if (raters == -1)
            {
                raters = n;
            }
            else if (n != raters)
            {
                throw new StudioValidationException("counts", $"Fleiss' kappa needs the same number of ratings for every item; item {i + 1} has {n}, the first has {raters}.");
            }

            if (n < 2)
            {
                throw new StudioValidationException("counts", "Fleiss' kappa needs at least two ratings per item.");
            }

            sumAgreement += (squares - n) / ((double)n * (n - 1));
        }

        var meanAgreement = sumAgreement / items;
        double chance = 0;
        foreach (var total in categoryTotals)
        {
            var p = total / ((double)items * raters);
            chance += p * p;
        }

        return chance >= 1 ? null : (meanAgreement - chance) / (1 - chance);
    }

    /// <summary>
    /// Krippendorff's alpha over numeric reliability data: one row per item, one column per coder,
    /// null where a coder gave no value. Ordinal uses the rank order of the values seen.
    /// </summary>
    public static double? KrippendorffAlpha(IReadOnlyList<IReadOnlyList<double?>> items, MeasurementLevel level)
    {
        var values = items.SelectMany(row => row).Where(v => v.HasValue).Select(v => v!.Value).Distinct().Order().ToArray();
        var position = new Dictionary<double, int>();
        for (var i = 0; i < values.Length; i++)
        {
            position[values[i]] = i;
        }

        var coded = items.Select(row => (IReadOnlyList<int?>)row.Select(v => v.HasValue ? position[v.Value] : (int?)null).ToArray()).ToList();
        return KrippendorffAlpha(coded, values, level);
    }

    /// <summary>
    /// Krippendorff's alpha over labels: one row per item, one column per coder, null or empty where
    /// a coder gave no label. Ordinal and interval need <paramref name="orderedCategories"/> (lowest
    /// first; interval treats them as equally spaced) unless every label is a number.
    /// </summary>
    public static double? KrippendorffAlpha(
        IReadOnlyList<IReadOnlyList<string?>> items,
        MeasurementLevel level,
        IReadOnlyList<string>? orderedCategories = null)
    {
        var all = items.SelectMany(row => row);
        if (orderedCategories is null && level != MeasurementLevel.Nominal)
        {
            var numeric = new List<IReadOnlyList<double?>>(items.Count);
            foreach (var row in items)
            {
                var parsed = new double?[row.Count];
                for (var c = 0; c < row.Count; c++)
                {
                    if (IsMissing(row[c]))
                    {
                        continue;
                    }

                    if (!double.TryParse(row[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                    {
                        throw new StudioValidationException("categories", $"\"{row[c]}\" is not a number: give the categories in order for {level.ToString().ToLowerInvariant()} data.");
                    }

                    parsed[c] = value;
                }

                numeric.Add(parsed);
            }

            return KrippendorffAlpha(numeric, level);
        }

        var index = orderedCategories is null ? CategoryIndex(all) : CategoryIndex(orderedCategories, all);
        var coded = items.Select(row => (IReadOnlyList<int?>)row.Select(v => IsMissing(v) ? (int?)null : index[v!]).ToArray()).ToList();
        var scale = Enumerable.Range(0, index.Count).Select(i => (double)i).ToArray();
        return KrippendorffAlpha(coded, scale, level);
    }

    /// <summary>Alpha from category indices; <paramref name="scale"/> gives each category's value for the interval metric.</summary>
    private static double? KrippendorffAlpha(IReadOnlyList<IReadOnlyList<int?>> items, double[] scale, MeasurementLevel level)
    {
        var k = scale.Length;
        var coincidence = new double[k, k];
        var present = new List<int>();
        foreach (var row in items)
        {
            present.Clear();
            foreach (var v in row)
            {
                if (v.HasValue)
                {
                    present.Add(v.Value);
                }
            }

            // Items coded by fewer than two coders carry no information about agreement.
            var m = present.Count;
            if (m < 2)
            {
                continue;
            }

            for (var a = 0; a < m; a++)
            {
                for (var b = 0; b < m; b++)
                {
                    if (a != b)
                    {
                        coincidence[present[a], present[b]] += 1.0 / (m - 1);
                    }
                }
            }
        }

        var marginals = new double[k];
        double n = 0;
        for (var c = 0; c < k; c++)
        {
            for (var d = 0; d < k; d++)
            {
                marginals[c] += coincidence[c, d];
            }

            n += marginals[c];
        }

        if (n <= 1)
        {
            return null;
        }

        double observed = 0, expected = 0;
        for (var c = 0; c < k; c++)
        {
            for (var d = 0; d < k; d++)
            {
                if (c == d)
                {
                    continue;
                }

                var delta = level switch
                {
                    MeasurementLevel.Nominal => 1.0,
                    MeasurementLevel.Ordinal => OrdinalDelta(marginals, c, d),
                    _ => (scale[c] - scale[d]) * (scale[c] - scale[d]),
                };
                observed += coincidence[c, d] * delta;
                expected += marginals[c] * marginals[d] * delta;
            }
        }

        return expected == 0 ? null : 1 - (n - 1) * observed / expected;
    }

    /// <summary>
    /// Agreement over (item, rater, label) rows: Krippendorff's alpha (nominal, or the given level
    /// with ordered categories) over everything, Fleiss' kappa when the design allows it, and Cohen's
    /// kappa per pair of raters on the items both labeled (weighted when categories are ordered).
    /// A rater's later row for the same item replaces the earlier one.
    /// </summary>
    public static AgreementSummary Summarize(
        IEnumerable<AgreementRating> ratings,
        IReadOnlyList<string>? orderedCategories = null,
        MeasurementLevel level = MeasurementLevel.Nominal,
        KappaWeighting pairWeighting = KappaWeighting.None)
    {
        var itemIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var raterIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var cells = new Dictionary<(int Item, int Rater), string>();
        foreach (var r in ratings)
        {
            if (string.IsNullOrWhiteSpace(r.ItemId) || string.IsNullOrWhiteSpace(r.RaterId))
            {
                continue;
            }

            var item = IdOf(itemIds, r.ItemId.Trim());
            var rater = IdOf(raterIds, r.RaterId.Trim());
            if (IsMissing(r.Label))
            {
                cells.Remove((item, rater));
            }
            else
            {
                cells[(item, rater)] = r.Label!.Trim();
            }
        }

        var matrix = new string?[itemIds.Count][];
        for (var i = 0; i < matrix.Length; i++)
        {
            matrix[i] = new string?[raterIds.Count];
        }

        foreach (var ((item, rater), label) in cells)
        {
            matrix[item][rater] = label;
        }

        var rows = matrix.Select(r => (IReadOnlyList<string?>)r).ToList();
        var perItem = matrix.Select(r => r.Count(v => v is not null)).ToArray();
        var multiRated = perItem.Count(c => c >= 2);

        var alpha = KrippendorffAlpha(rows, orderedCategories is null ? MeasurementLevel.Nominal : level, orderedCategories);
        var fleiss = FleissFromMatrix(matrix, perItem, orderedCategories);

        var raterNames = raterIds.OrderBy(p => p.Value).Select(p => p.Key).ToArray();
        var pairs = new List<PairAgreement>();
        for (var a = 0; a < raterNames.Length; a++)
        {
            for (var b = a + 1; b < raterNames.Length; b++)
            {
                var left = new List<string?>();
                var right = new List<string?>();
                foreach (var row in matrix)
                {
                    if (row[a] is not null && row[b] is not null)
                    {
                        left.Add(row[a]);
                        right.Add(row[b]);
                    }
                }

                if (left.Count == 0)
                {
                    continue;
                }

                var weighting = orderedCategories is null ? KappaWeighting.None : pairWeighting;
                var kappa = CohenKappa(left, right, weighting, orderedCategories);
                var agreed = left.Zip(right).Count(p => p.First == p.Second);
                pairs.Add(new PairAgreement(
                    raterNames[a], raterNames[b], left.Count, (double)agreed / left.Count, kappa,
                    kappa is { } value ? Interpret(value) : null));
            }
        }

        return new AgreementSummary(
            itemIds.Count, raterIds.Count, cells.Count, multiRated,
            alpha, alpha is { } al ? InterpretAlpha(al) : null,
            fleiss, fleiss is { } f ? Interpret(f) : null,
            pairs);
    }

    private static double? FleissFromMatrix(string?[][] matrix, int[] perItem, IReadOnlyList<string>? orderedCategories)
    {
        var rated = Enumerable.Range(0, matrix.Length).Where(i => perItem[i] > 0).ToArray();
        if (rated.Length == 0 || perItem[rated[0]] < 2 || rated.Any(i => perItem[i] != perItem[rated[0]]))
        {
            return null;
        }

        var index = orderedCategories is null
            ? CategoryIndex(matrix.SelectMany(r => r))
            : CategoryIndex(orderedCategories, matrix.SelectMany(r => r));
        var counts = new int[rated.Length, index.Count];
        for (var i = 0; i < rated.Length; i++)
        {
            foreach (var label in matrix[rated[i]])
            {
                if (label is not null)
                {
                    counts[i, index[label]]++;
                }
            }
        }

        return FleissKappa(counts);
    }

    private static double DisagreementWeight(int i, int j, int k, KappaWeighting weighting)
    {
        if (i == j)
        {
            return 0;
        }

        if (weighting == KappaWeighting.None || k < 2)
        {
            return 1;
        }

        double distance = Math.Abs(i - j) / (double)(k - 1);
        return weighting == KappaWeighting.Linear ? distance : distance * distance;
    }

    /// <summary>Krippendorff's ordinal distance: the squared count of values ranked between c and d, halving the two ends.</summary>
    private static double OrdinalDelta(double[] marginals, int c, int d)
    {
        var low = Math.Min(c, d);
        var high = Math.Max(c, d);
        double sum = 0;
        for (var g = low; g <= high; g++)
        {
            sum += marginals[g];
        }

        sum -= (marginals[low] + marginals[high]) / 2;
        return sum * sum;
    }

    private static int IdOf(Dictionary<string, int> ids, string key)
    {
        if (!ids.TryGetValue(key, out var id))
        {
            id = ids.Count;
            ids[key] = id;
        }

        return id;
    }

    private static bool IsMissing(string? label) => string.IsNullOrWhiteSpace(label);

    private static Dictionary<string, int> CategoryIndex(IEnumerable<string?> labels)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var label in labels.Where(l => !IsMissing(l)).Select(l => l!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            index[label] = index.Count;
        }

        return index;
    }

    private static Dictionary<string, int> CategoryIndex(IReadOnlyList<string> ordered, IEnumerable<string?> labels)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var category in ordered)
        {
            if (!index.TryAdd(category, index.Count))
            {
                throw new StudioValidationException("categories", $"The category \"{category}\" is listed twice.");
            }
        }

        foreach (var label in labels)
        {
            if (!IsMissing(label) && !index.ContainsKey(label!))
            {
                throw new StudioValidationException("categories", $"The label \"{label}\" is not one of the ordered categories.");
            }
        }

        return index;
    }
}
