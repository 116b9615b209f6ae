using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Quality;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Tests.Quality;

/// <summary>
/// An analysis whose instance stopped mid-way is left in status Running with no live claim; another instance
/// (here: a second lease service and runner on the same database) restarts it. Three tickets, two of them copies.
/// </summary>
public sealed class QualityPickupTests : IAsyncLifetime
{
    private static readonly Actor Lead = new("lead-id", "Lead");

    private readonly ManualClock _clock = new(new DateTime(2026, 12, 3, 9, 0, 0, DateTimeKind.Utc));
    private TestDatabase _database = null!;
    private QualityService _quality = null!;
    private int _datasetId;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _quality = new QualityService(_database, _clock, Options.Create(new QualityThresholds()));
        var seed = new Seed(_database, _clock.UtcNow);
        _datasetId = (await seed.DatasetAsync("Support", "Tickets")).DatasetId;
        await seed.ExamplesAsync(_datasetId, ExampleStatus.Approved, [
            Seed.Chat("The invoice for March shows the wrong amount", "I have corrected the invoice."),
            Seed.Chat("The invoice for March shows the wrong amount", "I have corrected the invoice."),
            Seed.Chat("How do I reset my password on the mobile app", "Tap Settings, then Reset password."),
        ]);
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private JobLeaseService NewInstance() => new(_database, _clock, NullLogger<JobLeaseService>.Instance);

    private QualityJobRunner RunnerOn(JobLeaseService leases) => new(_quality, NullLogger<QualityJobRunner>.Instance, leases);

    private static string Key(int datasetId) => datasetId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task PickUp_AnAnalysisLeftRunning_RestartsItToCompletion_AndRetiresOlderOnes()
    {
        // Two analyses a stopped instance began and never ended (each ran after the other's claim ran out).
        var older = await _quality.BeginAsync(_datasetId, Lead, default);
        var left = await _quality.BeginAsync(_datasetId, Lead, default);
        var leases = NewInstance();
        using var runner = RunnerOn(leases);

        var resumed = await JobPickup.PickUpAsync(runner, NullLogger.Instance, default);

        resumed.ShouldBe([_datasetId]);
        var done = await _quality.GetRunAsync(_datasetId, left.Id, default);
        done.Status.ShouldBe(QualityRunStatus.Completed);
        done.ExamplesAnalyzed.ShouldBe(3);
        var latest = (await _quality.LatestAsync(_datasetId, default)).ShouldNotBeNull();
        latest.Run.Id.ShouldBe(left.Id);
        QualityService.DuplicateCount(latest.Report).ShouldBe(1);
        var retired = await _quality.GetRunAsync(_datasetId, older.Id, default);
        retired.Status.ShouldBe(QualityRunStatus.Failed);
        retired.Error.ShouldNotBeNull().ShouldContain("a later analysis of the dataset took its place");
        // The claim went back with the final status, and the restart is on the record, by the system.
        (await leases.HolderAsync(QualityJobRunner.LeaseKind, Key(_datasetId), default)).ShouldBeNull();
        await using var db = _database.CreateDbContext();
        var audit = await db.AuditEvents.SingleAsync(a => a.Action == "quality.restart");
        audit.EntityId.ShouldBe(left.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        audit.UserName.ShouldBe(Actor.System.Name);

        // Nothing is left to pick up.
        (await JobPickup.PickUpAsync(runner, NullLogger.Instance, default)).ShouldBeEmpty();
    }

    [Fact]
    public async Task PickUp_LeavesAnAnalysisALiveInstanceHolds_UntilItsClaimRunsOut()
    {
        var working = NewInstance();
        var claim = (await working.TryAcquireAsync(QualityJobRunner.LeaseKind, Key(_datasetId), default)).ShouldNotBeNull();
        var run = await _quality.BeginAsync(_datasetId, Lead, default);
        using var other = RunnerOn(NewInstance());

        (await JobPickup.PickUpAsync(other, NullLogger.Instance, default)).ShouldBeEmpty();
        (await _quality.GetRunAsync(_datasetId, run.Id, default)).Status.ShouldBe(QualityRunStatus.Running);
        await Should.ThrowAsync<ConflictException>(() => other.ResumeAsync(_datasetId, default));

        // The working instance stops: it renews no more, and its claim runs out.
        _clock.Advance(JobLeaseService.Duration + TimeSpan.FromSeconds(1));
        (await JobPickup.PickUpAsync(other, NullLogger.Instance, default)).ShouldBe([_datasetId]);
        (await _quality.GetRunAsync(_datasetId, run.Id, default)).Status.ShouldBe(QualityRunStatus.Completed);
        await claim.DisposeAsync();
    }

    [Fact]
    public async Task Resume_WhenNothingIsLeftRunning_IsAConflict_AndGivesTheClaimBack()
    {
        var leases = NewInstance();
        using var runner = RunnerOn(leases);

        var refused = await Should.ThrowAsync<ConflictException>(() => runner.ResumeAsync(_datasetId, default));

        refused.Message.ShouldContain("nothing to restart");
        (await leases.HolderAsync(QualityJobRunner.LeaseKind, Key(_datasetId), default)).ShouldBeNull();
    }

    [Fact]
    public async Task RunHere_HoldsTheDatasetsClaimWhileItRuns_SoNoOtherInstanceStartsOrPicksItUp()
    {
        var leases = NewInstance();
        using var runner = RunnerOn(leases);
        using var other = RunnerOn(NewInstance());
        string? holderMidway = null;
        IReadOnlyList<int>? orphansMidway = null;
        var midway = new SyncProgress<QualityProgress>(p =>
        {
            if (holderMidway is null && p.Status == QualityRunStatus.Running)
            {
                // Looked at from the other instance while the analysis runs here.
                holderMidway = leases.HolderAsync(QualityJobRunner.LeaseKind, Key(_datasetId), default).GetAwaiter().GetResult();
                orphansMidway = ((IResumableJobKind)other).OrphansAsync(default).GetAwaiter().GetResult();
            }
        });

        var result = await runner.RunHereAsync(_datasetId, Lead, midway, default);

        result.Run.Status.ShouldBe(QualityRunStatus.Completed);
        holderMidway.ShouldBe(leases.Owner);
        orphansMidway.ShouldNotBeNull().ShouldBeEmpty();
        (await leases.HolderAsync(QualityJobRunner.LeaseKind, Key(_datasetId), default)).ShouldBeNull();
    }

    [Fact]
    public async Task RunHere_WhileAnotherInstanceAnalyses_IsRefused_AndRecordsNoRun()
    {
        var working = NewInstance();
        await using var claim = await working.TryAcquireAsync(QualityJobRunner.LeaseKind, Key(_datasetId), default);
        using var runner = RunnerOn(NewInstance());

        await Should.ThrowAsync<ConflictException>(() => runner.RunHereAsync(_datasetId, Lead, null, default));

        await using var db = _database.CreateDbContext();
        (await db.QualityRuns.CountAsync()).ShouldBe(0);
    }
}
