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
public sealed class QualityJobRunner(QualityService quality, ILogger<QualityJobRunner> logger, JobLeaseService? leases = null) : IDisposable
{
    public const string LeaseKind = "quality";

    /// <summary>How often a run on another instance is looked up until it ends.</summary>
    public static readonly TimeSpan RemotePollInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<int, Job> _jobs = new();
    private readonly ConcurrentDictionary<int, Task> _watching = new();
    private readonly SemaphoreSlim _starting = new(1, 1);
    private readonly CancellationTokenSource _shutdown = new();

    /// <summary>Raised on every progress step and when a run ends; handlers must be quick and thread-safe.</summary>
    public event Action<QualityProgress>? Changed;

    /// <summary>The running analysis of a dataset, if any.</summary>
    public QualityProgress? Current(int datasetId) => _jobs.TryGetValue(datasetId, out var job) ? job.Progress : null;

    /// <summary>The latest stored result and the running analysis, if any.</summary>
    public async Task<QualityOverview> OverviewAsync(int datasetId, CancellationToken cancellationToken) =>
        new(datasetId, await quality.LatestAsync(datasetId, cancellationToken), Current(datasetId));

    /// <summary>Starts an analysis, or returns the one already running for the dataset.</summary>
    public async Task<QualityProgress> StartAsync(int datasetId, Actor actor, CancellationToken cancellationToken)
    {
        await _starting.WaitAsync(cancellationToken);
        try
        {
            if (_jobs.TryGetValue(datasetId, out var running))
            {
                return running.Progress;
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

            var job = new Job(CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token))
            {
                Progress = new QualityProgress(run.Id, datasetId, QualityRunStatus.Running, 0, 0),
                Claim = claim,
            };
            _jobs[datasetId] = job;
            job.Task = Task.Run(() => ExecuteAsync(datasetId, run.Id, job), CancellationToken.None);
            return job.Progress;
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
                var stop = _shutdown.Token;
                using var timer = new PeriodicTimer(RemotePollInterval);
                while (await timer.WaitForNextTickAsync(stop))
                {
                    var run = await quality.GetRunAsync(remote.DatasetId, remote.RunId, stop);
                    if (run.Status != QualityRunStatus.Running)
                    {
                        Changed?.Invoke(new QualityProgress(run.Id, run.DatasetId, run.Status, run.ExamplesAnalyzed, run.ExamplesAnalyzed));
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
    public bool Cancel(int datasetId)
    {
        if (!_jobs.TryGetValue(datasetId, out var job))
        {
            return false;
        }

        try
        {
            job.Cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run ended between the look-up and the cancel.
        }

        return true;
    }

    /// <summary>Waits for the dataset's running analysis to end (tests and the command line).</summary>
    public Task WaitAsync(int datasetId) => _jobs.TryGetValue(datasetId, out var job) && job.Task is { } task ? task : Task.CompletedTask;

    private async Task ExecuteAsync(int datasetId, int runId, Job job)
    {
        var progress = new Reporter(p =>
        {
            job.Progress = p;
            if (p.Status != QualityRunStatus.Running)
            {
                // Leave the slot before telling listeners, so a listener may start the next run at once.
                _jobs.TryRemove(datasetId, out _);
            }

            Changed?.Invoke(p);
        });
        try
        {
            await quality.ExecuteAsync(runId, progress, job.Cancellation.Token);
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
            _jobs.TryRemove(datasetId, out _);
            job.Cancellation.Dispose();
            if (job.Claim is not null)
            {
                try
                {
                    await job.Claim.DisposeAsync();
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
        _shutdown.Cancel();
        _shutdown.Dispose();
        _starting.Dispose();
    }

    private sealed class Job(CancellationTokenSource cancellation)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public QualityProgress Progress { get; set; } = null!;
        public Task? Task { get; set; }
        public JobLeaseHandle? Claim { get; init; }
    }

    /// <summary>Reports synchronously on the caller's thread (unlike Progress&lt;T&gt;, which posts to a context).</summary>
    private sealed class Reporter(Action<QualityProgress> report) : IProgress<QualityProgress>
    {
        public void Report(QualityProgress value) => report(value);
    }
}
