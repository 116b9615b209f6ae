using FineTuneStudio.Core.Quality;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FineTuneStudio.Core.Tests.Examples;

/// <summary>
/// Two labelers submitting the last required annotations at the same moment, as two app instances (or two
/// requests) would: each service reads the example before either writes. Needs a database of its own with a
/// connection per context (a SQLite file, or PostgreSQL with FTS_TEST_PROVIDER=postgres), not the shared
/// in-memory connection.
/// </summary>
public sealed class AnnotationRaceTests : IAsyncLifetime
{
    private static readonly ExampleCaller Ana = new(new Actor("ana", "ana@example.test"), CanReview: false);
    private static readonly ExampleCaller Ben = new(new Actor("ben", "ben@example.test"), CanReview: false);

    private readonly ManualClock _clock = new(new DateTime(2026, 12, 3, 9, 0, 0, DateTimeKind.Utc));
    private TestDatabase _db = default!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateOnFileAsync();

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private async Task<int> ExampleNeedingTwoAnnotationsAsync()
    {
        await using var db = _db.CreateDbContext();
        foreach (var id in new[] { "ana", "ben" })
        {
            db.Users.Add(new StudioUser { Id = id, UserName = $"{id}@example.test", Email = $"{id}@example.test", DisplayName = id, CreatedAt = _clock.UtcNow });
        }

        await db.SaveChangesAsync();
        var dataset = await new Seed(_db, _clock.UtcNow).DatasetAsync("Tickets", "Urgency", TaskKind.Classification, ["high", "low"], requiredAnnotations: 2);
        var editor = new ExampleEditor(_db, _clock);
        var example = await editor.CreateAsync(dataset.DatasetId,
            new ExampleInput([new MessageContent(MessageRole.User, "The printer is on fire"), new MessageContent(MessageRole.Assistant, "high")]),
            new ExampleCaller(Actor.System, CanReview: true), default);
        return example.Id;
    }

    [Fact]
    public async Task SaveMyAnnotation_TwoLastAnnotationsSubmittedAtOnce_ExampleMovesOnWithTheAgreedLabel()
    {
        var exampleId = await ExampleNeedingTwoAnnotationsAsync();
        var racing = new RacingFactory(_db.Settings, writers: 2);
        var first = new Annotations(racing, _clock);
        var second = new Annotations(racing, _clock);

        var saved = await Task.WhenAll(
            first.SaveMyAnnotationAsync(exampleId, new AnnotationInput("high", Submit: true), Ana, default),
            second.SaveMyAnnotationAsync(exampleId, new AnnotationInput("high", Submit: true), Ben, default));

        saved.ShouldAllBe(a => a.Submitted && a.Label == "high");
        racing.Waited.ShouldBe(2); // both had read the example before either saved
        var editor = new ExampleEditor(_db, _clock);
        var example = await editor.GetAsync(exampleId, new ExampleCaller(Actor.System, CanReview: true), default);
        (example.Status, example.Label).ShouldBe((ExampleStatus.Submitted, "high"));
        example.Annotations.Count(a => a.Submitted).ShouldBe(2);
        var row = (await new ExampleList(_db, new StoredFindings(_db)).ListAsync(new ExampleQuery(example.DatasetId), default)).Items.Single();
        (row.Status, row.SubmittedAnnotations).ShouldBe((ExampleStatus.Submitted, 2));
    }

    /// <summary>Contexts whose first <c>writers</c> saves wait until all of them have arrived: every one of them read before any wrote.</summary>
    private sealed class RacingFactory(StudioDatabaseSettings settings, int writers) : IDbContextFactory<StudioDbContext>
    {
        private readonly SaveBarrier _barrier = new(writers);

        public int Waited => _barrier.Waited;

        public StudioDbContext CreateDbContext() => settings.Provider == DatabaseProvider.Postgres
            ? new PostgresStudioDbContext(new DbContextOptionsBuilder<PostgresStudioDbContext>().UsePostgres(settings.ConnectionString).AddInterceptors(_barrier).Options)
            : new SqliteStudioDbContext(new DbContextOptionsBuilder<SqliteStudioDbContext>().UseSqliteStudio(settings.ConnectionString).AddInterceptors(_barrier).Options);
    }

    private sealed class SaveBarrier(int parties) : SaveChangesInterceptor
    {
        private readonly TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _arrived;

        public int Waited => Math.Min(Volatile.Read(ref _arrived), parties);

        public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            var arrived = Interlocked.Increment(ref _arrived);
            if (arrived <= parties)
            {
                if (arrived == parties)
                {
                    _allArrived.SetResult();
                }

                await _allArrived.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            }

            return result;
        }
    }
}
