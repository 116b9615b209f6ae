using FineTuneStudio.Core.Jobs;

namespace FineTuneStudio.Core.Tests.Jobs;

public sealed class BatchWriterTests
{
    [Fact]
    public async Task ResultsAddedWhileAStoreIsBusy_AreStoredTogether_InOrder_NeverMoreThanTheCap()
    {
        var batches = new List<int[]>();
        var firstStoreStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseFirstStore = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = new BatchWriter<int>(async batch =>
        {
            batches.Add(batch.ToArray());
            if (batches.Count == 1)
            {
                firstStoreStarted.SetResult();
                await releaseFirstStore.Task;
            }
        });

        writer.Add(0);
        await firstStoreStarted.Task;
        // 450 results finish while the first one is being stored: they wait, then go in batches of at most 200.
        for (var i = 1; i <= 450; i++)
        {
            writer.Add(i);
        }

        releaseFirstStore.SetResult();
        await writer.CompleteAsync();

        batches.Select(b => b.Length).ShouldBe([1, BatchWriter<int>.MaxBatch, BatchWriter<int>.MaxBatch, 50]);
        batches.SelectMany(b => b).ShouldBe(Enumerable.Range(0, 451));
    }

    [Fact]
    public async Task ASlowTrickle_IsStoredOneByOne_AsEachArrives()
    {
        var stored = new List<int>();
        var storedOne = new SemaphoreSlim(0);
        var writer = new BatchWriter<int>(batch =>
        {
            stored.AddRange(batch);
            storedOne.Release();
            return Task.CompletedTask;
        });

        for (var i = 0; i < 3; i++)
        {
            writer.Add(i);
            // Each is stored before the next one finishes: another instance's page sees it at once.
            (await storedOne.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBeTrue();
            stored.Count.ShouldBe(i + 1);
        }

        await writer.CompleteAsync();
        stored.ShouldBe([0, 1, 2]);
    }

    [Fact]
    public async Task StoresAreNeverConcurrent()
    {
        var inStore = 0;
        var mostAtOnce = 0;
        var writer = new BatchWriter<int>(async _ =>
        {
            mostAtOnce = Math.Max(mostAtOnce, Interlocked.Increment(ref inStore));
            await Task.Yield();
            Interlocked.Decrement(ref inStore);
        });

        await Parallel.ForEachAsync(Enumerable.Range(0, 2_000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, (i, _) =>
        {
            writer.Add(i);
            return ValueTask.CompletedTask;
        });
        await writer.CompleteAsync();

        mostAtOnce.ShouldBe(1);
    }

    [Fact]
    public async Task AFailedStore_StopsTheWorkersNextAdd_AndCompleteThrowsTheSameError()
    {
        var storeFailed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var writer = new BatchWriter<int>(_ =>
        {
            storeFailed.TrySetResult();
            throw new IOException("disk full");
        });

        writer.Add(1);
        await storeFailed.Task;
        // The writer has given up: the next worker to finish learns why instead of queueing results nobody stores.
        var added = await Retry.UntilThrowsAsync(() => writer.Add(2));
        added.ShouldBeOfType<IOException>().Message.ShouldBe("disk full");
        (await Should.ThrowAsync<IOException>(writer.CompleteAsync)).Message.ShouldBe("disk full");
    }

    private static class Retry
    {
        /// <summary>The writer closes its queue a moment after the failed store returns; Add throws from then on.</summary>
        public static async Task<Exception> UntilThrowsAsync(Action add)
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    add();
                }
                catch (Exception e)
                {
                    return e;
                }

                await Task.Yield();
            }

            throw new TimeoutException("Add never reported the failed store");
        }
    }
}
