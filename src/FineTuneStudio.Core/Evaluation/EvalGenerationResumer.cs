using FineTuneStudio.Core.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// Picks up generation runs an instance left behind when it stopped: at start-up, and again every
/// <see cref="JobLeaseService.Duration"/>, because the lease of an instance that crashed a moment ago is
/// still live at start-up (a single instance restarted after a crash finds its own run that way). The
/// person asked for these runs already; finishing them only generates the items without a result.
/// Off with <c>Studio:Evaluation:Generation:ResumeOrphanedRuns=false</c>; the runs page still offers Resume.
/// </summary>
public sealed class EvalGenerationResumer(EvalGenerationRunner runner, EvalEndpointCatalog endpoints, TimeProvider clock, ILogger<EvalGenerationResumer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Let the host finish starting before the first look.
        await Task.Yield();
        using var timer = new PeriodicTimer(JobLeaseService.Duration, clock);
        try
        {
            do
            {
                try
                {
                    // Read each time, like the endpoints: switching it off in appsettings.json needs no restart.
                    if (endpoints.Options.ResumeOrphanedRuns)
                    {
                        await runner.ResumeOrphansAsync(stoppingToken);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Could not look for eval runs left by a stopped instance; trying again later");
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
