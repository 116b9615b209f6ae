using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Settings;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Quality;

public static class QualityServiceCollectionExtensions
{
    /// <summary>Registers the Quality feature's services.</summary>
    public static IServiceCollection AddQualityFeature(this IServiceCollection services)
    {
        services.AddOptions<QualityThresholds>().BindConfiguration(QualityThresholds.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddLegacySettingKeys<QualityThresholds>(QualityThresholds.Section, QualityThresholds.LegacySection, QualityThresholds.Section);
        services.AddSingleton<QualityService>();
        services.AddSingleton<QualityFixes>();
        services.AddSingleton<IExampleFindings, StoredFindings>();
        services.AddSingleton<QualityJobRunner>();
        services.AddSingleton<IResumableJobKind>(sp => sp.GetRequiredService<QualityJobRunner>());
        return services;
    }
}
