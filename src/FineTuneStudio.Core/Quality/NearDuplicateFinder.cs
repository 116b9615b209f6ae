namespace FineTuneStudio.Core.Quality;

/// <summary>
/// Signatures kept in large flat chunks, so that 100,000 of them are a few dozen arrays rather than 100,000 small
/// objects, and kept as one byte per MinHash value (b-bit MinHash, b = 8): a quarter of the memory of the full values,
/// which is what bounds the quality report at a million examples. Two unrelated values then agree by chance once in
/// 256, which <see cref="Similarity(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/> takes out of the estimate
/// (Li and König, "b-Bit Minwise Hashing", 2010).
/// </summary>
public sealed class SignatureStore
{
    private const int PerChunk = 2048;

    /// <summary>Chance that two unrelated values share their stored byte.</summary>
    private const double ChanceAgreement = 1.0 / 256;

    private readonly List<byte[]> _chunks = [];

    public SignatureStore(int signatureSize)
    {
        SignatureSize = signatureSize;
    }

    public int SignatureSize { get; }

    public int Count { get; private set; }

    /// <summary>Keeps one byte of each value of a full signature.</summary>
    public void Add(ReadOnlySpan<uint> signature)
    {
        if (Count % PerChunk == 0)
        {
            _chunks.Add(new byte[PerChunk * SignatureSize]);
        }

        var index = Count++;
        Compact(signature, _chunks[index / PerChunk].AsSpan(index % PerChunk * SignatureSize, SignatureSize));
    }

    public ReadOnlySpan<byte> this[int index] =>
        _chunks[index / PerChunk].AsSpan(index % PerChunk * SignatureSize, SignatureSize);

    /// <summary>The stored byte of each value: the top byte after a multiplicative mix, so every bit of the value counts.</summary>
    public static void Compact(ReadOnlySpan<uint> signature, Span<byte> into)
    {
        for (var i = 0; i < signature.Length; i++)
        {
            into[i] = (byte)((signature[i] * 0x9E3779B1u) >> 24);
        }
    }

    /// <summary>The Jaccard estimate of two stored signatures: the share of agreeing bytes, less the chance agreements.</summary>
    public static double Similarity(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length == 0)
        {
            return 0;
        }

        var equal = 0;
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] == b[i])
            {
                equal++;
            }
        }

        var agreeing = (double)equal / a.Length;
        return Math.Max(0, (agreeing - ChanceAgreement) / (1 - ChanceAgreement));
    }

    public double Similarity(int a, int b) => Similarity(this[a], this[b]);
}

/// <summary>
/// Locality-sensitive hashing over MinHash signatures: signatures are cut into bands, and only
/// items that agree on a whole band become candidates, which are then checked with the signature
/// estimate. Each band is handled by sorting, so memory stays at one array of keys.
/// </summary>
public static class NearDuplicateFinder
{
    // Buckets larger than this are checked against their first and previous member only, which
    // keeps a flood of near-identical texts linear; true pairs also meet in other bands.
    private const int FullCompareBucket = 48;

    /// <summary>FNV-1a over one band of a signature: items with equal keys share an LSH bucket.</summary>
    public static ulong BandKey(ReadOnlySpan<byte> signature, int band, int rows)
    {
        var key = 14695981039346656037ul;
        foreach (var v in signature.Slice(band * rows, rows))
        {
            key = (key ^ v) * 1099511628211ul;
        }

        return key;
    }

    /// <summary>Rows per band such that pairs at the threshold almost surely share a band (below one miss in a thousand).</summary>
    public static int RowsPerBand(double threshold, int signatureSize)
    {
        var best = 1;
        foreach (var rows in new[] { 1, 2, 4, 8, 16 })
        {
            if (signatureSize % rows != 0)
            {
                continue;
            }

            var bands = signatureSize / rows;
            var miss = Math.Pow(1 - Math.Pow(threshold, rows), bands);
            if (miss <= 0.001)
            {
                best = rows;
            }
        }

        return best;
    }

    /// <summary>
    /// Groups of items (indices into <paramref name="store"/>) whose estimated similarity is at least
    /// <paramref name="threshold"/>, joined transitively. Items where <paramref name="include"/> is
    /// false take no part. Groups have two or more members, each sorted.
    /// </summary>
    public static IReadOnlyList<int[]> FindGroups(SignatureStore store, double threshold, Func<int, bool> include, CancellationToken cancellationToken = default)
    {
        var n = store.Count;
        var parent = new int[n];
        for (var i = 0; i < n; i++)
        {
            parent[i] = i;
        }

        var members = Enumerable.Range(0, n).Where(include).ToArray();
        if (members.Length < 2)
        {
            return [];
        }

        var rows = RowsPerBand(threshold, store.SignatureSize);
        var bands = store.SignatureSize / rows;
        // Primitive keys with the indices alongside sort far faster than (key, index) tuples; each
        // bucket's indices are then put in order, which gives the same buckets as sorting the tuples.
        var keys = new ulong[members.Length];
        var items = new int[members.Length];
        for (var band = 0; band < bands; band++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var m = 0; m < members.Length; m++)
            {
                keys[m] = BandKey(store[members[m]], band, rows);
                items[m] = members[m];
            }

            Array.Sort(keys, items);
            var start = 0;
            for (var i = 1; i <= keys.Length; i++)
            {
                if (i < keys.Length && keys[i] == keys[start])
                {
                    continue;
                }

                var size = i - start;
                if (size > 1)
                {
                    Array.Sort(items, start, size);
                    CompareBucket(store, items.AsSpan(start, size), threshold, parent);
                }

                start = i;
            }
        }

        // Sizes first, so only groups of two or more get a list: a list per member (most are alone) was a million
        // small objects at a million examples, the largest allocation of the whole report.
        var groupSize = new int[n];
        foreach (var i in members)
        {
            groupSize[Find(parent, i)]++;
        }

        var groups = new Dictionary<int, List<int>>();
        foreach (var i in members)
        {
            var root = Find(parent, i);
            if (groupSize[root] < 2)
            {
                continue;
            }

            if (!groups.TryGetValue(root, out var list))
            {
                groups[root] = list = new List<int>(groupSize[root]);
            }

            list.Add(i);
        }

        return groups.Values.Select(g => g.ToArray()).OrderBy(g => g[0]).ToList();
    }

    private static void CompareBucket(SignatureStore store, ReadOnlySpan<int> bucket, double threshold, int[] parent)
    {
        if (bucket.Length <= FullCompareBucket)
        {
            for (var a = 0; a < bucket.Length; a++)
            {
                for (var b = a + 1; b < bucket.Length; b++)
                {
                    TryJoin(store, bucket[a], bucket[b], threshold, parent);
                }
            }

            return;
        }

        for (var b = 1; b < bucket.Length; b++)
        {
            TryJoin(store, bucket[0], bucket[b], threshold, parent);
            TryJoin(store, bucket[b - 1], bucket[b], threshold, parent);
        }
    }

    private static void TryJoin(SignatureStore store, int a, int b, double threshold, int[] parent)
    {
        var ra = Find(parent, a);
        var rb = Find(parent, b);
        if (ra == rb || store.Similarity(a, b) < threshold)
        {
            return;
        }

        parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
    }

    private static int Find(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }

        return i;
    }
}
