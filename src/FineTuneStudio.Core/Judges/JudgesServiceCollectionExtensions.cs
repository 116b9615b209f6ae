using FineTuneStudio.Core.Jobs;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Judges;

public static class JudgesServiceCollectionExtensions
{
    /// <summary>Registers LLM judges: versioned judges, judge runs in the background, calibration against the blind reviews.</summary>
    public static IServiceCollection AddJudgesFeature(this IServiceCollection services)
    {
        services.AddOptions<JudgeOptions>().BindConfiguration(JudgeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<JudgeService>();
        services.AddSingleton<JudgeRuns>();
        services.AddSingleton<JudgeRunExecutor>();
        services.AddSingleton<JudgeRunRunner>();
        services.AddSingleton<JudgeCalibrationService>();
        // Runs a stopped instance left are picked up by the shared JobPickup.
        services.AddSingleton<IResumableJobKind>(sp => sp.GetRequiredService<JudgeRunRunner>());
        return services;
    }
}
