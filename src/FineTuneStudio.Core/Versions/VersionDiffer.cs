using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Versions;

/// <summary>One example of a version, as recorded when the version was cut.</summary>
public sealed record VersionEntry(int ExampleId, SplitPin Split, string ContentHash, int Tokens);

/// <summary>Token figures a version's manifest recorded when it was cut.</summary>
public sealed record VersionTokenTotals(long Tokens, long TrainTokens, long TrainBilledTokens);

/// <summary>
/// What a version costs to train: its entries, the epochs, and the target's limit and price. With
/// <see cref="Totals"/> (from the manifest) the token figures come from there and the entries' tokens are not used.
/// </summary>
public sealed record VersionSnapshot(
    IReadOnlyList<VersionEntry> Entries, int Epochs, int TokenLimitPerExample, decimal? PricePerMillionTokens, VersionTokenTotals? Totals = null)
{
    public long TotalTokens => Totals?.Tokens ?? Entries.Sum(e => (long)e.Tokens);

    public long TrainTokens => Totals?.TrainTokens ?? Entries.Where(e => e.Split == SplitPin.Train).Sum(e => (long)e.Tokens);

    /// <summary>Only the training split is charged; validation is scored, not trained on, and test stays out.</summary>
    public TrainingCostEstimate TrainingCost() => TrainingCostEstimate.From(
        Totals?.TrainBilledTokens ?? TrainingCostEstimate.SumBilled(Entries.Where(e => e.Split == SplitPin.Train).Select(e => e.Tokens), TokenLimitPerExample),
        Epochs,
        PricePerMillionTokens);
}

public sealed record SplitMove(int ExampleId, SplitPin From, SplitPin To);

public sealed record VersionDiff(
    IReadOnlyList<int> Added,
    IReadOnlyList<int> Removed,
    IReadOnlyList<int> Changed,
    IReadOnlyList<SplitMove> Moved,
    int Unchanged,
    long TokenDelta,
    long TrainTokenDelta,
    long ChargedTokenDelta,
    decimal? CostDelta)
{
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0 && Moved.Count == 0;
}

/// <summary>
/// Compares two versions by example id: added, removed, changed (same id, different content hash) and moved
/// between splits (an example can be both changed and moved), plus the token and cost differences.
/// </summary>
public static class VersionDiffer
{
    public static VersionDiff Diff(VersionSnapshot older, VersionSnapshot newer)
    {
        var before = ById(older.Entries, "older");
        var after = ById(newer.Entries, "newer");

        var added = after.Keys.Where(id => !before.ContainsKey(id)).Order().ToList();
        var removed = before.Keys.Where(id => !after.ContainsKey(id)).Order().ToList();
        var changed = new List<int>();
        var moved = new List<SplitMove>();
        var unchanged = 0;
        foreach (var (id, next) in after.OrderBy(p => p.Key))
        {
            if (!before.TryGetValue(id, out var previous))
            {
                continue;
            }

            var isChanged = !string.Equals(previous.ContentHash, next.ContentHash, StringComparison.OrdinalIgnoreCase);
            if (isChanged)
            {
                changed.Add(id);
            }

            if (previous.Split != next.Split)
            {
                moved.Add(new SplitMove(id, previous.Split, next.Split));
            }
            else if (!isChanged)
            {
                unchanged++;
            }
        }

        var oldCost = older.TrainingCost();
        var newCost = newer.TrainingCost();
        decimal? costDelta = oldCost.EstimatedCost is { } o && newCost.EstimatedCost is { } n ? n - o : null;
        return new VersionDiff(
            added, removed, changed, moved, unchanged,
            TokenDelta: newer.TotalTokens - older.TotalTokens,
            TrainTokenDelta: newer.TrainTokens - older.TrainTokens,
            ChargedTokenDelta: newCost.ChargedTokens - oldCost.ChargedTokens,
            costDelta);
    }

    private static Dictionary<int, VersionEntry> ById(IReadOnlyList<VersionEntry> entries, string which)
    {
        var map = new Dictionary<int, VersionEntry>(entries.Count);
        foreach (var entry in entries)
        {
            if (!map.TryAdd(entry.ExampleId, entry))
            {
                throw new StudioValidationException(which, $"Example {entry.ExampleId} appears twice in the {which} version.");
            }
        }

        return map;
    }
}
