using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Data;

/// <summary>Hands out the provider-specific context as the provider-neutral <see cref="StudioDbContext"/>.</summary>
internal sealed class StudioDbContextFactory<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<StudioDbContext>
    where TContext : StudioDbContext
{
    public StudioDbContext CreateDbContext() => inner.CreateDbContext();
}

/// <summary>Builds contexts outside dependency injection (tests, design time).</summary>
public static class StudioDbContextOptions
{
    public static StudioDbContext Create(StudioDatabaseSettings settings) => settings.Provider switch
    {
        DatabaseProvider.Postgres => new PostgresStudioDbContext(
            new DbContextOptionsBuilder<PostgresStudioDbContext>().UsePostgres(settings.ConnectionString).Options),
        _ => new SqliteStudioDbContext(
            new DbContextOptionsBuilder<SqliteStudioDbContext>().UseSqliteStudio(settings.ConnectionString).Options),
    };

    public static DbContextOptionsBuilder UseSqliteStudio(this DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseSqlite(connectionString, o => o.MigrationsHistoryTable("__EFMigrationsHistory"))
            .AddInterceptors(SqliteBusyTimeoutInterceptor.Instance);

    public static DbContextOptionsBuilder<TContext> UseSqliteStudio<TContext>(this DbContextOptionsBuilder<TContext> builder, string connectionString)
        where TContext : DbContext
    {
        ((DbContextOptionsBuilder)builder).UseSqliteStudio(connectionString);
        return builder;
    }

    public static DbContextOptionsBuilder UsePostgres(this DbContextOptionsBuilder builder, string connectionString) =>
        builder.UseNpgsql(connectionString);

    public static DbContextOptionsBuilder<TContext> UsePostgres<TContext>(this DbContextOptionsBuilder<TContext> builder, string connectionString)
        where TContext : DbContext
    {
        ((DbContextOptionsBuilder)builder).UsePostgres(connectionString);
        return builder;
    }
}
