using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Projects;

public sealed record ProjectMemberSummary(string UserId, string Email, string DisplayName, string Role, DateTime AddedAt, bool Disabled);

/// <summary>
/// Who works in which project, in which role. Every change renews the user's security stamp, so a
/// signed-in tab or a cached token principal picks up the new powers (or loses the old ones) at once.
/// </summary>
public sealed class MembershipService(UserManager<StudioUser> users, StudioDbContext db, TimeProvider clock)
{
    /// <summary>The roles a project membership can carry; Admin is global and never a membership.</summary>
    public static IReadOnlyList<string> ProjectRoles { get; } = [StudioRoles.Labeler, StudioRoles.MlLead, StudioRoles.ProductOwner];

    public async Task<IReadOnlyList<ProjectMemberSummary>> ListAsync(int projectId, CancellationToken cancellationToken)
    {
        await RequireProjectAsync(projectId, cancellationToken);
        return await db.ProjectMembers.AsNoTracking().Where(m => m.ProjectId == projectId)
            .OrderBy(m => m.User!.Email)
            .Select(m => new ProjectMemberSummary(m.UserId, m.User!.Email ?? "", m.User.DisplayName, m.Role, m.AddedAt, m.User.DisabledAt != null))
            .ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Adds a user to a project, or changes their role there. Without a role the user's own role is
    /// used (the strongest of MlLead, ProductOwner, Labeler they hold).
    /// </summary>
    public async Task<ProjectMemberSummary> AddAsync(int projectId, string email, string? role, Actor actor, CancellationToken cancellationToken)
    {
        await RequireProjectAsync(projectId, cancellationToken);
        var user = await FindUserAsync(email);
        var wanted = role is null ? DefaultRole(await users.GetRolesAsync(user)) : StudioRoles.Normalize(role);
        if (wanted is null || !ProjectRoles.Contains(wanted))
        {
            throw new StudioValidationException("role", role is null
                ? $"{user.Email} holds no project role of their own; name one of {string.Join(", ", ProjectRoles)}"
                : $"'{role}' is not a project role; use one of {string.Join(", ", ProjectRoles)} (Admin is global)");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var member = await db.ProjectMembers.SingleOrDefaultAsync(m => m.ProjectId == projectId && m.UserId == user.Id, cancellationToken);
        if (member is null)
        {
            member = new ProjectMember { ProjectId = projectId, UserId = user.Id, Role = wanted, AddedAt = now };
            db.ProjectMembers.Add(member);
            AuditLog.Record(db, actor, now, "member.add", nameof(Project), projectId, $"{user.Email} as {wanted}");
        }
        else if (member.Role != wanted)
        {
            AuditLog.Record(db, actor, now, "member.role", nameof(Project), projectId, $"{user.Email}: {member.Role} → {wanted}");
            member.Role = wanted;
        }
        else
        {
            return Summary(member, user);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await users.UpdateSecurityStampAsync(user);
        await transaction.CommitAsync(cancellationToken);
        return Summary(member, user);
    }

    public async Task RemoveAsync(int projectId, string email, Actor actor, CancellationToken cancellationToken)
    {
        await RequireProjectAsync(projectId, cancellationToken);
        var user = await FindUserAsync(email);
        var member = await db.ProjectMembers.SingleOrDefaultAsync(m => m.ProjectId == projectId && m.UserId == user.Id, cancellationToken)
            ?? throw new NotFoundException($"{user.Email} is not a member of project {projectId}.");
        db.ProjectMembers.Remove(member);
        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "member.remove", nameof(Project), projectId, user.Email ?? user.Id);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await users.UpdateSecurityStampAsync(user);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The strongest project role among a user's own roles, or null (e.g. an admin-only account).</summary>
    public static string? DefaultRole(IEnumerable<string> roles)
    {
        var held = roles.ToHashSet(StringComparer.Ordinal);
        return new[] { StudioRoles.MlLead, StudioRoles.ProductOwner, StudioRoles.Labeler }.FirstOrDefault(held.Contains);
    }

    private async Task<StudioUser> FindUserAsync(string email) =>
        (string.IsNullOrWhiteSpace(email) ? null : await users.FindByEmailAsync(email.Trim()))
        ?? throw new NotFoundException($"No user has the e-mail address '{email}'.");

    private async Task RequireProjectAsync(int projectId, CancellationToken cancellationToken)
    {
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException("Project", projectId);
        }
    }

    private static ProjectMemberSummary Summary(ProjectMember member, StudioUser user) =>
        new(user.Id, user.Email ?? "", user.DisplayName, member.Role, member.AddedAt, user.DisabledAt is not null);
}

/// <summary>A user's memberships, read on every request by the wall; small (one row per project the user is in).</summary>
public sealed class MembershipReader(IDbContextFactory<StudioDbContext> factory)
{
    public async Task<IReadOnlyDictionary<int, string>> RolesByProjectAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.ProjectMembers.AsNoTracking().Where(m => m.UserId == userId)
            .ToDictionaryAsync(m => m.ProjectId, m => m.Role, cancellationToken);
    }
}
