using FineTuneStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Tests.Hosting;

public sealed class SettingsStartupTests
{
    /// <summary>The real host with one setting out of range.</summary>
    private sealed class BadSettingFactory(string key, string value) : StudioAppFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting(key, value);
        }
    }

    [Theory]
    [InlineData("Studio:Limits:MaxJsonBodyBytes", "0", "Studio:Limits:MaxJsonBodyBytes must be at least 1 byte")]
    [InlineData("Studio:RateLimits:SignInPerMinute", "0", "Studio:RateLimits:SignInPerMinute must be at least 1")]
    [InlineData("Studio:Quality:ShingleSize", "11", "Studio:Quality:ShingleSize must be from 1 to 10 words")]
    [InlineData("Quality:ShingleSize", "11", "Studio:Quality:ShingleSize must be from 1 to 10 words")]
    public async Task InvalidSetting_StopsStartUpNamingTheKey(string key, string value, string message)
    {
        var factory = new BadSettingFactory(key, value);
        try
        {
            var error = Should.Throw<Exception>(() => factory.InitializeAsync());

            var validation = OptionsError(error).ShouldNotBeNull(error.ToString());
            validation.Message.ShouldContain(message);
        }
        finally
        {
            await ((IAsyncLifetime)factory).DisposeAsync();
        }
    }

    private static OptionsValidationException? OptionsError(Exception? e) => e switch
    {
        null => null,
        OptionsValidationException options => options,
        AggregateException all => all.InnerExceptions.Select(OptionsError).FirstOrDefault(x => x is not null),
        _ => OptionsError(e.InnerException),
    };
}
