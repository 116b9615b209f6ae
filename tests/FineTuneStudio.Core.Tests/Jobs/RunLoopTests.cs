using FineTuneStudio.Core.Jobs;

namespace FineTuneStudio.Core.Tests.Jobs;

public sealed class RunLoopTests
{
    /// <summary>A run's store: what it holds, and whether someone has cancelled the run.</summary>
    private sealed class Store
    {
        public List<int> Rows { get; } = [];
        public bool Cancelled { get; set; }
        public int Counted { get; private set; }

        public Task<bool> SaveAsync(IReadOnlyList<int> batch)
        {
            lock (Rows)
            {
                Rows.AddRange(batch);
            }

            return Task.FromResult(Cancelled);
        }

        /// <summary>Done once the first batch is stored and counted.</summary>
        public TaskCompletionSource FirstStored { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Count(IReadOnlyList<int> batch)
        {
            Counted += batch.Count;
            FirstStored.TrySetResult();
        }
    }

    private static Task<RunLoopEnding> RunAsync(Store store, IEnumerable<int> items, Func<int, CancellationToken, Task<int>> work,
        CancellationToken instanceStopping = default, CancellationToken cancellationToken = default) =>
        RunLoop.RunAsync(items, 3, work, store.SaveAsync, store.Count, () => Task.FromResult(store.Cancelled), instanceStopping, cancellationToken);

    [Fact]
    public async Task EveryItem_IsWorkedOnAndStored_AndCounted()
    {
        var store = new Store();

        var ending = await RunAsync(store, Enumerable.Range(1, 50), (i, _) => Task.FromResult(i * 10));

        ending.ShouldBe(RunLoopEnding.Finished);
        store.Rows.Order().ShouldBe(Enumerable.Range(1, 50).Select(i => i * 10));
        store.Counted.ShouldBe(50);
    }

    [Fact]
    public async Task ACancelSeenByAStore_StopsTheItemsInFlight_AndKeepsWhatWasStored()
    {
        var store = new Store();
        // Items 1 to 5 answer at once; the rest take as long as a slow model, until the run stops.
        var ending = await RunAsync(store, Enumerable.Range(1, 20), async (i, token) =>
        {
            if (i == 5)
            {
                store.Cancelled = true; // another instance marked the run cancelled meanwhile
            }

            if (i > 5)
            {
                await Task.Delay(Timeout.Infinite, token);
            }

            return i;
        });

        ending.ShouldBe(RunLoopEnding.Cancelled);
        store.Rows.ShouldAllBe(i => i <= 5);
        store.Rows.ShouldContain(5);
    }

    [Fact]
    public async Task TheInstanceStopping_WithoutACancel_LeavesTheRunForAnotherInstance()
    {
        var store = new Store();
        using var stopping = new CancellationTokenSource();

        // Item 1 answers; once it is stored the instance begins to stop while the others are still out.
        var ending = await RunAsync(store, Enumerable.Range(1, 20), async (i, token) =>
        {
            if (i == 1)
            {
                return i;
            }

            if (i == 2)
            {
                await store.FirstStored.Task;
                await stopping.CancelAsync();
            }

            await Task.Delay(Timeout.Infinite, token);
            return i;
        }, stopping.Token, stopping.Token);

        ending.ShouldBe(RunLoopEnding.InstanceStopping);
        store.Rows.ShouldBe([1]);
    }

    [Fact]
    public async Task AnItemThatThrows_StopsTheRun_WithWhatFinishedBeforeItStored()
    {
        var store = new Store();
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var failure = await Should.ThrowAsync<InvalidOperationException>(() => RunAsync(store, Enumerable.Range(1, 10), async (i, _) =>
        {
            if (i == 1)
            {
                first.SetResult();
                return i;
            }

            await first.Task;
            return i == 2 ? throw new InvalidOperationException("the endpoint broke its contract") : i;
        }));

        failure.Message.ShouldBe("the endpoint broke its contract");
        store.Rows.ShouldContain(1);
        store.Rows.ShouldNotContain(2);
    }
}
