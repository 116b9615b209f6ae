using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Export;

public static class ExportServiceCollectionExtensions
{
    /// <summary>Registers the Export feature's services.</summary>
    public static IServiceCollection AddExportFeature(this IServiceCollection services)
    {
        return services;
    }
}
