using Npgsql;

namespace FineTuneStudio.Web.Tests.Support;

/// <summary>
/// Throwaway PostgreSQL databases on the server scripts/test.sh starts (FTS_TEST_POSTGRES holds an
/// admin connection string). <c>FTS_TEST_PROVIDER=postgres</c> runs every app factory on one.
/// </summary>
public static class TestPostgres
{
    public const string ServerVariable = "FTS_TEST_POSTGRES";
    public const string ProviderVariable = "FTS_TEST_PROVIDER";

    public static bool Selected =>
        string.Equals(Environment.GetEnvironmentVariable(ProviderVariable), "postgres", StringComparison.OrdinalIgnoreCase);

    public static bool Available => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ServerVariable));

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    private static string Admin =>
        Environment.GetEnvironmentVariable(ServerVariable) ?? throw new InvalidOperationException($"{ServerVariable} is not set: scripts/test.sh starts PostgreSQL for the tests.");

    /// <summary>Creates an empty database and returns its connection string; the app migrates it.</summary>
    public static string Create(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}";
        using (var connection = new NpgsqlConnection(Admin))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(Admin) { Database = name }.ConnectionString;
    }

    public static async Task DropAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(Admin);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>A test that needs PostgreSQL: skipped without a server outside CI, failed in CI.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (!TestPostgres.Available && !TestPostgres.IsCi)
        {
            Skip = $"{TestPostgres.ServerVariable} is not set; scripts/test.sh starts PostgreSQL and sets it.";
        }
    }
}
