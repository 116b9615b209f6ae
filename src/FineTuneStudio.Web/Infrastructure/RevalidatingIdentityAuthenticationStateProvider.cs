using System.Security.Claims;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Infrastructure;

/// <summary>
/// Re-checks the account of a connected circuit every minute, so a user who was disabled, or whose
/// roles, memberships or password changed, is signed out of open tabs too.
/// </summary>
internal sealed class RevalidatingIdentityAuthenticationStateProvider(
    ILoggerFactory loggerFactory,
    IServiceScopeFactory scopeFactory,
    IOptions<IdentityOptions> options,
    IOptions<StudioAccountOptions> accounts)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    // The base class refuses a zero interval; tests use a second.
    protected override TimeSpan RevalidationInterval => accounts.Value.SessionCheckInterval < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : accounts.Value.SessionCheckInterval;

    protected override async Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        await using var scope = scopeFactory.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<StudioUser>>();
        var principal = authenticationState.User;
        if (await users.GetUserAsync(principal) is not { } user || user.DisabledAt is not null)
        {
            return false;
        }

        if (!users.SupportsUserSecurityStamp)
        {
            return true;
        }

        var principalStamp = principal.FindFirstValue(options.Value.ClaimsIdentity.SecurityStampClaimType);
        return principalStamp == await users.GetSecurityStampAsync(user);
    }
}
