using System.Collections.Concurrent;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Jobs;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Quality;

/// <summary>
/// Runs analyses in the background, one per dataset at a time. Progress is observable through
/// <see cref="Changed"/> and <see cref="Current"/>; a run can be cancelled. Lives as a singleton in
/// the web app, so a page can be closed and reopened while the analysis goes on. Through
/// <paramref name="leases"/>, a dataset's analysis also runs on one instance at a time when several
/// share the database: the others answer with the run in progress. As the <see cref="IResumableJobKind"/>
/// of analyses, it restarts an analysis an instance that stopped left running (<see cref="JobPickup"/>).
/// </summary>
public sealed class QualityJobRunner(QualityService quality, ILogger<QualityJobRunner> logger, JobLeaseService leases) : IResumableJobKind, IDisposable
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

            var claim = await leases.TryAcquireAsync(LeaseKind, LeaseKey(datasetId), cancellationToken);
            if (claim is null)
            {
                var remote = await quality.RunningAsync(datasetId, cancellationToken)
                    ?? throw new ConflictException("An analysis of this dataset is starting on another instance; look again in a moment.");
                Watch(remote);
                return remote;
            }

            return await RunInBackgroundAsync(datasetId, claim, token => quality.BeginAsync(datasetId, actor, token), cancellationToken);
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>
    /// Restarts, from the beginning, the analysis of a dataset whose instance stopped while it ran. Conflict when
    /// this or another live instance runs it, or when no analysis of the dataset is left running.
    /// </summary>
    public async Task<QualityProgress> ResumeAsync(int datasetId, CancellationToken cancellationToken)
    {
        await _starting.WaitAsync(cancellationToken);
        try
        {
            if (_jobs.Current(datasetId) is not null)
            {
                throw new ConflictException("The analysis of this dataset is running on this instance.");
            }

            // A live claim of anyone, ours included, means the analysis is not left behind.
            var claim = await leases.TryTakeOverAsync(LeaseKind, LeaseKey(datasetId), cancellationToken)
                ?? throw new ConflictException("The analysis of this dataset is running on another instance.");
            // Nobody asked in person: the system restarts it.
            return await RunInBackgroundAsync(datasetId, claim, token => quality.RestartLeftRunAsync(datasetId, Actor.System, token), cancellationToken);
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>
    /// Runs an analysis to its end on the caller's thread (the command line) under the same claim a background run
    /// takes, so no instance starts a second analysis of the dataset, or takes this one for left behind, meanwhile.
    /// Conflict when another instance runs one.
    /// </summary>
    public async Task<QualityResult> RunHereAsync(int datasetId, Actor actor, IProgress<QualityProgress>? progress, CancellationToken cancellationToken)
    {
        await using var claim = await leases.TryAcquireAsync(LeaseKind, LeaseKey(datasetId), cancellationToken)
            ?? throw new ConflictException("An analysis of this dataset is running on another instance; try again when it ends.");
        var run = await quality.BeginAsync(datasetId, actor, cancellationToken);
        await quality.ExecuteClaimedAsync(run.Id, claim, progress, cancellationToken);
        return await quality.LatestAsync(datasetId, cancellationToken) ?? throw new NotFoundException("Quality run", run.Id);
    }

    /// <summary>Opens the run (<paramref name="open"/>) under the claim and analyses it in the background; the claim goes back if opening fails.</summary>
    // Callers hold _starting and found no job of the dataset here, so the slot is free.
    private async Task<QualityProgress> RunInBackgroundAsync(int datasetId, JobLeaseHandle claim, Func<CancellationToken, Task<QualityRunSummary>> open,
        CancellationToken cancellationToken)
    {
        QualityRunSummary run;
        try
        {
            run = await open(cancellationToken);
        }
        catch
        {
            await claim.DisposeAsync();
            throw;
        }

        var slot = _jobs.TryReserve(datasetId)!;
        var progress = new QualityProgress(run.Id, datasetId, QualityRunStatus.Running, 0, 0);
        _jobs.Run(slot, progress, (reporter, token) => ExecuteAsync(datasetId, run.Id, claim, reporter, token));
        return progress;
    }

    private static string LeaseKey(int datasetId) => datasetId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    string IResumableJobKind.Kind => LeaseKind;

    // An analysis is read-only over the examples and cheap to redo, so restarting one is always safe.
    bool IResumableJobKind.PicksUpOrphans => true;

    Task<IReadOnlyList<int>> IResumableJobKind.OrphansAsync(CancellationToken cancellationToken) => quality.LeftRunningDatasetIdsAsync(cancellationToken);

    Task IResumableJobKind.ResumeOrphanAsync(int key, CancellationToken cancellationToken) => ResumeAsync(key, cancellationToken);

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

    private async Task ExecuteAsync(int datasetId, int runId, JobLeaseHandle claim, IProgress<QualityProgress> progress, CancellationToken cancellationToken)
    {
        try
        {
            // The run's end and the claim's release commit together (another instance may start at once).
            await quality.ExecuteClaimedAsync(runId, claim, progress, cancellationToken);
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

    public void Dispose()
    {
        _jobs.Dispose();
        _starting.Dispose();
    }
}
