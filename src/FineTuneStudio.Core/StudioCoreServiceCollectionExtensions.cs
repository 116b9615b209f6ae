using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Demo;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Feedback;
using FineTuneStudio.Core.Judges;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Quality;
using FineTuneStudio.Core.Readiness;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Core.Settings;
using FineTuneStudio.Core.Suggestions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core;

public static class StudioCoreServiceCollectionExtensions
{
    /// <summary>The database (by <c>Studio:Database</c>) and every Core service. Used by the web app and the CLI alike.</summary>
    public static IServiceCollection AddStudioCore(this IServiceCollection services, IConfiguration configuration)
    {
        // Options are bound when first asked for, not now, so a host (or a test) can still change
        // configuration after this call.
        services.TryAddSingleton<IConfiguration>(configuration);
        services.AddOptions<StudioDatabaseOptions>().BindConfiguration(StudioDatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddLegacySettingKeys<StudioDatabaseOptions>(StudioDatabaseOptions.Section, "Database", StudioDatabaseOptions.Section);
        services.AddLegacySettingKeys<StudioDatabaseOptions>(StudioDatabaseOptions.Section, "ConnectionStrings:Studio", StudioDatabaseOptions.ConnectionStringKey);
        services.AddSingleton(sp => StudioDatabaseSettings.Resolve(sp.GetRequiredService<IOptions<StudioDatabaseOptions>>().Value));
        services.TryAddSingleton(TimeProvider.System);

        services.AddDbContextFactory<SqliteStudioDbContext>((sp, o) => o.UseSqliteStudio(sp.GetRequiredService<StudioDatabaseSettings>().ConnectionString));
        services.AddDbContextFactory<PostgresStudioDbContext>((sp, o) => o.UsePostgres(sp.GetRequiredService<StudioDatabaseSettings>().ConnectionString));
        services.AddSingleton<IDbContextFactory<StudioDbContext>>(sp => sp.GetRequiredService<StudioDatabaseSettings>().Provider == DatabaseProvider.Postgres
            ? new StudioDbContextFactory<PostgresStudioDbContext>(sp.GetRequiredService<IDbContextFactory<PostgresStudioDbContext>>())
            : new StudioDbContextFactory<SqliteStudioDbContext>(sp.GetRequiredService<IDbContextFactory<SqliteStudioDbContext>>()));

        // Identity's stores need a scoped context; everything else takes short-lived ones from the factory.
        services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContext());

        services.AddOptions<DemoOptions>().BindConfiguration(DemoOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<AccountService>();
        services.AddSingleton<ApiTokenService>();
        services.AddSingleton<ProjectService>();
        services.AddSingleton<ProjectScopes>();
        services.AddSingleton<MembershipReader>();
        services.AddScoped<MembershipService>();
        services.AddSingleton<DatasetService>();
        services.AddSingleton<JobLeaseService>();
        // Resumes the jobs a stopped instance left, for every IResumableJobKind a feature registers.
        services.AddHostedService<JobPickup>();
        services.AddSingleton<ProjectOverviewService>();
        services.AddSingleton<Auditing.AuditReader>();
        services.AddScoped<DemoSeeder>();
        services.AddScoped<StudioDatabaseInitializer>();

        services.AddReadinessFeature();
        services.AddExamplesFeature();
        services.AddImportsFeature();
        services.AddVersionsFeature();
        services.AddQualityFeature();
        services.AddEvaluationFeature();
        services.AddJudgesFeature();
        services.AddFeedbackFeature();
        services.AddSuggestionsFeature();
        return services;
    }
}
