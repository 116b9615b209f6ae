using FineTuneStudio.Core.Training;
namespace FineTuneStudio.Core.Versions;

/// <summary>
/// Distribution of tokens per example. Percentiles interpolate linearly between the two nearest ranks
/// (rank = p × (n − 1) on the sorted counts), the same rule spreadsheets and NumPy use by default.
/// </summary>
public sealed record TokenStats(int Count, long Total, int Min, double P5, double Median, double P95, int Max)
{
    public static TokenStats Empty { get; } = new(0, 0, 0, 0, 0, 0, 0);

    public double Mean => Count == 0 ? 0 : (double)Total / Count;

    /// <summary>Sorts <paramref name="tokensPerExample"/> in place.</summary>
    public static TokenStats From(List<int> tokensPerExample)
    {
        if (tokensPerExample.Count == 0)
        {
            return Empty;
        }

        tokensPerExample.Sort();
        var total = tokensPerExample.Sum(t => (long)t);
        return new TokenStats(
            tokensPerExample.Count,
            total,
            tokensPerExample[0],
            Percentile(tokensPerExample, 0.05),
            Percentile(tokensPerExample, 0.50),
            Percentile(tokensPerExample, 0.95),
            tokensPerExample[^1]);
    }

    public static TokenStats From(IEnumerable<int> tokensPerExample) => From(tokensPerExample.ToList());

    /// <summary>Linear interpolation between closest ranks; <paramref name="sorted"/> must be ascending and non-empty.</summary>
    public static double Percentile(IReadOnlyList<int> sorted, double fraction)
    {
        var rank = fraction * (sorted.Count - 1);
        var lower = (int)Math.Floor(rank);
        var upper = (int)Math.Ceiling(rank);
        var value = sorted[lower] + (rank - lower) * (sorted[upper] - sorted[lower]);
        return Math.Round(value, 2, MidpointRounding.AwayFromZero);
    }
}

/// <summary>
/// What a training run would bill: each example counts up to the target's per-example limit (longer ones are
/// cut), the sum is charged once per epoch, and the price is per million charged tokens.
/// </summary>
public sealed record TrainingCostEstimate(int Epochs, long BilledTokens, long ChargedTokens, decimal? PricePerMillionTokens, decimal? EstimatedCost)
{
    public static TrainingCostEstimate Empty { get; } = new(0, 0, 0, null, null);

    public static long SumBilled(IEnumerable<int> tokensPerExample, int tokenLimitPerExample) =>
        tokensPerExample.Sum(t => (long)Math.Min(t, tokenLimitPerExample));

    public static TrainingCostEstimate From(long billedTokens, int epochs, decimal? pricePerMillionTokens)
    {
        var charged = billedTokens * epochs;
        decimal? cost = pricePerMillionTokens is { } price ? Math.Round(charged * price / 1_000_000m, 2, MidpointRounding.AwayFromZero) : null;
        return new TrainingCostEstimate(epochs, billedTokens, charged, pricePerMillionTokens, cost);
    }

    public static TrainingCostEstimate For(IEnumerable<int> tokensPerExample, TrainingTargetProfile target, int? epochs = null)
    {
        var list = tokensPerExample as IReadOnlyCollection<int> ?? tokensPerExample.ToList();
        return From(SumBilled(list, target.TokenLimitPerExample), epochs ?? EpochHeuristic.Epochs(list.Count, target), target.PricePerMillionTrainingTokens);
    }
}
