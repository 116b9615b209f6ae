using Microsoft.Extensions.Logging.Abstractions;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Tests.Support;

namespace FineTuneStudio.Core.Tests.Jobs;

/// <summary>Two lease services on one database stand for two app instances.</summary>
public sealed class JobLeaseServiceTests : IAsyncLifetime
{
    private readonly ManualClock _clock = new(new DateTime(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc));
    private TestDatabase _db = default!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateOnFileAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task TryAcquire_WhileAnotherInstanceHoldsTheWork_ReturnsNull_AndAfterReleaseSucceeds()
    {
        var first = new JobLeaseService(_db, _clock, NullLogger<JobLeaseService>.Instance);
        var second = new JobLeaseService(_db, _clock, NullLogger<JobLeaseService>.Instance);

        var held = await first.TryAcquireAsync("quality", "7", default);
        held.ShouldNotBeNull();
        (await second.TryAcquireAsync("quality", "7", default)).ShouldBeNull();
        (await second.HolderAsync("quality", "7", default)).ShouldBe(first.Owner);

        // Other work is not blocked by the claim.
        await using (var other = await second.TryAcquireAsync("quality", "8", default))
        {
            other.ShouldNotBeNull();
        }

        await held.DisposeAsync();
        await using var taken = await second.TryAcquireAsync("quality", "7", default);
        taken.ShouldNotBeNull();
        (await first.HolderAsync("quality", "7", default)).ShouldBe(second.Owner);
    }

    [Fact]
    public async Task TryAcquire_AfterTheHolderCrashed_WaitsForTheClaimToRunOut()
    {
        var survivor = new JobLeaseService(_db, _clock, NullLogger<JobLeaseService>.Instance);
        // An instance that died while cutting a version left its claim behind.
        await using (var db = _db.CreateDbContext())
        {
            db.JobLeases.Add(new FineTuneStudio.Core.Domain.JobLease
            {
                Kind = "export", Key = "3", Owner = "gone:4242:0000", Token = Guid.NewGuid(),
                AcquiredAt = _clock.UtcNow, ExpiresAt = _clock.UtcNow + JobLeaseService.Duration,
            });
            await db.SaveChangesAsync();
        }

        _clock.Advance(TimeSpan.FromMinutes(1));
        (await survivor.TryAcquireAsync("export", "3", default)).ShouldBeNull();
        (await survivor.HolderAsync("export", "3", default)).ShouldBe("gone:4242:0000");

        // Two minutes after the claim was taken without renewal, it has run out.
        _clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await using var taken = await survivor.TryAcquireAsync("export", "3", default);
        taken.ShouldNotBeNull();
        (await survivor.HolderAsync("export", "3", default)).ShouldBe(survivor.Owner);
    }

    [Fact]
    public async Task TryTakeOver_IsRefusedWhileAnyLiveInstanceHoldsTheWork_OursIncluded()
    {
        var working = new JobLeaseService(_db, _clock, NullLogger<JobLeaseService>.Instance);
        var other = new JobLeaseService(_db, _clock, NullLogger<JobLeaseService>.Instance);
        await using var held = await working.TryAcquireAsync("eval-run", "3", default);
        held.ShouldNotBeNull();

        // Acquiring again renews our own claim; taking over treats our own live claim as work in progress.
        (await working.TryTakeOverAsync("eval-run", "3", default)).ShouldBeNull();
        (await other.TryTakeOverAsync("eval-run", "3", default)).ShouldBeNull();
        (await other.HolderAsync("eval-run", "3", default)).ShouldBe(working.Owner);
    }

    [Fact]
    public async Task TryTakeOver_AClaimThatRanOut_IsWonByExactlyOneOfTwoInstancesRacing()
    {
        var stopped = new JobLeaseService(_db, _clock, NullLogger<JobLeaseService>.Instance);
        var held = await stopped.TryAcquireAsync("eval-run", "4", default);
        held.ShouldNotBeNull();
        _clock.Advance(JobLeaseService.Duration + TimeSpan.FromSeconds(1));
        var first = new JobLeaseService(_db, _clock, NullLogger<JobLeaseService>.Instance);
        var second = new JobLeaseService(_db, _clock, NullLogger<JobLeaseService>.Instance);

        var won = await Task.WhenAll(first.TryTakeOverAsync("eval-run", "4", default), second.TryTakeOverAsync("eval-run", "4", default));

        won.Count(h => h is not null).ShouldBe(1);
        var winner = won[0] is not null ? first : second;
        (await stopped.HolderAsync("eval-run", "4", default)).ShouldBe(winner.Owner);
        // The stopped instance's late release does not free the winner's claim.
        await held.DisposeAsync();
        (await stopped.HolderAsync("eval-run", "4", default)).ShouldBe(winner.Owner);
        foreach (var handle in won.OfType<JobLeaseHandle>())
        {
            await handle.DisposeAsync();
        }
    }

    [Fact]
    public async Task TryClaim_KeepsTheLeaseOnlyWhenTheRunCouldBeMarkedRunning()
    {
        var instance = new JobLeaseService(_db, _clock, NullLogger<JobLeaseService>.Instance);
        var other = new JobLeaseService(_db, _clock, NullLogger<JobLeaseService>.Instance);

        // The run was cancelled meanwhile: nothing to claim, and no lease left behind.
        (await instance.TryClaimAsync("evalrun", "3", resume: false, _ => Task.FromResult(false), default)).ShouldBeNull();
        (await instance.HolderAsync("evalrun", "3", default)).ShouldBeNull();

        // Marking it failed (the database went away): the error surfaces and the lease is given back too.
        await Should.ThrowAsync<IOException>(() => instance.TryClaimAsync("evalrun", "3", resume: false, _ => throw new IOException("disk"), default));
        (await instance.HolderAsync("evalrun", "3", default)).ShouldBeNull();

        await using var claim = await instance.TryClaimAsync("evalrun", "3", resume: false, _ => Task.FromResult(true), default);
        claim.ShouldNotBeNull();
        (await other.HolderAsync("evalrun", "3", default)).ShouldBe(instance.Owner);

        // Held by a live instance: the other one neither gets it nor touches the run.
        var marked = false;
        (await other.TryClaimAsync("evalrun", "3", resume: true, _ => Task.FromResult(marked = true), default)).ShouldBeNull();
        marked.ShouldBeFalse();
    }
}
