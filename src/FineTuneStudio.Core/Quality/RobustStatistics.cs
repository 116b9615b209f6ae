namespace FineTuneStudio.Core.Quality;

/// <summary>Order statistics that a few extreme values cannot drag around.</summary>
public static class RobustStatistics
{
    /// <summary>Median of values already sorted ascending.</summary>
    public static double Median(ReadOnlySpan<int> sorted)
    {
        if (sorted.IsEmpty)
        {
            throw new ArgumentException("No values.", nameof(sorted));
        }

        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + (double)sorted[mid]) / 2;
    }

    /// <summary>Median of the absolute distances from <paramref name="median"/> (unscaled).</summary>
    public static double MedianAbsoluteDeviation(ReadOnlySpan<int> values, double median)
    {
        var distances = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            distances[i] = Math.Abs(values[i] - median);
        }

        Array.Sort(distances);
        var mid = distances.Length / 2;
        return distances.Length % 2 == 1 ? distances[mid] : (distances[mid - 1] + distances[mid]) / 2;
    }

    /// <summary>
    /// Counts in buckets [0,16), [16,32), [32,64) ... doubling up to the bucket holding the maximum;
    /// lengths of training examples span orders of magnitude, so equal-width buckets would hide the short end.
    /// </summary>
    public static IReadOnlyList<LengthBucket> PowerOfTwoHistogram(ReadOnlySpan<int> sorted)
    {
        var buckets = new List<LengthBucket>();
        if (sorted.IsEmpty)
        {
            return buckets;
        }

        var from = 0;
        var to = 16;
        var i = 0;
        while (i < sorted.Length)
        {
            var count = 0;
            while (i < sorted.Length && sorted[i] < to)
            {
                count++;
                i++;
            }

            buckets.Add(new LengthBucket(from, to, count));
            from = to;
            to = to > int.MaxValue / 2 ? int.MaxValue : to * 2;
        }

        return buckets;
    }
}
