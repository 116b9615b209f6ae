using System.Threading.Channels;

namespace FineTuneStudio.Core.Jobs;

/// <summary>
/// One writer for the results of a background run. Workers <see cref="Add"/> results as they finish; the writer
/// stores everything that arrived while it was busy in one call, so a slow endpoint still sees each result stored at
/// once (another instance's page shows the progress) and a fast one is not held up by a transaction per result.
/// </summary>
public sealed class BatchWriter<T>
{
    /// <summary>Most results stored in one call.</summary>
    public const int MaxBatch = 200;

    private readonly Channel<T> _finished = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writing;

    /// <param name="storeAsync">Stores one batch (in one transaction); called by one writer at a time, never concurrently.</param>
    public BatchWriter(Func<IReadOnlyList<T>, Task> storeAsync)
    {
        _writing = Task.Run(() => WriteAsync(storeAsync));
    }

    /// <summary>Queues a finished result. Throws what storing threw, once it has failed, so the workers stop too.</summary>
    public void Add(T result)
    {
        if (!_finished.Writer.TryWrite(result))
        {
            // The channel closes early only when storing failed: surface that failure, not a queue error.
            _writing.GetAwaiter().GetResult();
            throw new InvalidOperationException("results were added after the writer was completed");
        }
    }

    /// <summary>No more results: waits until every queued one is stored, and throws what storing threw.</summary>
    public async Task CompleteAsync()
    {
        _finished.Writer.TryComplete();
        await _writing;
    }

    private async Task WriteAsync(Func<IReadOnlyList<T>, Task> storeAsync)
    {
        try
        {
            while (await _finished.Reader.WaitToReadAsync(CancellationToken.None))
            {
                var batch = new List<T>();
                while (batch.Count < MaxBatch && _finished.Reader.TryRead(out var next))
                {
                    batch.Add(next);
                }

                await storeAsync(batch);
            }
        }
        catch (Exception e)
        {
            _finished.Writer.TryComplete(e);
            throw;
        }
    }
}
