using FineTuneStudio.Core.Training;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Readiness;

public static class ReadinessServiceCollectionExtensions
{
    /// <summary>Registers the Readiness feature's services.</summary>
    public static IServiceCollection AddReadinessFeature(this IServiceCollection services)
    {
        services.AddSingleton<TrainingTargetService>();
        services.AddSingleton<ReadinessEvidenceReader>();
        services.AddSingleton<Assessments>();
        services.AddSingleton<ReadinessReports>();
        return services;
    }
}
