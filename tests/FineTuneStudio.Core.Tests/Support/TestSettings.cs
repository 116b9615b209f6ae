using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Tests.Support;

/// <summary>Options bound from a test's configuration the way the app binds them.</summary>
public static class TestSettings
{
    public static IOptionsMonitor<T> Monitor<T>(IConfiguration configuration, string section) where T : class
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations();
        return services.BuildServiceProvider().GetRequiredService<IOptionsMonitor<T>>();
    }
}
