using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Tests.Support;

namespace FineTuneStudio.Core.Tests.Jobs;

/// <summary>Two lease services on one database stand for two app instances.</summary>
public sealed class JobLeaseServiceTests : IAsyncLifetime
{
    private readonly ManualClock _clock = new(new DateTime(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc));
    private TestDatabase _db = default!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    [Fact]
    public async Task TryAcquire_WhileAnotherInstanceHoldsTheWork_ReturnsNull_AndAfterReleaseSucceeds()
    {
        var first = new JobLeaseService(_db, _clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<JobLeaseService>.Instance);
        var second = new JobLeaseService(_db, _clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<JobLeaseService>.Instance);

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
        var survivor = new JobLeaseService(_db, _clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<JobLeaseService>.Instance);
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
}
