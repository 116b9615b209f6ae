using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Jobs;

/// <summary>
/// Picks up the jobs a stopped instance left behind, for every <see cref="IResumableJobKind"/>: at start-up,
/// and again every <see cref="JobLeaseService.Duration"/>, because the claim of an instance that crashed a
/// moment ago is still live at start-up (a single instance restarted after a crash finds its own jobs that
/// way). The people who asked for these jobs asked already; finishing them only does what is left.
/// </summary>
public sealed class JobPickup(IEnumerable<IResumableJobKind> kinds, TimeProvider clock, ILogger<JobPickup> logger) : BackgroundService
{
    /// <summary>
    /// Resumes the kind's left jobs one after another: each job already works as hard as it is allowed to, and
    /// while this instance works on one, other instances can take the next. Jobs another instance takes first,
    /// or that end or vanish meanwhile, are skipped. Returns the keys finished here.
    /// </summary>
    public static async Task<IReadOnlyList<int>> PickUpAsync(IResumableJobKind kind, ILogger logger, CancellationToken cancellationToken)
    {
        var resumed = new List<int>();
        foreach (var key in await kind.OrphansAsync(cancellationToken))
        {
            try
            {
                await kind.ResumeOrphanAsync(key, cancellationToken);
                resumed.Add(key);
                await kind.WaitAsync(key).WaitAsync(cancellationToken);
            }
            catch (Exception e) when (e is ConflictException or NotFoundException)
            {
                // Another instance took it, it ended, or it was deleted meanwhile.
            }
        }

        if (resumed.Count > 0)
        {
            logger.LogInformation("Resumed {Count} {Kind} job(s) left by a stopped instance", resumed.Count, kind.Kind);
        }

        return resumed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting before the first look.
        await Task.Yield();
        using var timer = new PeriodicTimer(JobLeaseService.Duration, clock);
        try
        {
            do
            {
                foreach (var kind in kinds)
                {
                    try
                    {
                        if (kind.PicksUpOrphans)
                        {
                            await PickUpAsync(kind, logger, stoppingToken);
                        }
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        logger.LogWarning(e, "Could not look for {Kind} jobs left by a stopped instance; trying again later", kind.Kind);
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }
}
