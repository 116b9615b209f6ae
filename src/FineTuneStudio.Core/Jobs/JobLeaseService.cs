using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Jobs;

/// <summary>
/// Claims background work in the database, so that when several app instances share one database
/// a piece of work (one dataset's analysis, one dataset's export) runs on one of them at a time.
/// A claim is taken atomically: an update that only matches an expired (or our own) claim, else an
/// insert that the primary key lets only one instance win.
/// </summary>
public sealed class JobLeaseService(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, ILogger<JobLeaseService> logger)
{
    /// <summary>How long a claim lasts without renewal: the time another instance waits after a crash.</summary>
    public static readonly TimeSpan Duration = TimeSpan.FromMinutes(2);

    /// <summary>This instance's name in claims; unique per service object, so two hosts in one process differ.</summary>
    public string Owner { get; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Claims the work, or returns null when another instance holds a live claim on it.</summary>
    public Task<JobLeaseHandle?> TryAcquireAsync(string kind, string key, CancellationToken cancellationToken) =>
        ClaimAsync(kind, key, ours: true, cancellationToken);

    /// <summary>
    /// Claims work left behind by an instance that stopped: null when any instance holds a live claim on it,
    /// this one included (it is working on it, so there is nothing to take over).
    /// </summary>
    public Task<JobLeaseHandle?> TryTakeOverAsync(string kind, string key, CancellationToken cancellationToken) =>
        ClaimAsync(kind, key, ours: false, cancellationToken);

    /// <summary>Takes an expired claim (or, with <paramref name="ours"/>, our own live one) by update, else a free one by insert.</summary>
    private async Task<JobLeaseHandle?> ClaimAsync(string kind, string key, bool ours, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var expires = now + Duration;
        var token = Guid.NewGuid();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var taken = await db.JobLeases
            .Where(l => l.Kind == kind && l.Key == key && (l.ExpiresAt < now || (ours && l.Owner == Owner)))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Owner, Owner).SetProperty(l => l.Token, token)
                .SetProperty(l => l.AcquiredAt, now).SetProperty(l => l.ExpiresAt, expires), cancellationToken);
        if (taken == 0)
        {
            db.JobLeases.Add(new JobLease { Kind = kind, Key = key, Owner = Owner, Token = token, AcquiredAt = now, ExpiresAt = expires });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                logger.LogInformation("Job {Kind} {Key} is claimed by another instance", kind, key);
                return null;
            }
        }

        return new JobLeaseHandle(this, kind, key, token);
    }

    /// <summary>
    /// Claims a run: takes its lease (for a resume, one no live instance holds, <see cref="TryTakeOverAsync"/>), then
    /// lets <paramref name="markRunningAsync"/> move the run to Running. When the lease is held elsewhere, or the run
    /// is in no state to be claimed any more (false), no lease is kept and the answer is null.
    /// </summary>
    public async Task<JobLeaseHandle?> TryClaimAsync(string kind, string key, bool resume, Func<CancellationToken, Task<bool>> markRunningAsync, CancellationToken cancellationToken)
    {
        var lease = resume ? await TryTakeOverAsync(kind, key, cancellationToken) : await TryAcquireAsync(kind, key, cancellationToken);
        if (lease is null)
        {
            return null;
        }

        try
        {
            if (await markRunningAsync(cancellationToken))
            {
                return lease;
            }
        }
        catch
        {
            await lease.DisposeAsync();
            throw;
        }

        await lease.DisposeAsync();
        return null;
    }

    /// <summary>
    /// The keys of <paramref name="kind"/> that a live instance holds at <paramref name="now"/>, to compose into a query
    /// of the work itself (e.g. the runs left Running that no live instance holds).
    /// </summary>
    public static IQueryable<string> LiveKeys(StudioDbContext db, string kind, DateTime now) =>
        db.JobLeases.Where(l => l.Kind == kind && l.ExpiresAt >= now).Select(l => l.Key);

    /// <summary>Who holds a live claim on the work, if anyone.</summary>
    public async Task<string?> HolderAsync(string kind, string key, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.JobLeases.AsNoTracking().Where(l => l.Kind == kind && l.Key == key && l.ExpiresAt >= now)
            .Select(l => l.Owner).SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>Extends our claim; false when it was lost (expired and taken by another instance).</summary>
    internal async Task<bool> RenewAsync(string kind, string key, Guid token, CancellationToken cancellationToken)
    {
        var expires = clock.GetUtcNow().UtcDateTime + Duration;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.JobLeases.Where(l => l.Kind == kind && l.Key == key && l.Owner == Owner && l.Token == token)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAt, expires), cancellationToken) == 1;
    }

    /// <summary>Deletes our claim through the caller's context, inside its transaction when it has one.</summary>
    internal Task ReleaseWithinAsync(StudioDbContext db, string kind, string key, Guid token, CancellationToken cancellationToken) =>
        db.JobLeases.Where(l => l.Kind == kind && l.Key == key && l.Owner == Owner && l.Token == token).ExecuteDeleteAsync(cancellationToken);

    internal async Task ReleaseAsync(string kind, string key, Guid token)
    {
        await using var db = await factory.CreateDbContextAsync(CancellationToken.None);
        await db.JobLeases.Where(l => l.Kind == kind && l.Key == key && l.Owner == Owner && l.Token == token).ExecuteDeleteAsync(CancellationToken.None);
    }
}

/// <summary>A held claim: renewed in the background while the work goes on, released on dispose.</summary>
public sealed class JobLeaseHandle : IAsyncDisposable
{
    private readonly JobLeaseService _leases;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _renewal;
    private readonly Guid _token;

    internal JobLeaseHandle(JobLeaseService leases, string kind, string key, Guid token)
    {
        _leases = leases;
        _token = token;
        Kind = kind;
        Key = key;
        _renewal = RenewAsync(_stop.Token);
    }

    public string Kind { get; }

    public string Key { get; }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(JobLeaseService.Duration / 4);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                try
                {
                    await _leases.RenewAsync(Kind, Key, _token, cancellationToken);
                }
                catch (Exception) when (!cancellationToken.IsCancellationRequested)
                {
                    // The database was unreachable for a moment: try again at the next tick; the
                    // claim runs out on its own if this persists.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Released.
        }
    }

    /// <summary>
    /// Gives the claim back in the caller's transaction, so the work's final status and the release commit
    /// together: nobody sees the work ended while its claim is still held. Dispose the handle afterwards as usual.
    /// </summary>
    public Task ReleaseWithinAsync(StudioDbContext db, CancellationToken cancellationToken) =>
        _leases.ReleaseWithinAsync(db, Kind, Key, _token, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _renewal;
        _stop.Dispose();
        await _leases.ReleaseAsync(Kind, Key, _token);
    }
}
