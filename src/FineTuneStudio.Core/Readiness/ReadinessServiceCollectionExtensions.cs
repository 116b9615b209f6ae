using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Readiness;

public static class ReadinessServiceCollectionExtensions
{
    /// <summary>Registers the Readiness feature's services.</summary>
    public static IServiceCollection AddReadinessFeature(this IServiceCollection services)
    {
        services.AddSingleton<TrainingTargetService>();
        services.AddSingleton<ReadinessService>();
        return services;
    }
}
