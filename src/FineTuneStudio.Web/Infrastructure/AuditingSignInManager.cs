using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Infrastructure;

/// <summary>
/// Identity's sign-in manager that also writes every password sign-in to the audit log: signin.success,
/// signin.failure or signin.lockout, under the account (or, for an unknown account, the e-mail tried) with the
/// client's address. Never the password; the log gets refusals with the user id only.
/// </summary>
public sealed class AuditingSignInManager(
    UserManager<StudioUser> userManager,
    IHttpContextAccessor contextAccessor,
    IUserClaimsPrincipalFactory<StudioUser> claimsFactory,
    IOptions<IdentityOptions> optionsAccessor,
    ILogger<SignInManager<StudioUser>> logger,
    IAuthenticationSchemeProvider schemes,
    IUserConfirmation<StudioUser> confirmation,
    IDbContextFactory<StudioDbContext> dbFactory,
    TimeProvider clock)
    : SignInManager<StudioUser>(userManager, contextAccessor, claimsFactory, optionsAccessor, logger, schemes, confirmation)
{
    private const int MaxNameLength = 256;

    /// <summary>A hash to check unknown accounts' passwords against, so they take as long to refuse as a wrong password.</summary>
    private static string? _decoyHash;

    /// <summary>A disabled account may not sign in, whatever its password; Identity reports it as "not allowed".</summary>
    public override async Task<bool> CanSignInAsync(StudioUser user) => user.DisabledAt is null && await base.CanSignInAsync(user);

    public override async Task<SignInResult> PasswordSignInAsync(string userName, string password, bool isPersistent, bool lockoutOnFailure)
    {
        if (await UserManager.FindByNameAsync(userName) is { } user)
        {
            return await PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure);
        }

        var decoy = new StudioUser();
        _decoyHash ??= UserManager.PasswordHasher.HashPassword(decoy, Guid.NewGuid().ToString());
        UserManager.PasswordHasher.VerifyHashedPassword(decoy, _decoyHash, password);

        var tried = userName.Trim().ToLowerInvariant();
        await RecordAsync(new Actor(null, tried.Length > MaxNameLength ? tried[..MaxNameLength] : tried), "signin.failure", "", "unknown account");
        return SignInResult.Failed;
    }

    public override async Task<SignInResult> PasswordSignInAsync(StudioUser user, string password, bool isPersistent, bool lockoutOnFailure)
    {
        var result = await base.PasswordSignInAsync(user, password, isPersistent, lockoutOnFailure);
        var (action, reason) = result switch
        {
            { Succeeded: true } => ("signin.success", ""),
            { IsLockedOut: true } => ("signin.lockout", "account locked"),
            { IsNotAllowed: true } => ("signin.failure", "account disabled"),
            { RequiresTwoFactor: true } => ("signin.failure", "second factor required"),
            _ => ("signin.failure", "wrong password"),
        };
        if (!result.Succeeded)
        {
            Logger.LogWarning("Sign-in refused for user {UserId}: {Action}", user.Id, action);
        }

        await RecordAsync(new Actor(user.Id, user.UserName ?? user.Email ?? user.Id), action, user.Id, reason);
        return result;
    }

    private async Task RecordAsync(Actor actor, string action, string userId, string reason)
    {
        var address = Context.Connection.RemoteIpAddress?.ToString() ?? "unknown address";
        var summary = reason.Length == 0 ? $"from {address}" : $"{reason}, from {address}";
        await using var db = await dbFactory.CreateDbContextAsync(Context.RequestAborted);
        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, action, nameof(StudioUser), userId, summary);
        await db.SaveChangesAsync(Context.RequestAborted);
    }
}
