namespace FineTuneStudio.Core.Jobs;

/// <summary>How a run's per-item loop ended.</summary>
public enum RunLoopEnding
{
    /// <summary>Every item was worked on and its result stored.</summary>
    Finished,

    /// <summary>This instance is shutting down and nobody cancelled: the run stays Running, for another instance to resume.</summary>
    InstanceStopping,

    /// <summary>Someone cancelled, here or on another instance; what was done is stored.</summary>
    Cancelled,
}

/// <summary>
/// The per-item part of a leased background run (generated eval runs, judge runs): works on the items a few at once,
/// stores the results through one <see cref="BatchWriter{T}"/>, stops when a store finds the run cancelled, and says
/// how it ended. What was done is stored before it returns, however it ends; a failed store or a failed item throws.
/// </summary>
public static class RunLoop
{
    /// <param name="workAsync">One item's result; it may fail in its own way (a failed result), but throws only to stop the run.</param>
    /// <param name="storeAsync">Stores one batch in one transaction and answers whether the run has been cancelled meanwhile.</param>
    /// <param name="stored">After each batch is stored, on the writer's side (one at a time): counters and progress.</param>
    /// <param name="isCancelledAsync">Whether someone cancelled, asked when the instance stops, to tell the two apart.</param>
    public static async Task<RunLoopEnding> RunAsync<TItem, TResult>(
        IEnumerable<TItem> items,
        int concurrency,
        Func<TItem, CancellationToken, Task<TResult>> workAsync,
        Func<IReadOnlyList<TResult>, Task<bool>> storeAsync,
        Action<IReadOnlyList<TResult>> stored,
        Func<Task<bool>> isCancelledAsync,
        CancellationToken instanceStopping,
        CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = new BatchWriter<TResult>(async batch =>
        {
            if (await storeAsync(batch))
            {
                await stop.CancelAsync();
            }

            stored(batch);
        });
        try
        {
            try
            {
                await Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency), CancellationToken = stop.Token },
                    async (item, token) => writer.Add(await workAsync(item, token)));
            }
            finally
            {
                await writer.CompleteAsync();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return instanceStopping.IsCancellationRequested && !await isCancelledAsync() ? RunLoopEnding.InstanceStopping : RunLoopEnding.Cancelled;
        }

        return RunLoopEnding.Finished;
    }
}
