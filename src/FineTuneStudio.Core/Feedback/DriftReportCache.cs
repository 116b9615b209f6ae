using Microsoft.Extensions.Caching.Memory;

namespace FineTuneStudio.Core.Feedback;

/// <summary>
/// Keeps the latest drift report per basis (project, dataset, version, window start, threshold) with the data
/// stamp it was computed from. A report is reused only while the stamp still matches: an import adds log ids,
/// a cut version changes the default basis, an approval changes the approved examples' stamp. So nothing has to
/// remember to invalidate it, and several app instances never serve each other's stale figures.
/// </summary>
public sealed class DriftReportCache(IMemoryCache cache)
{
    // Reports of bases nobody opens any more (e.g. yesterday's window) fall out on their own.
    private static readonly TimeSpan Idle = TimeSpan.FromHours(6);

    /// <summary>What a report compares: versions never change, so their id is enough on the training side.</summary>
    public sealed record Basis(int ProjectId, int DatasetId, int? VersionId, DateTime? Since, double Threshold);

    /// <summary>
    /// The data a report was computed from: the logs (newest id and count) and, without a version, the approved
    /// examples (count and latest change); the label set decides which logged answers count as labels.
    /// </summary>
    public sealed record Stamp(long LatestLogId, int LogCount, int ApprovedCount, DateTime? ApprovedChangedAt, string Labels);

    private sealed record Entry(Stamp Stamp, DriftResult Result);

    /// <summary>How many reports were computed rather than reused (for tests and diagnostics).</summary>
    public int Computed => _computed;

    private int _computed;

    public async Task<DriftResult> GetOrComputeAsync(Basis basis, Stamp stamp, Func<Task<DriftResult>> compute)
    {
        if (cache.TryGetValue(basis, out Entry? entry) && entry is not null && entry.Stamp == stamp)
        {
            return entry.Result;
        }

        var result = await compute();
        Interlocked.Increment(ref _computed);
        cache.Set(basis, new Entry(stamp, result), new MemoryCacheEntryOptions { SlidingExpiration = Idle });
        return result;
    }
}
