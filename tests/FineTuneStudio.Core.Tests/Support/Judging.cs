using System.Globalization;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Judges;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Tests.Support;

/// <summary>The judges' services over a test database, as one app instance wires them.</summary>
public sealed class Judging
{
    private Judging(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, EvalEndpointCatalog endpoints, JudgeOptions options)
    {
        Endpoints = endpoints;
        Judges = new JudgeService(factory, clock, endpoints);
        Leases = new JobLeaseService(factory, clock, NullLogger<JobLeaseService>.Instance);
        Runs = new JudgeRuns(factory, clock, endpoints, Leases);
        Executor = new JudgeRunExecutor(factory, clock, endpoints, Leases, NullLogger<JudgeRunExecutor>.Instance);
        Calibration = new JudgeCalibrationService(factory, Judges, new ComparisonService(factory, clock), Options.Create(options));
    }

    public EvalEndpointCatalog Endpoints { get; }
    public JudgeService Judges { get; }
    public JobLeaseService Leases { get; }
    public JudgeRuns Runs { get; }
    public JudgeRunExecutor Executor { get; }
    public JudgeCalibrationService Calibration { get; }

    public JudgeRunRunner Runner() => new(Runs, Executor, Endpoints, NullLogger<JudgeRunRunner>.Instance);

    /// <summary>
    /// An instance whose endpoint "judge" points at <paramref name="baseUrl"/> (none when null); prices per million
    /// tokens when given; two items at once, one retry.
    /// </summary>
    public static Judging For(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, string? baseUrl = null, JudgeOptions? options = null,
        decimal? inputPrice = null, decimal? outputPrice = null, int concurrency = 2)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Studio:Evaluation:Generation:MaxConcurrency"] = concurrency.ToString(CultureInfo.InvariantCulture),
            ["Studio:Evaluation:Generation:MaxRetries"] = "1",
            ["Studio:Evaluation:Generation:RetryDelayMilliseconds"] = "10",
            ["Studio:Evaluation:Generation:TimeoutSeconds"] = "30",
        };
        if (baseUrl is not null)
        {
            settings["Studio:Evaluation:Generation:Endpoints:judge:BaseUrl"] = baseUrl;
            settings["Studio:Evaluation:Generation:Endpoints:judge:ApiKey"] = "sk-judge-secret";
            settings["Studio:Evaluation:Generation:Endpoints:judge:InputPricePerMillion"] = inputPrice?.ToString(CultureInfo.InvariantCulture);
            settings["Studio:Evaluation:Generation:Endpoints:judge:OutputPricePerMillion"] = outputPrice?.ToString(CultureInfo.InvariantCulture);
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var catalog = new EvalEndpointCatalog(TestSettings.Monitor<EvalGenerationOptions>(configuration, EvalGenerationOptions.Section));
        return new Judging(factory, clock, catalog, options ?? new JudgeOptions { BootstrapIterations = 500 });
    }
}
