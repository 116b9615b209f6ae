using FineTuneStudio.Core.Jobs;

namespace FineTuneStudio.Cli;

/// <summary>
/// The command line's one progress reporter for long work (import, quality analysis, eval generation): a line
/// on stderr per tenth of the way and phase, so a long job shows it is moving without flooding the terminal,
/// and <c>--json</c> output on stdout stays clean. Reports arrive synchronously (<see cref="SyncProgress{T}"/>),
/// possibly from several threads.
/// </summary>
internal static class StderrProgress
{
    /// <summary>
    /// <paramref name="step"/> places a report (its phase, or null when it deserves no line, and how far it is
    /// of how much); <paramref name="line"/> writes the line, given the tenth reached (0–10).
    /// </summary>
    public static IProgress<T> Tenths<T>(TextWriter error, Func<T, (string? Phase, long Done, long Total)> step, Func<T, long, string> line)
    {
        var gate = new Lock();
        (string? Phase, long Tenth) last = (null, -1);
        return new SyncProgress<T>(value =>
        {
            var (phase, done, total) = step(value);
            if (phase is null)
            {
                return;
            }

            var tenth = total > 0 ? Math.Clamp(done * 10 / total, 0, 10) : 0;
            using var _ = gate.EnterScope();
            if ((phase, tenth) == last)
            {
                return;
            }

            last = (phase, tenth);
            error.WriteLine(line(value, tenth));
        });
    }
}
