using FineTuneStudio.Core.Auditing;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Jobs;

/// <summary>
/// Runs of one kind (generated eval runs, judge runs) worked on in the background of this app instance under a
/// lease: start a Pending run, take over one a stopped instance left (as an <see cref="IResumableJobKind"/> picked
/// up by <see cref="JobPickup"/>), cancel it here or for the instance that has it, and watch its progress, so a page
/// can be closed and reopened while a run goes on. The kind says how a run is claimed, worked on and cancelled.
/// </summary>
public abstract class LeasedRunRunner<TProgress>(Func<TProgress, bool> isActive, ILogger logger) : IResumableJobKind, IDisposable
    where TProgress : class
{
    private readonly BackgroundJobs<TProgress> _jobs = new(isActive);

    /// <summary>Raised on every stored item and when a run ends; handlers must be quick and thread-safe.</summary>
    public event Action<TProgress>? Changed
    {
        add => _jobs.Changed += value;
        remove => _jobs.Changed -= value;
    }

    /// <summary>What the runs are called in messages and logs, e.g. "Judge run".</summary>
    protected abstract string Noun { get; }

    /// <summary>What is done to a run, for messages: "judged", "generated".</summary>
    protected abstract string Done { get; }

    /// <summary>The progress of a run this instance works on, if any.</summary>
    public TProgress? Current(int runId) => _jobs.Current(runId);

    /// <summary>Progress from this instance when it runs the job, else from the database.</summary>
    public async Task<TProgress> ProgressAsync(int runId, CancellationToken cancellationToken) =>
        Current(runId) ?? await StoredProgressAsync(runId, cancellationToken);

    /// <summary>Starts working on a Pending run here (e.g. one an instance stopped before claiming it); nothing when this instance has it already.</summary>
    public void Start(int runId, Actor actor)
    {
        if (_jobs.TryReserve(runId) is not { } slot)
        {
            return;
        }

        var stopping = _jobs.Stopping;
        _jobs.Run(slot, Pending(runId), (progress, token) => GuardAsync(runId, async () =>
        {
            if (!await ExecutePendingAsync(runId, actor, progress, stopping, token))
            {
                logger.LogInformation("{Noun} {RunId} was not pending any more; another instance has it or it was cancelled", Noun, runId);
            }
        }));
    }

    /// <summary>
    /// Takes over a run whose instance stopped and finishes its missing items here in the background.
    /// Not found, or conflict when the run has ended or a live instance (this one included) holds it.
    /// </summary>
    public async Task<TProgress> ResumeAsync(int runId, Actor actor, CancellationToken cancellationToken)
    {
        if (_jobs.IsRunning(runId))
        {
            throw new ConflictException($"{Noun} {runId} is being {Done} by this instance.");
        }

        var claim = await ClaimOrphanAsync(runId, actor, cancellationToken);
        if (_jobs.TryReserve(runId) is not { } slot)
        {
            await claim.DisposeAsync();
            throw new ConflictException($"{Noun} {runId} is being {Done} by this instance.");
        }

        var current = Resumed(await StoredProgressAsync(runId, CancellationToken.None));
        var stopping = _jobs.Stopping;
        _jobs.Run(slot, current, (progress, token) => GuardAsync(runId, () => ExecuteClaimedAsync(claim, actor, progress, stopping, token)));
        return current;
    }

    /// <summary>
    /// Resumes the runs no live instance holds, one after another (see <see cref="JobPickup.PickUpAsync"/>, which
    /// also calls this at start-up and every two minutes). Returns the ids finished here.
    /// </summary>
    public Task<IReadOnlyList<int>> ResumeOrphansAsync(CancellationToken cancellationToken) => JobPickup.PickUpAsync(this, logger, cancellationToken);

    /// <summary>Stops a run here, or marks it Cancelled for the instance that works on it. False when it had already ended.</summary>
    public async Task<bool> CancelAsync(int runId, Actor actor, CancellationToken cancellationToken)
    {
        switch (await _jobs.CancelAsync(runId))
        {
            case true:
                await RecordCancelAsync(runId, actor, cancellationToken);
                return true;
            case false:
                // The run ended between the look-up and the cancel.
                return false;
            default:
                return await RequestCancelAsync(runId, actor, cancellationToken);
        }
    }

    /// <summary>Waits for a run this instance works on (tests and the command line).</summary>
    public Task WaitAsync(int runId) => _jobs.WaitAsync(runId);

    public void Dispose()
    {
        _jobs.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The progress shown for a run about to start.</summary>
    protected abstract TProgress Pending(int runId);

    /// <summary>The stored progress of a run taken over here, no longer shown as left by a stopped instance.</summary>
    protected abstract TProgress Resumed(TProgress stored);

    protected abstract Task<TProgress> StoredProgressAsync(int runId, CancellationToken cancellationToken);

    /// <summary>Claims a Pending run and works on it to the end; false when it was not Pending or another instance has it.</summary>
    protected abstract Task<bool> ExecutePendingAsync(int runId, Actor actor, IProgress<TProgress> progress, CancellationToken instanceStopping, CancellationToken cancellationToken);

    /// <summary>Takes over the lease of a run a stopped instance left; conflict when it is live or has ended.</summary>
    protected abstract Task<JobLeaseHandle> ClaimOrphanAsync(int runId, Actor actor, CancellationToken cancellationToken);

    protected abstract Task ExecuteClaimedAsync(JobLeaseHandle claim, Actor actor, IProgress<TProgress> progress, CancellationToken instanceStopping, CancellationToken cancellationToken);

    /// <summary>Writes the audit event for a run stopped here.</summary>
    protected abstract Task RecordCancelAsync(int runId, Actor actor, CancellationToken cancellationToken);

    /// <summary>Marks a run another instance works on Cancelled (it notices after its next item); false when it had ended.</summary>
    protected abstract Task<bool> RequestCancelAsync(int runId, Actor actor, CancellationToken cancellationToken);

    protected abstract string LeaseKind { get; }

    protected abstract bool PicksUpOrphans { get; }

    protected abstract Task<IReadOnlyList<int>> OrphansAsync(CancellationToken cancellationToken);

    string IResumableJobKind.Kind => LeaseKind;

    bool IResumableJobKind.PicksUpOrphans => PicksUpOrphans;

    Task<IReadOnlyList<int>> IResumableJobKind.OrphansAsync(CancellationToken cancellationToken) => OrphansAsync(cancellationToken);

    // Nobody asked in person: the system resumes it.
    Task IResumableJobKind.ResumeOrphanAsync(int key, CancellationToken cancellationToken) => ResumeAsync(key, Actor.System, cancellationToken);

    /// <summary>The work's own errors are recorded on the run; what escapes is logged here, never thrown on the thread pool.</summary>
    private async Task GuardAsync(int runId, Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (OperationCanceledException)
        {
            logger.LogInformation("{Noun} {RunId} was cancelled before it started", Noun, runId);
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Noun} {RunId} failed", Noun, runId);
        }
    }
}
