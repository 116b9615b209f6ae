using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTuneStudio.Web.Api;

public sealed record MemberRoleRequest(string? Role);

public static class ProjectEndpoints
{
    public static void MapProjectEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/projects").WithTags("Projects").RequireAuthorization(StudioPolicies.ViewProjects);

        group.MapGet("/", async (ProjectService projects, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await projects.ListAsync(http.User.MemberFilter(), ct)))
            .WithSummary("List the projects the caller is a member of (admins: every project)");

        group.MapGet("/{id:int}", async (int id, ProjectService projects, CancellationToken ct) =>
            TypedResults.Ok(await projects.GetAsync(id, ct)))
            .InProject(ScopeKind.Project, "id")
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
            .InProject(ScopeKind.Project, "id")
            .RequireAuthorization(StudioPolicies.ManageProjects)
            .WithSummary("Rename or describe a project");

        group.MapDelete("/{id:int}", async (int id, ProjectService projects, HttpContext http, CancellationToken ct) =>
            {
                await projects.DeleteAsync(id, http.User.ToActor(), ct);
                return TypedResults.NoContent();
            })
            .InProject(ScopeKind.Project, "id")
            .RequireAuthorization(StudioPolicies.Administer)
            .WithSummary("Delete a project and everything in it");

        var members = app.MapGroup("/api/projects/{id:int}/members").WithTags("Projects")
            .RequireAuthorization(StudioPolicies.ViewProjects).InProject(ScopeKind.Project, "id");

        members.MapGet("/", async (int id, MembershipService memberships, CancellationToken ct) =>
            TypedResults.Ok(await memberships.ListAsync(id, ct)))
            .WithSummary("The project's members and their role in it");

        members.MapPut("/{email}", async (int id, string email, MemberRoleRequest request, MembershipService memberships, HttpContext http, CancellationToken ct) =>
            TypedResults.Ok(await memberships.AddAsync(id, email, request.Role, http.User.ToActor(), ct)))
            .RequireAuthorization(StudioPolicies.ManageProjects)
            .WithSummary("Add a user to the project, or change their role in it (no role: the user's own role)");

        members.MapDelete("/{email}", async (int id, string email, MembershipService memberships, HttpContext http, CancellationToken ct) =>
            {
                await memberships.RemoveAsync(id, email, http.User.ToActor(), ct);
                return TypedResults.NoContent();
            })
            .RequireAuthorization(StudioPolicies.ManageProjects)
            .WithSummary("Remove a user from the project: they no longer see anything of it");
    }
}
