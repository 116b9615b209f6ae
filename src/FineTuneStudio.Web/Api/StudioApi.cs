using System.Text.Json.Serialization;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace FineTuneStudio.Web.Api;

public static class StudioApi
{
    public static IServiceCollection AddStudioApi(this IServiceCollection services)
    {
        // Enums travel as their names ("Classification"), like they are stored.
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.Converters.Add(new NulFreeStringConverter());
        });
        services.AddProblemDetails();
        services.AddExceptionHandler<StudioExceptionHandler>();
        services.AddHealthChecks().AddDbContextCheck<StudioDbContext>("database");
        services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "FineTuneStudio API";
            document.Info.Description = "Projects, datasets and everything under them. Authenticate with a personal API token: Authorization: Bearer fts_...";
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A personal API token created on the profile page.",
            };
            return Task.CompletedTask;
        }));
        return services;
    }

    public static WebApplication MapStudioApi(this WebApplication app)
    {
        app.MapHealthChecks("/health").AllowAnonymous();
        app.MapOpenApi().AllowAnonymous();
        app.MapScalarApiReference("/api-docs", options => options.WithTitle("FineTuneStudio API")).AllowAnonymous();

        app.MapAccountEndpoints();
        app.MapProjectEndpoints();
        app.MapDatasetEndpoints();
        app.MapAdminEndpoints();
        app.MapReadinessEndpoints();
        app.MapExampleEndpoints();
        app.MapImportEndpoints();
        app.MapVersionEndpoints();
        app.MapQualityEndpoints();
        app.MapEvaluationEndpoints();
        app.MapJudgeEndpoints();
        app.MapFeedbackEndpoints();
        app.MapSuggestionEndpoints();
        return app;
    }
}
