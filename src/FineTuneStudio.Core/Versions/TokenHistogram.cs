namespace FineTuneStudio.Core.Versions;

/// <summary>
/// Tokens per example as counts per token value: the same exact <see cref="TokenStats"/> as the sorted list gives,
/// in memory bounded by the number of distinct token counts (at most the largest count), not by the number of examples.
/// </summary>
public sealed class TokenHistogram
{
    private readonly Dictionary<int, int> _counts = [];

    public int Count { get; private set; }

    public long Total { get; private set; }

    public void Add(int tokens)
    {
        _counts[tokens] = _counts.GetValueOrDefault(tokens) + 1;
        Count++;
        Total += tokens;
    }

    /// <summary>Σ min(tokens, limit) over every example added.</summary>
    public long SumBilled(int tokenLimitPerExample) => _counts.Sum(p => (long)Math.Min(p.Key, tokenLimitPerExample) * p.Value);

    public TokenStats ToStats()
    {
        if (Count == 0)
        {
            return TokenStats.Empty;
        }

        var sorted = _counts.OrderBy(p => p.Key).ToList();
        return new TokenStats(Count, Total, sorted[0].Key, Percentile(sorted, 0.05), Percentile(sorted, 0.50), Percentile(sorted, 0.95), sorted[^1].Key);
    }

    /// <summary>The rule of <see cref="TokenStats.Percentile"/>: linear interpolation between the ranks around p × (n − 1).</summary>
    private double Percentile(List<KeyValuePair<int, int>> sorted, double fraction)
    {
        var rank = fraction * (Count - 1);
        var lower = (int)Math.Floor(rank);
        var upper = (int)Math.Ceiling(rank);
        var low = ValueAt(sorted, lower);
        var high = ValueAt(sorted, upper);
        var value = low + (rank - lower) * (high - low);
        return Math.Round(value, 2, MidpointRounding.AwayFromZero);
    }

    /// <summary>The token count at a zero-based rank of the sorted examples.</summary>
    private static int ValueAt(List<KeyValuePair<int, int>> sorted, int rank)
    {
        var seen = 0;
        foreach (var (tokens, count) in sorted)
        {
            seen += count;
            if (rank < seen)
            {
                return tokens;
            }
        }

        return sorted[^1].Key;
    }
}

/// <summary>
/// Remembers the first line of each distinct line key: an 8-byte key and a 4-byte line number per distinct line in
/// one open-addressing table (about 16–24 bytes per line with the free slots), instead of a dictionary entry.
/// Two different lines share a key with probability about n² / 2^65 (1 in 37 million for a million lines); such a
/// pair would only be reported as a duplicate warning, never drop or change anything.
/// </summary>
internal sealed class FirstLineTable
{
    private ulong[] _keys = new ulong[1024];
    private int[] _lines = new int[1024];
    private int _used;

    /// <summary>The first line seen with this key, or 0 after remembering <paramref name="line"/> as the first.</summary>
    public int FirstLineOf(ulong key, int line)
    {
        key = key == 0 ? 1 : key; // 0 marks a free slot
        if ((_used + 1) * 4 > _keys.Length * 3)
        {
            Grow();
        }

        var mask = _keys.Length - 1;
        var slot = (int)(key ^ (key >> 32)) & mask;
        while (_keys[slot] != 0)
        {
            if (_keys[slot] == key)
            {
                return _lines[slot];
            }

            slot = (slot + 1) & mask;
        }

        _keys[slot] = key;
        _lines[slot] = line;
        _used++;
        return 0;
    }

    private void Grow()
    {
        var keys = _keys;
        var lines = _lines;
        _keys = new ulong[keys.Length * 2];
        _lines = new int[keys.Length * 2];
        var mask = _keys.Length - 1;
        for (var i = 0; i < keys.Length; i++)
        {
            if (keys[i] != 0)
            {
                var slot = (int)(keys[i] ^ (keys[i] >> 32)) & mask;
                while (_keys[slot] != 0)
                {
                    slot = (slot + 1) & mask;
                }

                _keys[slot] = keys[i];
                _lines[slot] = lines[i];
            }
        }
    }
}
