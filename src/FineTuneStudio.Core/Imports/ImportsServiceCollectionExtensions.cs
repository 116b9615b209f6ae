using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Imports;

public static class ImportsServiceCollectionExtensions
{
    /// <summary>Registers the Imports feature's services.</summary>
    public static IServiceCollection AddImportsFeature(this IServiceCollection services)
    {
        services.AddOptions<UploadLimitOptions>().BindConfiguration(UploadLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ImportService>();
        services.AddSingleton<ImportDestinationService>();
        return services;
    }
}
