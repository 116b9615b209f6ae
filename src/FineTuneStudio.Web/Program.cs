using FineTuneStudio.Core;
using FineTuneStudio.Web.Api;
using FineTuneStudio.Web.Components;
using FineTuneStudio.Web.Infrastructure;
using Serilog;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddSerilog((services, logger) => logger
    .ReadFrom.Configuration(builder.Configuration)
    .ReadFrom.Services(services));

builder.Services.AddStudioCore(builder.Configuration);
builder.Services.AddStudioAuthentication();
builder.Services.AddStudioApi();
builder.Services.AddStudioUi();

var app = builder.Build();

await app.InitializeStudioDatabaseAsync();

app.UseStudioErrorHandling();
app.UseSerilogRequestLogging();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapStaticAssets().AllowAnonymous();
app.MapStudioApi();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.AnnounceStartup();
await app.RunAsync();

/// <summary>Visible to the test host.</summary>
public partial class Program;
