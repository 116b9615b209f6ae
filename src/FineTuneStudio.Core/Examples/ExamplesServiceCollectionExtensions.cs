using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Examples;

public static class ExamplesServiceCollectionExtensions
{
    /// <summary>Registers the Examples feature's services.</summary>
    public static IServiceCollection AddExamplesFeature(this IServiceCollection services)
    {
        services.AddSingleton<ExampleList>();
        services.AddSingleton<ExampleEditor>();
        services.AddSingleton<ExampleReview>();
        services.AddSingleton<Annotations>();
        return services;
    }
}
