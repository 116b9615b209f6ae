using FineTuneStudio.Core;
using FineTuneStudio.Web.Api;
using FineTuneStudio.Web.Components;
using FineTuneStudio.Web.Infrastructure;
using Serilog;

var builder = WebApplication.CreateBuilder(args);

// Each host keeps its own logger instead of replacing the static one, so hosts that share a
// process (tests, several instances) never write into each other's sinks.
builder.Services.AddSerilog((services, logger) => logger
    .ReadFrom.Configuration(builder.Configuration)
    .ReadFrom.Services(services), preserveStaticLogger: true);

builder.Services.AddStudioCore(builder.Configuration);
builder.Services.AddStudioAuthentication();
builder.Services.AddStudioApi();
builder.Services.AddStudioUi();
builder.Services.AddStudioRateLimiting();
builder.Services.AddStudioRequestLimits();
builder.Services.AddStudioTransport(builder.Environment);

var app = builder.Build();

await app.InitializeStudioDatabaseAsync();

app.UseStudioForwardedHeaders();
app.UseStudioSecurityHeaders();
app.UseStudioErrorHandling();
app.UseStudioHsts();
app.UseSerilogRequestLogging();
app.UseStudioRequestLimits();
app.UseAuthentication();
app.UseStudioRateLimiting();
app.UseProjectWall();
app.UseAuthorization();
app.UseAntiforgery();
app.UseStudioApiAntiforgery();

app.MapStaticAssets().AllowAnonymous();
app.MapStudioApi();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.AnnounceStartup();
await app.RunAsync();

/// <summary>Visible to the test host.</summary>
public partial class Program;
