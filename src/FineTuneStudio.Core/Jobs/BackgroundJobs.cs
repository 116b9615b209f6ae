using System.Collections.Concurrent;

namespace FineTuneStudio.Core.Jobs;

/// <summary>
/// The jobs of one kind that this app instance runs in the background, one per key (a dataset, a run) at a
/// time: their latest progress, a change event, cancellation, waiting, and the end of them all at shutdown.
/// The feature's runner decides what a job does and claims what it needs (leases, runs); this keeps the
/// bookkeeping the same for every kind.
/// </summary>
public sealed class BackgroundJobs<TProgress>(Func<TProgress, bool> isRunning) : IDisposable
    where TProgress : class
{
    private readonly ConcurrentDictionary<int, Slot> _jobs = new();
    private readonly CancellationTokenSource _shutdown = new();
    private int _disposed;

    /// <summary>Raised on every progress step and when a job ends; handlers must be quick and thread-safe.</summary>
    public event Action<TProgress>? Changed;

    /// <summary>Cancelled when the app shuts down (the runner is disposed).</summary>
    public CancellationToken Stopping => _shutdown.Token;

    /// <summary>The progress of the key's job on this instance, if one runs.</summary>
    public TProgress? Current(int key) => _jobs.TryGetValue(key, out var job) ? job.Progress : null;

    public bool IsRunning(int key) => _jobs.ContainsKey(key);

    /// <summary>Tells listeners about progress made elsewhere (a job that runs on another instance).</summary>
    public void Notify(TProgress progress) => Changed?.Invoke(progress);

    /// <summary>Takes the key's slot; null when a job holds it already. <see cref="Run"/> starts the job in it.</summary>
    public Slot? TryReserve(int key)
    {
        var slot = new Slot(key, CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token));
        if (_jobs.TryAdd(key, slot))
        {
            return slot;
        }

        slot.Cancellation.Dispose();
        return null;
    }

    /// <summary>
    /// Runs the job in its slot on the thread pool. The work gets a synchronous progress reporter and the job's
    /// token (cancelled by <see cref="Cancel"/> or shutdown); it must handle its own errors.
    /// </summary>
    public void Run(Slot slot, TProgress initial, Func<IProgress<TProgress>, CancellationToken, Task> work)
    {
        slot.Progress = initial;
        slot.Task = Task.Run(() => ExecuteAsync(slot, work), CancellationToken.None);
    }

    /// <summary>Cancels the key's job: null when none runs here, false when it ended between the look-up and the cancel.</summary>
    public bool? Cancel(int key)
    {
        if (!_jobs.TryGetValue(key, out var job))
        {
            return null;
        }

        try
        {
            job.Cancellation.Cancel();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>As <see cref="Cancel"/>, running the token's callbacks off the caller's thread.</summary>
    public async Task<bool?> CancelAsync(int key)
    {
        if (!_jobs.TryGetValue(key, out var job))
        {
            return null;
        }

        try
        {
            await job.Cancellation.CancelAsync();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Waits for the key's job on this instance to end (tests and the command line).</summary>
    public Task WaitAsync(int key) => _jobs.TryGetValue(key, out var job) && job.Task is { } task ? task : Task.CompletedTask;

    private async Task ExecuteAsync(Slot slot, Func<IProgress<TProgress>, CancellationToken, Task> work)
    {
        var progress = new SyncProgress<TProgress>(p =>
        {
            slot.Progress = p;
            if (!isRunning(p))
            {
                // Leave the slot before telling listeners, so a listener may start the next job at once.
                Leave(slot);
            }

            Changed?.Invoke(p);
        });
        try
        {
            await work(progress, slot.Cancellation.Token);
        }
        finally
        {
            Leave(slot);
            slot.Cancellation.Dispose();
        }
    }

    // Only this slot: a job started for the same key once this one reported its end keeps its own.
    private void Leave(Slot slot) => _jobs.TryRemove(KeyValuePair.Create(slot.Key, slot));

    // Once only: a runner registered under two service types (itself and IResumableJobKind) is disposed twice.
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _shutdown.Cancel();
        _shutdown.Dispose();
    }

    /// <summary>One job's place: its key, cancellation, latest progress and task.</summary>
    public sealed class Slot
    {
        internal Slot(int key, CancellationTokenSource cancellation)
        {
            Key = key;
            Cancellation = cancellation;
        }

        public int Key { get; }

        internal CancellationTokenSource Cancellation { get; }

        internal TProgress? Progress { get; set; }

        internal Task? Task { get; set; }
    }
}
