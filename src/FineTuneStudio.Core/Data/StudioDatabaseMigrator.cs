using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Data;

/// <summary>Applies the migrations of the configured provider (the web host at start, the CLI before each command).</summary>
public static class StudioDatabaseMigrator
{
    public static async Task MigrateAsync(IDbContextFactory<StudioDbContext> factory, StudioDatabaseSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            EnsureSqliteFolder(settings.ConnectionString);
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);
        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            // WAL lets readers work while an import writes; the setting is stored in the file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    private static void EnsureSqliteFolder(string connectionString)
    {
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString);
        if (builder.Mode == Microsoft.Data.Sqlite.SqliteOpenMode.Memory || builder.DataSource is "" or ":memory:")
        {
            return;
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }
    }
}
