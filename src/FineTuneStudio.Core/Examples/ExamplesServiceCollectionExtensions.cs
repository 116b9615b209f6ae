using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Examples;

public static class ExamplesServiceCollectionExtensions
{
    /// <summary>Registers the Examples feature's services.</summary>
    public static IServiceCollection AddExamplesFeature(this IServiceCollection services)
    {
        services.AddSingleton<ExampleService>();
        return services;
    }
}
