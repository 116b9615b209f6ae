using FineTuneStudio.Core.Examples;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Quality;

public static class QualityServiceCollectionExtensions
{
    /// <summary>Registers the Quality feature's services.</summary>
    public static IServiceCollection AddQualityFeature(this IServiceCollection services)
    {
        services.AddOptions<QualityThresholds>().BindConfiguration(QualityThresholds.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<QualityThresholds>, QualityThresholdsValidator>();
        services.AddSingleton<QualityService>();
        services.AddSingleton<QualityFixes>();
        services.AddSingleton<IExampleFindings, StoredFindings>();
        services.AddSingleton<QualityJobRunner>();
        return services;
    }
}
