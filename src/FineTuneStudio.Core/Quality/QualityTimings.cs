using System.Collections.Concurrent;
using System.Diagnostics;

namespace FineTuneStudio.Core.Quality;

/// <summary>
/// Time spent per step of an analysis (reading, token counting, each detector), for benchmarks and
/// the log. Collected only when a collector is passed; thread-safe.
/// </summary>
public sealed class QualityTimings
{
    private readonly ConcurrentDictionary<string, long> _ticks = new(StringComparer.Ordinal);

    /// <summary>Adds the time since <paramref name="startTimestamp"/> (from <see cref="Stopwatch.GetTimestamp"/>) to a step.</summary>
    public void Add(string step, long startTimestamp) =>
        _ticks.AddOrUpdate(step, Stopwatch.GetTimestamp() - startTimestamp, (_, t) => t + Stopwatch.GetTimestamp() - startTimestamp);

    public IReadOnlyList<(string Step, TimeSpan Elapsed)> Steps =>
        _ticks.OrderByDescending(p => p.Value).Select(p => (p.Key, TimeSpan.FromSeconds((double)p.Value / Stopwatch.Frequency))).ToList();

    public override string ToString() =>
        string.Join(", ", Steps.Select(s => $"{s.Step} {s.Elapsed.TotalSeconds:0.00} s"));
}
