using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Feedback;

public static class FeedbackServiceCollectionExtensions
{
    /// <summary>Registers the production feedback loop: log import, drift, promotion, synthetic drafts, retraining due.</summary>
    public static IServiceCollection AddFeedbackFeature(this IServiceCollection services)
    {
        services.AddOptions<GenerationOptions>().BindConfiguration(GenerationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddMemoryCache();
        services.AddSingleton<DriftReportCache>();
        services.AddSingleton<DriftReports>();
        services.AddSingleton<TrafficLogs>();
        services.AddSingleton<LogPromotion>();
        services.AddSingleton<SyntheticDrafts>();
        services.AddSingleton<RetrainingSchedule>();
        return services;
    }
}
