using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Quality;

public static class QualityServiceCollectionExtensions
{
    /// <summary>Registers the Quality feature's services.</summary>
    public static IServiceCollection AddQualityFeature(this IServiceCollection services)
    {
        services.AddSingleton<QualityService>();
        services.AddSingleton<QualityJobRunner>();
        return services;
    }
}
