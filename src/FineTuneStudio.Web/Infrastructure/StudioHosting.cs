using FineTuneStudio.Core;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Demo;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using MudBlazor.Services;

namespace FineTuneStudio.Web.Infrastructure;

public static class StudioHosting
{
    public static IServiceCollection AddStudioUi(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        return services;
    }

    public static async Task InitializeStudioDatabaseAsync(this WebApplication app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<StudioDatabaseInitializer>().InitializeAsync(app.Lifetime.ApplicationStopping);
    }

    public static WebApplication UseStudioErrorHandling(this WebApplication app)
    {
        app.UseExceptionHandler("/error", createScopeForErrors: true);
        // API callers get bare status codes (or ProblemDetails); people get a page.
        app.UseWhen(
            context => !context.Request.Path.StartsWithSegments("/api"),
            branch => branch.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true));
        return app;
    }

    /// <summary>Prints where the app listens and, in demo mode, how to sign in.</summary>
    public static void AnnounceStartup(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("FineTuneStudio");
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            foreach (var address in addresses)
            {
                logger.LogInformation("FineTuneStudio is running at {Url}", address);
            }

            var demo = app.Services.GetRequiredService<IOptions<DemoOptions>>().Value;
            if (demo.Enabled)
            {
                foreach (var user in DemoOptions.Users)
                {
                    logger.LogInformation("Demo sign-in ({Role}): {Email}", user.Role, user.Email);
                }

                // The shared password goes to the terminal of whoever started the app, never into the log sinks.
                Console.Out.WriteLine($"Demo password for every demo sign-in: {demo.Password} (Studio:Demo:Password)");
            }
        });
    }
}
