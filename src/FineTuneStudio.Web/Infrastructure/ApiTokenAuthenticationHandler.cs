using System.Text.Encodings.Web;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Infrastructure;

/// <summary>Accepts <c>Authorization: Bearer fts_...</c> personal tokens on the API.</summary>
public sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiTokenService tokens,
    UserManager<StudioUser> users,
    IUserClaimsPrincipalFactory<StudioUser> principals,
    IMemoryCache cache)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiToken";

    /// <summary>Marks a principal that came from a token, so routes that need a person at a browser can refuse it.</summary>
    public const string ViaTokenClaim = "fts:via-token";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var userId = await tokens.ValidateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (userId is null || await users.FindByIdAsync(userId) is not { } user || user.DisabledAt is not null || await users.IsLockedOutAsync(user))
        {
            return AuthenticateResult.Fail("The API token is unknown, revoked or expired.");
        }

        // Building the principal reads the user's claims, roles and role claims: several queries on every
        // API call. It is kept per user version instead; Identity renews the concurrency stamp on every
        // change of the user (roles included) and the security stamp on credential changes, so a change
        // applies to the next call. The token itself and the lockout are still checked on every call.
        var key = $"fts.api-principal:{user.Id}:{user.ConcurrencyStamp}:{user.SecurityStamp}";
        var principal = await cache.GetOrCreateAsync(key, entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5);
            return principals.CreateAsync(user);
        });
        var ticketPrincipal = principal!.Clone();
        ((System.Security.Claims.ClaimsIdentity)ticketPrincipal.Identity!).AddClaim(new System.Security.Claims.Claim(ViaTokenClaim, "true"));
        return AuthenticateResult.Success(new AuthenticationTicket(ticketPrincipal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        return Task.CompletedTask;
    }
}
