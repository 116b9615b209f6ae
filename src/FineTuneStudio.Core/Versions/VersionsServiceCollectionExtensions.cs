using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Versions;

public static class VersionsServiceCollectionExtensions
{
    /// <summary>Registers the Versions feature's services.</summary>
    public static IServiceCollection AddVersionsFeature(this IServiceCollection services)
    {
        // Read when the container is built, so a host or a test can still set Studio:Storage:Root.
        services.AddSingleton(sp => VersionStorage.From(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<VersionCatalog>();
        services.AddSingleton<VersionCutter>();
        services.AddSingleton<VersionFiles>();
        services.AddSingleton<VersionDiffs>();
        services.AddSingleton<VersionPreview>();
        return services;
    }
}
