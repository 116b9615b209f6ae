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

    public static async Task<PostgresDatabase> CreateAsync()
    {
        var admin = PostgresFactAttribute.AdminConnectionString;
        var database = new PostgresDatabase(admin, $"fts_test_{Guid.NewGuid():N}");
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{database.Name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        await using var db = database.CreateDbContext();
        await db.Database.MigrateAsync();
        return database;
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
