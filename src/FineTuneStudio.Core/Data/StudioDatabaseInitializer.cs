using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Demo;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Data;

/// <summary>Brings the database to the latest migration, makes the roles exist and, in demo mode, seeds the demo.</summary>
public sealed class StudioDatabaseInitializer(
    IDbContextFactory<StudioDbContext> factory,
    StudioDatabaseSettings settings,
    DemoSeeder demo,
    IOptions<DemoOptions> demoOptions,
    ILogger<StudioDatabaseInitializer> logger)
{
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await MigrateAsync(factory, settings, cancellationToken);
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            await AccountService.EnsureRolesAsync(db, cancellationToken);
        }

        if (demoOptions.Value.Enabled)
        {
            await demo.SeedAsync(cancellationToken);
        }

        logger.LogInformation("Database ready ({Provider})", settings.Provider);
    }

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
