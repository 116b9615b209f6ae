using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Accounts;

public sealed record UserSummary(string Id, string Email, string DisplayName, string Expertise, IReadOnlyList<string> Roles, bool LockedOut);

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

    public async Task<IReadOnlyList<UserSummary>> ListAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var rows = await db.Users.AsNoTracking().OrderBy(u => u.Email)
            .Select(u => new { u.Id, u.Email, u.DisplayName, u.Expertise, u.LockoutEnd })
            .ToListAsync(cancellationToken);
        var roleRows = await (from ur in db.UserRoles
                              join r in db.Roles on ur.RoleId equals r.Id
                              select new { ur.UserId, r.Name }).AsNoTracking().ToListAsync(cancellationToken);
        var rolesByUser = roleRows.ToLookup(r => r.UserId, r => r.Name!);
        return rows.Select(u => new UserSummary(u.Id, u.Email ?? "", u.DisplayName, u.Expertise,
            rolesByUser[u.Id].Order().ToList(), u.LockoutEnd is { } end && end > now)).ToList();
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
        await transaction.CommitAsync(cancellationToken);
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
