using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Accounts;

public sealed record UserSummary(string Id, string Email, string DisplayName, string Expertise, IReadOnlyList<string> Roles, bool LockedOut, bool Disabled = false);

/// <summary>Users and their roles. Identity does the hashing and lockout; this adds validation and audit.</summary>
public sealed class AccountService(UserManager<StudioUser> users, StudioDbContext db, TimeProvider clock)
{
    public async Task<UserSummary> CreateUserAsync(string email, string? displayName, IReadOnlyCollection<string> roles, string password, Actor actor, CancellationToken cancellationToken)
    {
        var errors = new List<InputError>();
        if (string.IsNullOrWhiteSpace(email) || !email.Contains('@', StringComparison.Ordinal))
        {
            errors.Add(new InputError("email", "must be an e-mail address"));
        }

        var normalizedRoles = new List<string>();
        // A JSON body may leave fields out; they bind to null and are named as missing below.
        roles ??= [];
        foreach (var role in roles)
        {
            if (StudioRoles.Normalize(role) is { } known)
            {
                normalizedRoles.Add(known);
            }
            else
            {
                errors.Add(new InputError("role", $"'{role}' is not a role; use one of {string.Join(", ", StudioRoles.All)}"));
            }
        }

        if (normalizedRoles.Count == 0 && errors.Count == 0)
        {
            errors.Add(new InputError("role", "at least one role is required"));
        }

        if (string.IsNullOrEmpty(password))
        {
            errors.Add(new InputError("password", "give an initial password"));
        }

        if (errors.Count == 0 && await users.FindByEmailAsync(email) is not null)
        {
            errors.Add(new InputError("email", $"a user with e-mail {email} already exists"));
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        var user = new StudioUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = string.IsNullOrWhiteSpace(displayName) ? email.Split('@')[0] : displayName.Trim(),
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var created = await users.CreateAsync(user, password);
        if (!created.Succeeded)
        {
            throw new StudioValidationException(created.Errors.Select(e => new InputError(e.Code.Contains("Password", StringComparison.Ordinal) ? "password" : "user", e.Description)).ToList());
        }

        var added = await users.AddToRolesAsync(user, normalizedRoles.Distinct());
        if (!added.Succeeded)
        {
            throw new StudioValidationException(added.Errors.Select(e => new InputError("role", e.Description)).ToList());
        }

        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "user.create", nameof(StudioUser), user.Id, $"roles {string.Join(",", normalizedRoles)}");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new UserSummary(user.Id, email, user.DisplayName, user.Expertise, normalizedRoles, false);
    }

    public Task<IReadOnlyList<UserSummary>> ListAsync(CancellationToken cancellationToken) => QueryAsync(null, cancellationToken);

    private async Task<IReadOnlyList<UserSummary>> QueryAsync(string? userId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var rows = await db.Users.AsNoTracking().Where(u => userId == null || u.Id == userId).OrderBy(u => u.Email)
            .Select(u => new { u.Id, u.Email, u.DisplayName, u.Expertise, u.LockoutEnd, u.DisabledAt })
            .ToListAsync(cancellationToken);
        var roleRows = await (from ur in db.UserRoles
                              join r in db.Roles on ur.RoleId equals r.Id
                              where userId == null || ur.UserId == userId
                              select new { ur.UserId, r.Name }).AsNoTracking().ToListAsync(cancellationToken);
        var rolesByUser = roleRows.ToLookup(r => r.UserId, r => r.Name!);
        return rows.Select(u => new UserSummary(u.Id, u.Email ?? "", u.DisplayName, u.Expertise,
            rolesByUser[u.Id].Order().ToList(), u.LockoutEnd is { } end && end > now, u.DisabledAt is not null)).ToList();
    }

    public async Task SetRolesAsync(string userId, IReadOnlyCollection<string> roles, Actor actor, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("User", userId);
        var wanted = roles.Select(r => StudioRoles.Normalize(r) ?? throw new StudioValidationException("role", $"'{r}' is not a role")).Distinct().ToList();
        if (wanted.Count == 0)
        {
            throw new StudioValidationException("role", "at least one role is required");
        }

        if (user.Id == actor.UserId && !wanted.Contains(StudioRoles.Admin))
        {
            throw new StudioValidationException("role", "you cannot remove your own Admin role");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var current = await users.GetRolesAsync(user);
        await users.RemoveFromRolesAsync(user, current.Except(wanted));
        await users.AddToRolesAsync(user, wanted.Except(current));
        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "user.roles", nameof(StudioUser), user.Id, $"roles {string.Join(",", wanted)}");
        await db.SaveChangesAsync(cancellationToken);
        // A role change must reach open tabs and cached token principals, not wait for the next sign-in.
        await users.UpdateSecurityStampAsync(user);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The CLI names users by e-mail.</summary>
    public async Task<UserSummary> FindByEmailAsync(string email, CancellationToken cancellationToken)
    {
        var user = (string.IsNullOrWhiteSpace(email) ? null : await users.FindByEmailAsync(email.Trim()))
            ?? throw new NotFoundException($"No user has the e-mail address '{email}'.");
        return await SummaryAsync(user.Id, cancellationToken);
    }

    /// <summary>
    /// Cuts an account off at once: sign-in refused, every token revoked, and the security stamp renewed
    /// so the sign-in cookie and open tabs stop at their next check (within a minute).
    /// </summary>
    public async Task<UserSummary> DisableAsync(string userId, Actor actor, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("User", userId);
        if (user.Id == actor.UserId)
        {
            throw new StudioValidationException("user", "you cannot disable your own account");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (user.DisabledAt is null)
        {
            user.DisabledAt = now;
            var revoked = await db.ApiTokens.Where(t => t.UserId == user.Id && t.RevokedAt == null)
                .ExecuteUpdateAsync(t => t.SetProperty(x => x.RevokedAt, now), cancellationToken);
            AuditLog.Record(db, actor, now, "user.disable", nameof(StudioUser), user.Id, $"{user.Email}; {revoked} token(s) revoked");
            await db.SaveChangesAsync(cancellationToken);
            await users.UpdateSecurityStampAsync(user);
        }

        await transaction.CommitAsync(cancellationToken);
        return await SummaryAsync(user.Id, cancellationToken);
    }

    /// <summary>Lets a disabled user sign in again. Their old tokens stay revoked; they create new ones.</summary>
    public async Task<UserSummary> EnableAsync(string userId, Actor actor, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("User", userId);
        if (user.DisabledAt is not null)
        {
            user.DisabledAt = null;
            await users.SetLockoutEndDateAsync(user, null);
            await users.ResetAccessFailedCountAsync(user);
            AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "user.enable", nameof(StudioUser), user.Id, user.Email ?? "");
            await db.SaveChangesAsync(cancellationToken);
        }

        return await SummaryAsync(user.Id, cancellationToken);
    }

    /// <summary>A user changes their own password; the current one proves it is them.</summary>
    public async Task ChangePasswordAsync(string userId, string currentPassword, string newPassword, Actor actor, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("User", userId);
        var changed = await users.ChangePasswordAsync(user, currentPassword ?? "", newPassword ?? "");
        if (!changed.Succeeded)
        {
            throw new StudioValidationException(changed.Errors.Select(e => new InputError(
                e.Code == "PasswordMismatch" ? "currentPassword" : "newPassword",
                e.Code == "PasswordMismatch" ? "the current password is not right" : e.Description)).ToList());
        }

        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "user.password", nameof(StudioUser), user.Id, "changed by the user");
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>
    /// An admin resets a forgotten password: a new random one, returned once for the admin to hand over.
    /// The security stamp is renewed, so sessions made with the old password end.
    /// </summary>
    public async Task<string> ResetPasswordAsync(string userId, Actor actor, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(userId) ?? throw new NotFoundException("User", userId);
        var password = TemporaryPassword();
        // Our own generated password meets the policy; set it and renew the stamp in one save (no reset-token provider needed).
        user.PasswordHash = users.PasswordHasher.HashPassword(user, password);
        var reset = await users.UpdateSecurityStampAsync(user);
        if (!reset.Succeeded)
        {
            throw new StudioValidationException(reset.Errors.Select(e => new InputError("password", e.Description)).ToList());
        }

        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "user.password-reset", nameof(StudioUser), user.Id, user.Email ?? "");
        await db.SaveChangesAsync(cancellationToken);
        return password;
    }

    private async Task<UserSummary> SummaryAsync(string userId, CancellationToken cancellationToken) =>
        (await QueryAsync(userId, cancellationToken)).Single();

    // 16 characters from an alphabet without look-alikes, plus a digit and a lower-case letter the policy asks for.
    private static string TemporaryPassword()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
        var chars = System.Security.Cryptography.RandomNumberGenerator.GetItems<char>(alphabet, 14);
        return new string(chars) + "k7";
    }

    /// <summary>Makes sure the four roles exist; safe to call at every start.</summary>
    public static async Task EnsureRolesAsync(StudioDbContext db, CancellationToken cancellationToken)
    {
        var existing = await db.Roles.Select(r => r.Name).ToListAsync(cancellationToken);
        foreach (var role in StudioRoles.All.Except(existing.OfType<string>()))
        {
            db.Roles.Add(new IdentityRole(role) { NormalizedName = role.ToUpperInvariant(), ConcurrencyStamp = Guid.NewGuid().ToString() });
        }

        await db.SaveChangesAsync(cancellationToken);
    }
}
