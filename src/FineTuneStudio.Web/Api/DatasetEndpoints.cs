using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTuneStudio.Web.Api;

public sealed record DatasetCreateRequest(int ProjectId, DatasetInput Dataset);

public static class DatasetEndpoints
{
    public static void MapDatasetEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/datasets").WithTags("Datasets").RequireAuthorization(StudioPolicies.ViewProjects);

        group.MapGet("/", async (int projectId, bool? includeArchived, DatasetService datasets, CancellationToken ct) =>
            TypedResults.Ok(await datasets.ListAsync(projectId, includeArchived ?? false, ct)))
            .InProject(ScopeKind.Project, "projectId", ScopeSource.Query)
            .WithSummary("List the datasets of a project")
            .WithDescription("Archived datasets are left out unless includeArchived=true; each carries archivedAt.");

        group.MapGet("/{id:int}", async (int id, DatasetService datasets, CancellationToken ct) =>
            TypedResults.Ok(await datasets.GetAsync(id, ct)))
            .InProject(ScopeKind.Dataset, "id")
            .WithSummary("Get a dataset");

        group.MapPost("/", async Task<Created<DatasetSummary>> (DatasetCreateRequest request, DatasetService datasets, ProjectWall wall, HttpContext http, CancellationToken ct) =>
            {
                // The project is in the body, so the wall is asked here rather than by route metadata.
                await wall.RequireAsync(http.User, ScopeKind.Project, request.ProjectId, StudioPolicies.ManageProjects, ct);
                var created = await datasets.CreateAsync(request.ProjectId, request.Dataset, http.User.ToActor(), ct);
                return TypedResults.Created($"/api/datasets/{created.Id}", created);
            })
            .RequireAuthorization(StudioPolicies.ManageProjects)
            .WithSummary("Create a dataset in a project");

        group.MapPut("/{id:int}", async (int id, DatasetInput input, DatasetService datasets, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await datasets.UpdateAsync(id, input, http.User.ToActor(), ct)))
            .InProject(ScopeKind.Dataset, "id")
            .RequireAuthorization(StudioPolicies.ManageProjects)
            .WithSummary("Update a dataset's settings, prompt, guidelines or labels")
            .WithDescription("labelGuides (label → {description, example}) replaces the guides when sent; left out, each guide stays unless its label was renamed or removed.");

        group.MapPost("/{id:int}/archive", async (int id, DatasetService datasets, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await datasets.ArchiveAsync(id, http.User.ToActor(), ct)))
            .InProject(ScopeKind.Dataset, "id")
            .RequireAuthorization(StudioPolicies.ManageProjects)
            .WithSummary("Archive a dataset")
            .WithDescription("It leaves the lists and takes no new examples or imports (409); its versions stay downloadable. Archiving twice changes nothing.");

        group.MapPost("/{id:int}/restore", async (int id, DatasetService datasets, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await datasets.RestoreAsync(id, http.User.ToActor(), ct)))
            .InProject(ScopeKind.Dataset, "id")
            .RequireAuthorization(StudioPolicies.ManageProjects)
            .WithSummary("Restore an archived dataset to the lists and to work");

        group.MapDelete("/{id:int}", async (int id, DatasetService datasets, HttpContext http, CancellationToken ct) =>
            {
                await datasets.DeleteAsync(id, http.User.ToActor(), ct);
                return TypedResults.NoContent();
            })
            .InProject(ScopeKind.Dataset, "id")
            .RequireAuthorization(StudioPolicies.ManageProjects)
            .WithSummary("Delete a dataset and its examples");
    }
}
