namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// Which side run A's output is shown on, per comparison and item. Deterministic (the same reviewer
/// sees the same layout after a reload) and balanced: over a comparison's items A is on the left
/// for exactly half (one more when the count is odd). Items are also served in this shuffled order,
/// so the first items a reviewer sees are not the set's first.
/// </summary>
public static class BlindOrder
{
    /// <summary>Item ids in serving order with whether A is on the left.</summary>
    public static IReadOnlyList<(int ItemId, bool AIsLeft)> Assign(int seed, IEnumerable<int> itemIds)
    {
        var ordered = itemIds.Distinct().OrderBy(id => Mix(seed, id)).ThenBy(id => id).ToList();
        // Alternating along a shuffled order balances the sides; a second, independent hash decides
        // whether the first slot is left, so the pattern is not the same in every comparison.
        var startLeft = (Mix(seed, int.MinValue) & 1) == 0;
        return ordered.Select((id, rank) => (id, (rank % 2 == 0) == startLeft)).ToList();
    }

    /// <summary>SplitMix64 over seed and id: stable across processes, unlike string.GetHashCode.</summary>
    public static ulong Mix(int seed, int itemId)
    {
        var z = ((ulong)(uint)seed << 32 | (uint)itemId) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
