using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Versions;

public static class VersionsServiceCollectionExtensions
{
    /// <summary>Registers the Versions feature's services.</summary>
    public static IServiceCollection AddVersionsFeature(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => VersionStorage.For(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.AddSingleton<VersionCatalog>();
        services.AddSingleton<VersionCutter>();
        services.AddSingleton<VersionFiles>();
        services.AddSingleton<VersionDiffs>();
        services.AddSingleton<VersionPreview>();
        services.AddSingleton<CutEstimates>();
        return services;
    }
}
