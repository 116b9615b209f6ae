using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Jobs;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Judges;

/// <summary>
/// Judge runs in the background of this app instance, and the runs a stopped instance left (as an
/// <see cref="IResumableJobKind"/> picked up by <see cref="JobPickup"/>). Progress is observable through
/// <see cref="Changed"/>, so a page can be closed and reopened while a run goes on.
/// </summary>
public sealed class JudgeRunRunner(JudgeRuns runs, JudgeRunExecutor executor, EvalEndpointCatalog endpoints, ILogger<JudgeRunRunner> logger) : IResumableJobKind, IDisposable
{
    private readonly BackgroundJobs<JudgeRunProgress> _jobs = new(p => p.Status is EvalRunStatus.Running or EvalRunStatus.Pending);

    /// <summary>Raised on every finished item and when a run ends; handlers must be quick and thread-safe.</summary>
    public event Action<JudgeRunProgress>? Changed
    {
        add => _jobs.Changed += value;
        remove => _jobs.Changed -= value;
    }

    public JudgeRunProgress? Current(int runId) => _jobs.Current(runId);

    /// <summary>Progress from this instance when it runs the job, else from the database.</summary>
    public async Task<JudgeRunProgress> ProgressAsync(int runId, CancellationToken cancellationToken) =>
        Current(runId) ?? await runs.GetProgressAsync(runId, cancellationToken);

    /// <summary>Records a Pending run and starts judging it in the background.</summary>
    public async Task<JudgeRunSummary> StartAsync(JudgeRunRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var run = await runs.CreateAsync(request, actor, cancellationToken);
        Start(run.Id, actor);
        return run;
    }

    public void Start(int runId, Actor actor)
    {
        if (_jobs.TryReserve(runId) is not { } slot)
        {
            return;
        }

        var stopping = _jobs.Stopping;
        _jobs.Run(slot, new JudgeRunProgress(runId, EvalRunStatus.Pending, 0, 0, 0, null), (progress, token) => ExecuteAsync(runId, async () =>
        {
            if (!await executor.ExecuteAsync(runId, actor, progress, stopping, token))
            {
                logger.LogInformation("Judge run {RunId} was not pending any more; another instance has it or it was cancelled", runId);
            }
        }));
    }

    /// <summary>Takes over a run whose instance stopped and judges its missing items here. Conflict when it has ended or is held.</summary>
    public async Task<JudgeRunProgress> ResumeAsync(int runId, Actor actor, CancellationToken cancellationToken)
    {
        if (_jobs.IsRunning(runId))
        {
            throw new ConflictException($"Judge run {runId} is being judged by this instance.");
        }

        var claim = await executor.ClaimOrphanAsync(runId, actor, cancellationToken);
        if (_jobs.TryReserve(runId) is not { } slot)
        {
            await claim.DisposeAsync();
            throw new ConflictException($"Judge run {runId} is being judged by this instance.");
        }

        var current = await runs.GetProgressAsync(runId, CancellationToken.None) with { Orphaned = false };
        var stopping = _jobs.Stopping;
        _jobs.Run(slot, current, (progress, token) => ExecuteAsync(runId, () => executor.JudgeClaimedAsync(claim, actor, progress, stopping, token)));
        return current;
    }

    /// <summary>Stops a run here, or marks it Cancelled for the instance that works on it. False when it had already ended.</summary>
    public async Task<bool> CancelAsync(int runId, Actor actor, CancellationToken cancellationToken)
    {
        switch (await _jobs.CancelAsync(runId))
        {
            case true:
                await runs.RecordCancelAsync(runId, actor, cancellationToken);
                return true;
            case false:
                return false;
            default:
                return await runs.RequestCancelAsync(runId, actor, cancellationToken);
        }
    }

    /// <summary>Waits for a run this instance is judging (tests and the command line).</summary>
    public Task WaitAsync(int runId) => _jobs.WaitAsync(runId);

    string IResumableJobKind.Kind => JudgeRuns.LeaseKind;

    bool IResumableJobKind.PicksUpOrphans => endpoints.Options.ResumeOrphanedRuns;

    Task<IReadOnlyList<int>> IResumableJobKind.OrphansAsync(CancellationToken cancellationToken) => runs.OrphanedRunIdsAsync(cancellationToken);

    Task IResumableJobKind.ResumeOrphanAsync(int key, CancellationToken cancellationToken) => ResumeAsync(key, Actor.System, cancellationToken);

    private async Task ExecuteAsync(int runId, Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (OperationCanceledException)
        {
            logger.LogInformation("Judge run {RunId} was cancelled before it started", runId);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Judge run {RunId} failed", runId);
        }
    }

    public void Dispose() => _jobs.Dispose();
}
