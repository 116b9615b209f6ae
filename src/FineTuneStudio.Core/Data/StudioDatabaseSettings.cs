using System.ComponentModel.DataAnnotations;

namespace FineTuneStudio.Core.Data;

public enum DatabaseProvider { Sqlite, Postgres }

/// <summary>
/// <c>Studio:Database</c>: the provider (Sqlite or Postgres) and the connection string. The old keys
/// <c>Database:Provider</c> and <c>ConnectionStrings:Studio</c> still work for one release.
/// </summary>
public sealed class StudioDatabaseOptions : IValidatableObject
{
    public const string Section = "Studio:Database";
    public const string ProviderKey = Section + ":" + nameof(Provider);
    public const string ConnectionStringKey = Section + ":" + nameof(ConnectionString);

    /// <summary>Sqlite (the default) or Postgres; postgresql and npgsql are read as Postgres.</summary>
    [RegularExpression(@"(?i)^\s*(sqlite|postgres|postgresql|npgsql)?\s*$", ErrorMessage = ProviderKey + " is not known; use Sqlite or Postgres.")]
    public string? Provider { get; set; }

    /// <summary>Without one, SQLite uses data/studio.db at the repository root.</summary>
    public string? ConnectionString { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) && StudioDatabaseSettings.IsPostgres(Provider))
        {
            yield return new ValidationResult($"{ProviderKey} is Postgres but {ConnectionStringKey} is empty.", [nameof(ConnectionString)]);
        }
    }
}

/// <summary>
/// The database in use, resolved from <see cref="StudioDatabaseOptions"/>. Without a connection string SQLite uses
/// <c>data/studio.db</c> at the repository root, so the web app and the CLI share one file.
/// </summary>
public sealed record StudioDatabaseSettings(DatabaseProvider Provider, string ConnectionString)
{
    public const string DefaultFileName = "studio.db";

    public static StudioDatabaseSettings Resolve(StudioDatabaseOptions options)
    {
        var provider = ParseProvider(options.Provider);
        var connection = options.ConnectionString;
        if (string.IsNullOrWhiteSpace(connection))
        {
            if (provider == DatabaseProvider.Postgres)
            {
                throw new InvalidOperationException($"{StudioDatabaseOptions.ProviderKey} is Postgres but {StudioDatabaseOptions.ConnectionStringKey} is empty.");
            }

            connection = SqliteConnectionFor(DefaultDatabasePath());
        }

        return new StudioDatabaseSettings(provider, connection);
    }

    public static DatabaseProvider ParseProvider(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => DatabaseProvider.Sqlite,
        "postgres" or "postgresql" or "npgsql" => DatabaseProvider.Postgres,
        _ => throw new InvalidOperationException($"{StudioDatabaseOptions.ProviderKey} '{text}' is not known; use Sqlite or Postgres."),
    };

    internal static bool IsPostgres(string? text) => text?.Trim().ToLowerInvariant() is "postgres" or "postgresql" or "npgsql";

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
