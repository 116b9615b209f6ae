using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Demo;
using FineTuneStudio.Core.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FineTuneStudio.Core;

public static class StudioCoreServiceCollectionExtensions
{
    /// <summary>The database (by <c>Database:Provider</c>) and every Core service. Used by the web app and the CLI alike.</summary>
    public static IServiceCollection AddStudioCore(this IServiceCollection services, IConfiguration configuration)
    {
        var settings = StudioDatabaseSettings.From(configuration);
        services.AddSingleton(settings);
        services.TryAddSingleton(TimeProvider.System);

        if (settings.Provider == DatabaseProvider.Postgres)
        {
            services.AddDbContextFactory<PostgresStudioDbContext>(o => o.UsePostgres(settings.ConnectionString));
            services.AddSingleton<IDbContextFactory<StudioDbContext>, StudioDbContextFactory<PostgresStudioDbContext>>();
        }
        else
        {
            services.AddDbContextFactory<SqliteStudioDbContext>(o => o.UseSqliteStudio(settings.ConnectionString));
            services.AddSingleton<IDbContextFactory<StudioDbContext>, StudioDbContextFactory<SqliteStudioDbContext>>();
        }

        // Identity's stores need a scoped context; everything else takes short-lived ones from the factory.
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContext());

        services.Configure<DemoOptions>(configuration.GetSection(DemoOptions.Section));
        services.AddScoped<AccountService>();
        services.AddSingleton<ApiTokenService>();
        services.AddSingleton<ProjectService>();
        services.AddSingleton<DatasetService>();
        services.AddSingleton<ProjectOverviewService>();
        services.AddScoped<DemoSeeder>();
        services.AddScoped<StudioDatabaseInitializer>();
        return services;
    }
}
