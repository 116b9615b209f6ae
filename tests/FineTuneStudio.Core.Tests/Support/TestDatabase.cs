using FineTuneStudio.Core.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Tests.Support;

/// <summary>
/// A real database, migrated: by default SQLite in memory (the connection stays open for the life
/// of the object, which keeps the in-memory database alive); with <c>FTS_TEST_PROVIDER=postgres</c>
/// a throwaway PostgreSQL database on the server scripts/test.sh starts, dropped on dispose.
/// </summary>
public sealed class TestDatabase : IDbContextFactory<StudioDbContext>, IAsyncDisposable, IDisposable
{
    public const string ProviderVariable = "FTS_TEST_PROVIDER";

    private readonly SqliteConnection? _connection;
    private readonly DbContextOptions<SqliteStudioDbContext>? _options;
    private readonly PostgresDatabase? _postgres;
    private readonly string? _folder;
    private readonly StudioDatabaseSettings? _fileSettings;

    /// <summary>SQLite in a file of its own, a connection per context as the app has (see <see cref="CreateOnFileAsync"/>).</summary>
    private TestDatabase(string folder)
    {
        _folder = folder;
        _fileSettings = new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(Path.Combine(folder, "studio.db")));
    }

    /// <summary>How the app would reach this database, for tests that build their own contexts; the shared in-memory one has no such address.</summary>
    public StudioDatabaseSettings Settings => _postgres?.Settings ?? _fileSettings
        ?? throw new InvalidOperationException("An in-memory test database has no connection settings: use CreateOnFileAsync.");

    private TestDatabase(PostgresDatabase? postgres)
    {
        if (postgres is not null)
        {
            _postgres = postgres;
            return;
        }

        _connection = new SqliteConnection("Data Source=:memory:");
        _connection.Open();
        _options = new DbContextOptionsBuilder<SqliteStudioDbContext>().UseSqlite(_connection).Options;
    }

    /// <summary>True when the data tests run on PostgreSQL (<c>FTS_TEST_PROVIDER=postgres</c>).</summary>
    public static bool UsesPostgres =>
        string.Equals(Environment.GetEnvironmentVariable(ProviderVariable), "postgres", StringComparison.OrdinalIgnoreCase);

    public DatabaseProvider Provider => _postgres is null ? DatabaseProvider.Sqlite : DatabaseProvider.Postgres;

    public static async Task<TestDatabase> CreateAsync()
    {
        if (UsesPostgres)
        {
            return new TestDatabase(await PostgresDatabase.CreateAsync());
        }

        var database = new TestDatabase((PostgresDatabase?)null);
        await using var db = database.CreateDbContext();
        await db.Database.MigrateAsync();
        return database;
    }

    /// <summary>
    /// For tests whose work runs on several threads at once (concurrent workers, two instances): one in-memory
    /// connection shared by contexts in flight together is not safe (SQLite refuses, e.g. "unable to delete/modify
    /// user-function due to active statements"), so SQLite here is a WAL file with a connection per context.
    /// </summary>
    public static async Task<TestDatabase> CreateOnFileAsync()
    {
        if (UsesPostgres)
        {
            return new TestDatabase(await PostgresDatabase.CreateAsync());
        }

        var database = new TestDatabase(Directory.CreateTempSubdirectory("fts-test-db-").FullName);
        await using var db = database.CreateDbContext();
        await db.Database.MigrateAsync();
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;");
        return database;
    }

    public StudioDbContext CreateDbContext() =>
        _postgres?.CreateDbContext() ?? (_fileSettings is not null ? StudioDbContextOptions.Create(_fileSettings) : new SqliteStudioDbContext(_options!));

    public void Dispose()
    {
        _connection?.Dispose();
        _postgres?.Drop();
        DeleteFolder();
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        DeleteFolder();
    }

    private void DeleteFolder()
    {
        if (_folder is not null && Directory.Exists(_folder))
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(_folder, recursive: true);
        }
    }
}

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock(DateTime utcNow) : TimeProvider
{
    public DateTime UtcNow { get; set; } = utcNow;

    public override DateTimeOffset GetUtcNow() => new(UtcNow, TimeSpan.Zero);

    public void Advance(TimeSpan by) => UtcNow += by;
}
