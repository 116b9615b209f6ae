using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Export;

public static class ExportServiceCollectionExtensions
{
    /// <summary>Registers the Export feature's services.</summary>
    public static IServiceCollection AddExportFeature(this IServiceCollection services)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => ExportStorage.For(sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        services.AddSingleton<ExportService>();
        return services;
    }
}
