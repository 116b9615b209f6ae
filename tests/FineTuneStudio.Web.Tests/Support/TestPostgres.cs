using FineTuneStudio.Core.Tests.Support;
using Npgsql;

namespace FineTuneStudio.Web.Tests.Support;

/// <summary>
/// Throwaway PostgreSQL databases on the server scripts/test.sh starts (FTS_TEST_POSTGRES holds an
/// admin connection string). <c>FTS_TEST_PROVIDER=postgres</c> runs every app factory on one.
/// </summary>
public static class TestPostgres
{
    public const string ProviderVariable = "FTS_TEST_PROVIDER";

    public static bool Selected =>
        string.Equals(Environment.GetEnvironmentVariable(ProviderVariable), "postgres", StringComparison.OrdinalIgnoreCase);

    private static string Admin => PostgresFactAttribute.AdminConnectionString;

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
