using FineTuneStudio.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Examples;

public static class ExamplesServiceCollectionExtensions
{
    /// <summary>Registers the Examples feature's services.</summary>
    public static IServiceCollection AddExamplesFeature(this IServiceCollection services)
    {
        services.AddOptions<ExampleListOptions>().BindConfiguration(ExampleListOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new ExampleList(sp.GetRequiredService<IDbContextFactory<StudioDbContext>>(), sp.GetRequiredService<IExampleFindings>())
        {
            SearchCountCap = sp.GetRequiredService<IOptions<ExampleListOptions>>().Value.SearchCountCap,
        });
        services.AddSingleton<ExampleEditor>();
        services.AddSingleton<ExampleReview>();
        services.AddSingleton<Annotations>();
        return services;
    }
}
