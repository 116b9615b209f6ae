using System.Collections.Concurrent;
using System.Text.Json;
using FineTuneStudio.Cli;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Demo;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Feedback;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Quality;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Tests.Settings;

public sealed class SettingsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-settings-").FullName;
    private readonly WarningLog _log = new();

    private ServiceProvider Core(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(_log));
        services.AddStudioCore(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void InvalidValue_FailsAtStartNamingTheKey()
    {
        using var provider = Core(new()
        {
            ["Studio:Quality:ShingleSize"] = "0",
            ["Studio:Imports:MaxUploadBytes"] = "0",
            ["Studio:Database:Provider"] = "Oracle",
        });

        // What a host does when it starts (ValidateOnStart); the CLI does the same before any command.
        var error = Should.Throw<AggregateException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        error.InnerExceptions.ShouldAllBe(e => e is OptionsValidationException);

        error.Message.ShouldContain("Studio:Quality:ShingleSize must be from 1 to 10 words");
        error.Message.ShouldContain("Studio:Imports:MaxUploadBytes must be at least 1 byte");
        error.Message.ShouldContain("Studio:Database:Provider is not known; use Sqlite or Postgres.");
    }

    [Fact]
    public void PostgresWithoutConnectionString_FailsAtStartNamingBothKeys()
    {
        using var provider = Core(new() { ["Studio:Database:Provider"] = "Postgres" });

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        error.Message.ShouldContain("Studio:Database:Provider is Postgres but Studio:Database:ConnectionString is empty.");
    }

    [Fact]
    public void OldKeys_StillWork_WithOneWarningEach()
    {
        var connection = StudioDatabaseSettings.SqliteConnectionFor(Path.Combine(_folder, "old.db"));
        using var provider = Core(new()
        {
            ["Quality:ShingleSize"] = "5",
            ["Quality:NearDuplicateThreshold"] = "0.9",
            ["Studio:Quality:NearDuplicateThreshold"] = "0.7",
            ["Database:Provider"] = "Sqlite",
            ["ConnectionStrings:Studio"] = connection,
        });

        provider.GetRequiredService<IStartupValidator>().Validate();
        var thresholds = provider.GetRequiredService<IOptions<QualityThresholds>>().Value;
        thresholds.ShingleSize.ShouldBe(5);
        thresholds.NearDuplicateThreshold.ShouldBe(0.7); // the new key wins where both are set
        provider.GetRequiredService<StudioDatabaseSettings>().ShouldBe(new StudioDatabaseSettings(DatabaseProvider.Sqlite, connection));

        // Options are built again on every reload; the warning is not repeated.
        provider.GetRequiredService<IOptionsMonitorCache<QualityThresholds>>().Clear();
        provider.GetRequiredService<IOptionsMonitor<QualityThresholds>>().CurrentValue.ShingleSize.ShouldBe(5);

        _log.Warnings.Order().ShouldBe(
        [
            "The setting ConnectionStrings:Studio is deprecated and will stop working in the next release; use Studio:Database:ConnectionString instead",
            "The setting Database:Provider is deprecated and will stop working in the next release; use Studio:Database:Provider instead",
            "The setting Quality:ShingleSize is deprecated and will stop working in the next release; use Studio:Quality:ShingleSize instead",
        ]);
    }

    [Fact]
    public void OldKey_OutOfRange_FailsAtStartLikeTheNewOne()
    {
        using var provider = Core(new() { ["Quality:ShingleSize"] = "0" });

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        error.Message.ShouldContain("Studio:Quality:ShingleSize must be from 1 to 10 words");
        _log.Warnings.ShouldHaveSingleItem().ShouldContain("Quality:ShingleSize is deprecated");
    }

    [Fact]
    public async Task Cli_SeesTheSameOptionValuesAsTheWebApp_AndItsFlagsWin()
    {
        var endpoint = $"settings{Guid.NewGuid():N}";
        var variables = new Dictionary<string, string>
        {
            [$"Studio__Evaluation__Generation__Endpoints__{endpoint}__BaseUrl"] = "http://127.0.0.1:9/v1",
            [$"Studio__Evaluation__Generation__Endpoints__{endpoint}__Models__0"] = "small-model",
            // The database given on the command line wins over the environment.
            ["Studio__Database__ConnectionString"] = "Data Source=/nowhere/else.db",
        };
        var path = Path.Combine(_folder, "cli.db");
        foreach (var (name, value) in variables)
        {
            Environment.SetEnvironmentVariable(name, value);
        }

        try
        {
            // The web app reads the same environment (WebApplication.CreateBuilder adds it) over the same option classes.
            var webValues = new ServiceCollection().AddStudioCore(new ConfigurationBuilder().AddEnvironmentVariables().Build()).BuildServiceProvider();
            await using var cli = await CliServices.OpenAsync(StudioCli.BuildRootCommand().Parse(["migrate", "--db", path]), createIfMissing: true, default);

            cli.GetRequiredService<IOptions<EvalGenerationOptions>>().Value.Endpoints[endpoint].Models.ShouldBe(["small-model"]);
            Json<EvalGenerationOptions>(cli).ShouldBe(Json<EvalGenerationOptions>(webValues));
            Json<QualityThresholds>(cli).ShouldBe(Json<QualityThresholds>(webValues));
            Json<UploadLimitOptions>(cli).ShouldBe(Json<UploadLimitOptions>(webValues));
            Json<StorageOptions>(cli).ShouldBe(Json<StorageOptions>(webValues));
            Json<GenerationOptions>(cli).ShouldBe(Json<GenerationOptions>(webValues));
            Json<DemoOptions>(cli).ShouldBe(Json<DemoOptions>(webValues));
            webValues.GetRequiredService<IOptions<StudioDatabaseOptions>>().Value.ConnectionString.ShouldBe("Data Source=/nowhere/else.db");
            cli.GetRequiredService<StudioDatabaseSettings>().ShouldBe(new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(path)));
            await webValues.DisposeAsync();
        }
        finally
        {
            foreach (var name in variables.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }

    private static string Json<T>(IServiceProvider provider) where T : class =>
        JsonSerializer.Serialize(provider.GetRequiredService<IOptions<T>>().Value);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>The warnings logged, as text.</summary>
    private sealed class WarningLog : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _warnings = new();

        public IReadOnlyList<string> Warnings => [.. _warnings];

        public ILogger CreateLogger(string categoryName) => new Logger(_warnings);

        public void Dispose()
        {
        }

        private sealed class Logger(ConcurrentQueue<string> warnings) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    warnings.Enqueue(formatter(state, exception));
                }
            }
        }
    }
}
