namespace FineTuneStudio.Core.Jobs;

/// <summary>
/// A kind of background job that outlives the instance running it: when that instance stops, the job is left
/// behind unfinished (its claim runs out or was given back), and another instance, or this one after its
/// restart, picks it up through <see cref="JobPickup"/>. The kind says which jobs are left and how to resume one.
/// </summary>
public interface IResumableJobKind
{
    /// <summary>The kind of the jobs' claims (<see cref="JobLeaseService"/>), e.g. <c>eval-run</c>.</summary>
    string Kind { get; }

    /// <summary>Whether this instance picks up left jobs now; read at every look, so switching it off needs no restart.</summary>
    bool PicksUpOrphans { get; }

    /// <summary>The unfinished jobs no live instance holds, in the order to resume them.</summary>
    Task<IReadOnlyList<int>> OrphansAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Claims the job (taking over its claim with <see cref="JobLeaseService.TryTakeOverAsync"/>) and resumes it
    /// in the background of this instance. Conflict when another instance took it first or it has ended,
    /// not found when it was deleted meanwhile.
    /// </summary>
    Task ResumeOrphanAsync(int key, CancellationToken cancellationToken);

    /// <summary>Waits for the key's job on this instance to end.</summary>
    Task WaitAsync(int key);
}
