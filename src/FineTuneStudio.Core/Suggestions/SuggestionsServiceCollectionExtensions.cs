using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Suggestions;

public static class SuggestionsServiceCollectionExtensions
{
    /// <summary>Registers the label suggestions feature's services (endpoints come from the Evaluation feature's settings).</summary>
    public static IServiceCollection AddSuggestionsFeature(this IServiceCollection services)
    {
        services.AddSingleton<LabelSuggestionService>();
        services.AddSingleton<EndpointSuggester>();
        return services;
    }
}
