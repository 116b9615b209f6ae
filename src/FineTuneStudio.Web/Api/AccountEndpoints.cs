using System.Security.Claims;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace FineTuneStudio.Web.Api;

public sealed record MeResponse(string Id, string Email, IReadOnlyList<string> Roles);

public sealed record TokenCreateRequest(string Name, int? ExpiresInDays = null);

public sealed record PasswordChangeRequest(string CurrentPassword, string NewPassword);

public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/account/logout", async ([FromServices] SignInManager<StudioUser> signIn, [FromForm] string? returnUrl) =>
            {
                await signIn.SignOutAsync();
                return TypedResults.LocalRedirect("~/account/login");
            })
            .ExcludeFromDescription();

        var api = app.MapGroup("/api").WithTags("Account").RequireAuthorization();

        api.MapGet("/me", (ClaimsPrincipal user) => TypedResults.Ok(new MeResponse(
                user.UserId() ?? "",
                user.Identity?.Name ?? "",
                user.FindAll(ClaimTypes.Role).Select(c => c.Value).Order().ToList())))
            .WithSummary("Who the caller is, with roles");

        api.MapGet("/tokens", async (ClaimsPrincipal user, ApiTokenService tokens, CancellationToken ct) =>
                TypedResults.Ok(await tokens.ListAsync(user.UserId()!, ct)))
            .WithSummary("The caller's API tokens (never their secrets)");

        api.MapPost("/tokens", async Task<Created<CreatedApiToken>> (TokenCreateRequest request, ClaimsPrincipal user, ApiTokenService tokens, CancellationToken ct) =>
            {
                var created = await tokens.CreateAsync(user.UserId()!, request.Name, user.ToActor(), ct, request.ExpiresInDays);
                return TypedResults.Created($"/api/tokens/{created.Token.Id}", created);
            })
            .RequireSignedInSession()
            .WithSummary("Create an API token (signed-in session only); the secret is returned once")
            .WithDescription($"expiresInDays: 1 to {ApiTokenService.MaxLifetimeDays}, default {ApiTokenService.DefaultLifetimeDays}.");

        api.MapPost("/me/password", async (PasswordChangeRequest request, ClaimsPrincipal user, AccountService accounts, CancellationToken ct) =>
            {
                await accounts.ChangePasswordAsync(user.UserId()!, request.CurrentPassword, request.NewPassword, user.ToActor(), ct);
                return TypedResults.NoContent();
            })
            .RequireSignedInSession()
            .WithSummary("Change the caller's password (signed-in session only); other sessions end");

        api.MapDelete("/tokens/{id:int}", async (int id, ClaimsPrincipal user, ApiTokenService tokens, CancellationToken ct) =>
            {
                await tokens.RevokeAsync(user.UserId()!, id, user.ToActor(), ct);
                return TypedResults.NoContent();
            })
            .WithSummary("Revoke one of the caller's API tokens");
    }
}
