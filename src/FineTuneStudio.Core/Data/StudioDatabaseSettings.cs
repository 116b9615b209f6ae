using Microsoft.Extensions.Configuration;

namespace FineTuneStudio.Core.Data;

public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>
/// Which database to use: <c>Database:Provider</c> (Sqlite or Postgres) and
/// <c>ConnectionStrings:Studio</c>. Without a connection string SQLite uses
/// <c>data/studio.db</c> at the repository root, so the web app and the CLI share one file.
/// </summary>
public sealed record StudioDatabaseSettings(DatabaseProvider Provider, string ConnectionString)
{
    public const string DefaultFileName = "studio.db";

    public static StudioDatabaseSettings From(IConfiguration configuration)
    {
        var providerText = configuration["Database:Provider"];
        var provider = ParseProvider(providerText);
        var connection = configuration.GetConnectionString("Studio");
        if (string.IsNullOrWhiteSpace(connection))
        {
            if (provider == DatabaseProvider.Postgres)
            {
                throw new InvalidOperationException("Database:Provider is Postgres but ConnectionStrings:Studio is empty.");
            }

            connection = SqliteConnectionFor(DefaultDatabasePath());
        }

        return new StudioDatabaseSettings(provider, connection);
    }

    public static DatabaseProvider ParseProvider(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => DatabaseProvider.Sqlite,
        "postgres" or "postgresql" or "npgsql" => DatabaseProvider.Postgres,
        _ => throw new InvalidOperationException($"Database:Provider '{text}' is not known; use Sqlite or Postgres."),
    };

    public static string SqliteConnectionFor(string path) => $"Data Source={path};Default Timeout=30;Pooling=True";

    /// <summary>data/studio.db under the folder holding FineTuneStudio.sln, else under the working directory.</summary>
    public static string DefaultDatabasePath()
    {
        var root = FindRepositoryRoot(AppContext.BaseDirectory) ?? FindRepositoryRoot(Directory.GetCurrentDirectory()) ?? Directory.GetCurrentDirectory();
        return Path.Combine(root, "data", DefaultFileName);
    }

    private static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FineTuneStudio.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
