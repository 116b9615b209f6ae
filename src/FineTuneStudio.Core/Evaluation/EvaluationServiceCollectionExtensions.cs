using FineTuneStudio.Core.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Evaluation;

public static class EvaluationServiceCollectionExtensions
{
    /// <summary>Registers the Evaluation feature's services.</summary>
    public static IServiceCollection AddEvaluationFeature(this IServiceCollection services)
    {
        services.AddOptions<EvalGenerationOptions>().BindConfiguration(EvalGenerationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<EvalSets>();
        services.AddSingleton<EvalSetExport>();
        services.AddSingleton<VersionLineage>();
        services.AddSingleton<EvalRuns>();
        services.AddSingleton<ComparisonService>();
        services.AddSingleton<TrainingCurveService>();
        services.AddSingleton<EvaluationDashboardService>();
        services.AddSingleton<EvalEndpointCatalog>();
        services.AddSingleton<EvalRunGenerator>();
        services.AddSingleton<EvalGenerationService>();
        services.AddSingleton<EvalGenerationRunner>();
        // Runs a stopped instance left are picked up by the shared JobPickup.
        services.AddSingleton<IResumableJobKind>(sp => sp.GetRequiredService<EvalGenerationRunner>());
        return services;
    }
}
