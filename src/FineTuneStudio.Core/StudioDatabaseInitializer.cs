using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Demo;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core;

/// <summary>
/// Brings the database to the latest migration, makes the roles exist and, in demo mode, seeds the demo.
/// It sits at the root because it composes three features (Data, Accounts, Demo).
/// </summary>
public sealed class StudioDatabaseInitializer(
    IDbContextFactory<StudioDbContext> factory,
    StudioDatabaseSettings settings,
    DemoSeeder demo,
    IOptions<DemoOptions> demoOptions,
    ILogger<StudioDatabaseInitializer> logger)
{
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await StudioDatabaseMigrator.MigrateAsync(factory, settings, cancellationToken);
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
}
