using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Export;

public static class ExportServiceCollectionExtensions
{
    /// <summary>Registers the Export feature's services.</summary>
    public static IServiceCollection AddExportFeature(this IServiceCollection services)
    {
        // Read when the container is built, so a host or a test can still set Studio:Storage:Root.
        services.AddSingleton(sp => ExportStorage.From(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<ExportService>();
        return services;
    }
}
