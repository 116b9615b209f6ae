using FineTuneStudio.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Tests.Support;

/// <summary>
/// A real SQLite engine in memory, migrated with the SQLite migration set. The connection stays
/// open for the life of the object, which keeps the in-memory database alive.
/// </summary>
public sealed class TestDatabase : IDbContextFactory<StudioDbContext>, IAsyncDisposable, IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly DbContextOptions<SqliteStudioDbContext> _options;

    private TestDatabase()
    {
        _connection = new SqliteConnection("Data Source=:memory:");
        _connection.Open();
        _options = new DbContextOptionsBuilder<SqliteStudioDbContext>().UseSqlite(_connection).Options;
    }

    public static async Task<TestDatabase> CreateAsync()
    {
        var database = new TestDatabase();
        await using var db = database.CreateDbContext();
        await db.Database.MigrateAsync();
        return database;
    }

    public StudioDbContext CreateDbContext() => new SqliteStudioDbContext(_options);

    public void Dispose() => _connection.Dispose();

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTime utcNow) : TimeProvider
{
    public DateTime UtcNow { get; set; } = utcNow;

    public override DateTimeOffset GetUtcNow() => new(UtcNow, TimeSpan.Zero);

    public void Advance(TimeSpan by) => UtcNow += by;
}
