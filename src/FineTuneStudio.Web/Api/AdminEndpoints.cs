using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Api;

public sealed record UserCreateRequest(string Email, string? DisplayName, IReadOnlyList<string> Roles, string Password);

public sealed record UserRolesRequest(IReadOnlyList<string> Roles);

public sealed record PasswordResetResponse(string Password);

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

        group.MapPost("/users/{id}/disable", async (string id, AccountService accounts, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(await accounts.DisableAsync(id, http.User.ToActor(), ct)))
            .WithSummary("Disable a user: sign-in refused, every token revoked, open sessions end within a minute");

        group.MapPost("/users/{id}/enable", async (string id, AccountService accounts, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(await accounts.EnableAsync(id, http.User.ToActor(), ct)))
            .WithSummary("Let a disabled user sign in again (their old tokens stay revoked)");

        group.MapPost("/users/{id}/password-reset", async (string id, AccountService accounts, HttpContext http, CancellationToken ct) =>
                TypedResults.Ok(new PasswordResetResponse(await accounts.ResetPasswordAsync(id, http.User.ToActor(), ct))))
            .RequireSignedInSession()
            .WithSummary("Give a user a new random password, returned once; their sessions end");

        group.MapGet("/admin/tokens", async (ApiTokenService tokens, CancellationToken ct) => TypedResults.Ok(await tokens.ListAllAsync(ct)))
            .WithSummary("Every user's API tokens with owner, expiry and last use (never their secrets)");

        group.MapDelete("/admin/tokens/{id:int}", async (int id, ApiTokenService tokens, HttpContext http, CancellationToken ct) =>
            {
                await tokens.RevokeAsync(null, id, http.User.ToActor(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Revoke anyone's API token");

        group.MapGet("/audit", async (IDbContextFactory<StudioDbContext> factory, int? take, string? entityType, CancellationToken ct) =>
                TypedResults.Ok(await AuditLog.RecentAsync(factory, take ?? 200, entityType, ct)))
            .WithSummary("Recent audit events, newest first");
    }
}
