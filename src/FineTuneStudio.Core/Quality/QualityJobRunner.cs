using System.Collections.Concurrent;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Jobs;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Quality;

/// <summary>
/// Runs analyses in the background, one per dataset at a time. Progress is observable through
/// <see cref="Changed"/> and <see cref="Current"/>; a run can be cancelled. Lives as a singleton in
/// the web app, so a page can be closed and reopened while the analysis goes on. With
/// <paramref name="leases"/>, a dataset's analysis also runs on one instance at a time when several
/// share the database: the others answer with the run in progress.
/// </summary>
public sealed class QualityJobRunner(QualityService quality, ILogger<QualityJobRunner> logger, JobLeaseService leases) : IDisposable
{
    public const string LeaseKind = "quality";

    /// <summary>How often a run on another instance is looked up until it ends.</summary>
    public static readonly TimeSpan RemotePollInterval = TimeSpan.FromSeconds(1);

    private readonly BackgroundJobs<QualityProgress> _jobs = new(p => p.Status == QualityRunStatus.Running);
    private readonly ConcurrentDictionary<int, Task> _watching = new();
    private readonly SemaphoreSlim _starting = new(1, 1);

    /// <summary>Raised on every progress step and when a run ends; handlers must be quick and thread-safe.</summary>
    public event Action<QualityProgress>? Changed
    {
        add => _jobs.Changed += value;
        remove => _jobs.Changed -= value;
    }

    /// <summary>The running analysis of a dataset, if any.</summary>
    public QualityProgress? Current(int datasetId) => _jobs.Current(datasetId);

    /// <summary>The latest stored result and the running analysis, if any.</summary>
    public async Task<QualityOverview> OverviewAsync(int datasetId, CancellationToken cancellationToken) =>
        new(datasetId, await quality.LatestAsync(datasetId, cancellationToken), Current(datasetId));

    /// <summary>Starts an analysis, or returns the one already running for the dataset.</summary>
    public async Task<QualityProgress> StartAsync(int datasetId, Actor actor, CancellationToken cancellationToken)
    {
        await _starting.WaitAsync(cancellationToken);
        try
        {
            if (_jobs.Current(datasetId) is { } running)
            {
                return running;
            }

            JobLeaseHandle? claim = null;
            if (leases is not null)
            {
                claim = await leases.TryAcquireAsync(LeaseKind, datasetId.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
                if (claim is null)
                {
                    var remote = await quality.RunningAsync(datasetId, cancellationToken)
                        ?? throw new ConflictException("An analysis of this dataset is starting on another instance; look again in a moment.");
                    Watch(remote);
                    return remote;
                }
            }

            QualityRunSummary run;
            try
            {
                run = await quality.BeginAsync(datasetId, actor, cancellationToken);
            }
            catch
            {
                if (claim is not null)
                {
                    await claim.DisposeAsync();
                }

                throw;
            }

            // Starts are one at a time and the dataset has no job here (looked up above), so the slot is free.
            var slot = _jobs.TryReserve(datasetId)!;
            var progress = new QualityProgress(run.Id, datasetId, QualityRunStatus.Running, 0, 0);
            _jobs.Run(slot, progress, (reporter, token) => ExecuteAsync(datasetId, run.Id, claim, reporter, token));
            return progress;
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>Tells this instance's listeners when a run on another instance ends (its progress is not seen here).</summary>
    private void Watch(QualityProgress remote)
    {
        if (_watching.TryGetValue(remote.DatasetId, out var watching) && !watching.IsCompleted)
        {
            return;
        }

        _watching[remote.DatasetId] = Task.Run(async () =>
        {
            try
            {
                var stop = _jobs.Stopping;
                using var timer = new PeriodicTimer(RemotePollInterval);
                while (await timer.WaitForNextTickAsync(stop))
                {
                    var run = await quality.GetRunAsync(remote.DatasetId, remote.RunId, stop);
                    if (run.Status != QualityRunStatus.Running)
                    {
                        _jobs.Notify(new QualityProgress(run.Id, run.DatasetId, run.Status, run.ExamplesAnalyzed, run.ExamplesAnalyzed));
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Shutting down.
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Lost track of quality run {RunId} of dataset {DatasetId} on another instance", remote.RunId, remote.DatasetId);
            }
            finally
            {
                _watching.TryRemove(remote.DatasetId, out _);
            }
        }, CancellationToken.None);
    }

    /// <summary>Cancels the dataset's running analysis; false when none is running.</summary>
    // A run that ended between the look-up and the cancel still counts as found.
    public bool Cancel(int datasetId) => _jobs.Cancel(datasetId) is not null;

    /// <summary>Waits for the dataset's running analysis to end (tests and the command line).</summary>
    public Task WaitAsync(int datasetId) => _jobs.WaitAsync(datasetId);

    private async Task ExecuteAsync(int datasetId, int runId, JobLeaseHandle? claim, IProgress<QualityProgress> progress, CancellationToken cancellationToken)
    {
        try
        {
            // With a claim, the run's end and the claim's release commit together (another instance may start at once).
            await (claim is null ? quality.ExecuteAsync(runId, progress, cancellationToken) : quality.ExecuteClaimedAsync(runId, claim, progress, cancellationToken));
        }
        catch (OperationCanceledException)
        {
            logger.LogInformation("Quality run {RunId} of dataset {DatasetId} was cancelled", runId, datasetId);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Quality run {RunId} of dataset {DatasetId} failed", runId, datasetId);
        }
        finally
        {
            if (claim is not null)
            {
                try
                {
                    await claim.DisposeAsync();
                }
                catch (Exception e)
                {
                    // The claim runs out on its own.
                    logger.LogWarning(e, "Could not release the claim on the analysis of dataset {DatasetId}", datasetId);
                }
            }
        }
    }

    public void Dispose()
    {
        _jobs.Dispose();
        _starting.Dispose();
    }
}
