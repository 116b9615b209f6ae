using System.CommandLine;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Cli;

/// <summary>Builds the same Core services the web app uses, over the database the global options name.</summary>
public static class CliServices
{
    public static async Task<ServiceProvider> OpenAsync(ParseResult parse, bool createIfMissing, CancellationToken cancellationToken)
    {
        var settings = Resolve(parse);
        if (settings.Provider == DatabaseProvider.Sqlite && !createIfMissing)
        {
            var path = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(settings.ConnectionString).DataSource;
            if (!File.Exists(path))
            {
                throw new CliException($"the database file {path} does not exist; create it with 'fts migrate --db {path}'");
            }
        }

        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Error)
            .AddProvider(new CliWarningLoggerProvider(CliConsole.Get().Error)));
        services.AddStudioCore(Configuration(settings));
        services.AddStudioIdentityStores();
        var provider = services.BuildServiceProvider();
        try
        {
            // As the web host does at start: every option bound and checked before any work.
            provider.GetRequiredService<IStartupValidator>().Validate();
        }
        catch (Exception e) when (e is OptionsValidationException or AggregateException { InnerExceptions: [OptionsValidationException, ..] })
        {
            await provider.DisposeAsync();
            throw new CliException(e is AggregateException all ? string.Join(Environment.NewLine, all.InnerExceptions.Select(i => i.Message)) : e.Message);
        }

        // Bring an older database up to date, as the web app does at start-up.
        await StudioDatabaseMigrator.MigrateAsync(provider.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<StudioDbContext>>(), settings, cancellationToken);
        await using (var db = await provider.GetRequiredService<Microsoft.EntityFrameworkCore.IDbContextFactory<StudioDbContext>>().CreateDbContextAsync(cancellationToken))
        {
            await AccountService.EnsureRolesAsync(db, cancellationToken);
        }

        return provider;
    }

    /// <summary>
    /// The same option classes as the web app, from the same sources: the environment (<c>Studio__...</c>, e.g.
    /// generation endpoints and their keys), then the database the global options name, which wins.
    /// </summary>
    public static IConfiguration Configuration(StudioDatabaseSettings settings) =>
        new ConfigurationBuilder().AddEnvironmentVariables().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [StudioDatabaseOptions.ProviderKey] = settings.Provider.ToString(),
            [StudioDatabaseOptions.ConnectionStringKey] = settings.ConnectionString,
        }).Build();

    public static StudioDatabaseSettings Resolve(ParseResult parse)
    {
        var provider = StudioDatabaseSettings.ParseProvider(parse.GetValue(GlobalOptions.Provider));
        var connection = parse.GetValue(GlobalOptions.Connection);
        var db = parse.GetValue(GlobalOptions.Db);
        if (provider == DatabaseProvider.Postgres)
        {
            if (string.IsNullOrWhiteSpace(connection))
            {
                throw new CliException("--provider postgres needs --connection \"Host=...;Database=...;Username=...;Password=...\"", isUsage: true);
            }

            return new StudioDatabaseSettings(provider, connection);
        }

        if (db is not null && !string.IsNullOrWhiteSpace(connection))
        {
            throw new CliException("give either --db or --connection, not both", isUsage: true);
        }

        if (!string.IsNullOrWhiteSpace(connection))
        {
            return new StudioDatabaseSettings(provider, connection);
        }

        var path = db?.FullName ?? StudioDatabaseSettings.DefaultDatabasePath();
        return new StudioDatabaseSettings(provider, StudioDatabaseSettings.SqliteConnectionFor(path));
    }
}
