using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Api;

public sealed record UserCreateRequest(string Email, string? DisplayName, IReadOnlyList<string> Roles, string Password);

public sealed record UserRolesRequest(IReadOnlyList<string> Roles);

public static class AdminEndpoints
{
    public static void MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api").WithTags("Admin").RequireAuthorization(StudioPolicies.Administer);

        group.MapGet("/users", async (AccountService accounts, CancellationToken ct) => TypedResults.Ok(await accounts.ListAsync(ct)))
            .WithSummary("List users and their roles");

        group.MapPost("/users", async Task<Created<UserSummary>> (UserCreateRequest request, AccountService accounts, HttpContext http, CancellationToken ct) =>
            {
                var user = await accounts.CreateUserAsync(request.Email, request.DisplayName, request.Roles, request.Password, http.User.ToActor(), ct);
                return TypedResults.Created($"/api/users/{user.Id}", user);
            })
            .WithSummary("Create a user with roles");

        group.MapPut("/users/{id}/roles", async (string id, UserRolesRequest request, AccountService accounts, HttpContext http, CancellationToken ct) =>
            {
                await accounts.SetRolesAsync(id, request.Roles, http.User.ToActor(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Replace a user's roles");

        group.MapGet("/audit", async (IDbContextFactory<StudioDbContext> factory, int? take, string? entityType, CancellationToken ct) =>
                TypedResults.Ok(await AuditLog.RecentAsync(factory, take ?? 200, entityType, ct)))
            .WithSummary("Recent audit events, newest first");
    }
}
