using FineTuneStudio.Core.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FineTuneStudio.Core.Tests.Support;

/// <summary>A throwaway PostgreSQL database, migrated, dropped on dispose.</summary>
public sealed class PostgresDatabase : IDbContextFactory<StudioDbContext>, IAsyncDisposable
{
    private readonly string _admin;

    private PostgresDatabase(string admin, string name)
    {
        _admin = admin;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public StudioDatabaseSettings Settings => new(DatabaseProvider.Postgres, ConnectionString);

    /// <summary>
    /// A new database copied from a template migrated once per test run: a copy takes a fraction of
    /// a second, running every migration takes seconds.
    /// </summary>
    public static async Task<PostgresDatabase> CreateAsync()
    {
        var admin = PostgresFactAttribute.AdminConnectionString;
        var template = await TemplateAsync(admin);
        var database = new PostgresDatabase(admin, $"fts_test_{Guid.NewGuid():N}");
        // Copies from one template run one at a time: the template must have no other session during a copy.
        await Gate.WaitAsync();
        try
        {
            await ExecuteAsync(admin, $"CREATE DATABASE \"{database.Name}\" TEMPLATE \"{template}\"");
        }
        finally
        {
            Gate.Release();
        }

        return database;
    }

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _template;

    private static async Task<string> TemplateAsync(string admin)
    {
        await Gate.WaitAsync();
        try
        {
            if (_template is not null)
            {
                return _template;
            }

            var name = $"fts_template_{Guid.NewGuid():N}";
            await ExecuteAsync(admin, $"CREATE DATABASE \"{name}\"");
            var connection = new NpgsqlConnectionStringBuilder(admin) { Database = name, Pooling = false }.ConnectionString;
            await using (var db = StudioDbContextOptions.Create(new StudioDatabaseSettings(DatabaseProvider.Postgres, connection)))
            {
                await db.Database.MigrateAsync();
            }

            AppDomain.CurrentDomain.ProcessExit += (_, _) => DropQuietly(admin, name);
            _template = name;
            return name;
        }
        finally
        {
            Gate.Release();
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static void DropQuietly(string admin, string name)
    {
        try
        {
            using var connection = new NpgsqlConnection(admin);
            connection.Open();
            using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            command.ExecuteNonQuery();
        }
        catch (NpgsqlException)
        {
            // The server is already gone at the end of the run.
        }
    }

    public StudioDbContext CreateDbContext() => StudioDbContextOptions.Create(Settings);

    /// <summary>Drops the database from a synchronous dispose.</summary>
    public void Drop()
    {
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(_admin);
        connection.Open();
        using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        command.ExecuteNonQuery();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
