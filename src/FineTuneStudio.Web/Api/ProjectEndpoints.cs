using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTuneStudio.Web.Api;

public static class ProjectEndpoints
{
    public static void MapProjectEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects").WithTags("Projects").RequireAuthorization(StudioPolicies.ViewProjects);

        group.MapGet("/", async (ProjectService projects, CancellationToken ct) =>
            TypedResults.Ok(await projects.ListAsync(ct)))
            .WithSummary("List projects");

        group.MapGet("/{id:int}", async (int id, ProjectService projects, CancellationToken ct) =>
            TypedResults.Ok(await projects.GetAsync(id, ct)))
            .WithSummary("Get a project");

        group.MapPost("/", async Task<Created<ProjectSummary>> (ProjectInput input, ProjectService projects, HttpContext http, CancellationToken ct) =>
            {
                var created = await projects.CreateAsync(input, http.User.ToActor(), ct);
                return TypedResults.Created($"/api/projects/{created.Id}", created);
            })
            .RequireAuthorization(StudioPolicies.ManageProjects)
            .WithSummary("Create a project");

        group.MapPut("/{id:int}", async (int id, ProjectInput input, ProjectService projects, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await projects.UpdateAsync(id, input, http.User.ToActor(), ct)))
            .RequireAuthorization(StudioPolicies.ManageProjects)
            .WithSummary("Rename or describe a project");

        group.MapDelete("/{id:int}", async (int id, ProjectService projects, HttpContext http, CancellationToken ct) =>
            {
                await projects.DeleteAsync(id, http.User.ToActor(), ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(StudioPolicies.Administer)
            .WithSummary("Delete a project and everything in it");
    }
}
