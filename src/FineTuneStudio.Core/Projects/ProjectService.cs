using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Projects;

public sealed record ProjectSummary(int Id, string Name, string Description, int DatasetCount, DateTime CreatedAt);

public sealed record ProjectInput(string Name, string? Description);

public sealed class ProjectService(IDbContextFactory<StudioDbContext> factory, TimeProvider clock)
{
    /// <summary>Every project: for admins and the CLI, which works on the database directly.</summary>
    public Task<IReadOnlyList<ProjectSummary>> ListAsync(CancellationToken cancellationToken) => ListAsync(null, cancellationToken);

    /// <summary>The projects a user is a member of, or every project when <paramref name="memberUserId"/> is null.</summary>
    public async Task<IReadOnlyList<ProjectSummary>> ListAsync(string? memberUserId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var projects = db.Projects.AsNoTracking();
        if (memberUserId is not null)
        {
            projects = projects.Where(p => db.ProjectMembers.Any(m => m.ProjectId == p.Id && m.UserId == memberUserId));
        }

        return await projects.OrderBy(p => p.Name)
            .Select(p => new ProjectSummary(p.Id, p.Name, p.Description, p.Datasets.Count, p.CreatedAt))
            .ToListAsync(cancellationToken);
    }

    public async Task<ProjectSummary> GetAsync(int id, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.Projects.AsNoTracking().Where(p => p.Id == id)
            .Select(p => new ProjectSummary(p.Id, p.Name, p.Description, p.Datasets.Count, p.CreatedAt))
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("Project", id);
    }

    /// <summary>Finds a project by id or by exact name (the CLI accepts either).</summary>
    public async Task<ProjectSummary?> FindAsync(string idOrName, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = db.Projects.AsNoTracking();
        query = int.TryParse(idOrName, out var id) ? query.Where(p => p.Id == id || p.Name == idOrName) : query.Where(p => p.Name == idOrName);
        return await query.Select(p => new ProjectSummary(p.Id, p.Name, p.Description, p.Datasets.Count, p.CreatedAt))
            .FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<ProjectSummary> CreateAsync(ProjectInput input, Actor actor, CancellationToken cancellationToken)
    {
        var name = Validate(input);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (await db.Projects.AnyAsync(p => p.Name == name, cancellationToken))
        {
            throw new StudioValidationException("name", $"a project named '{name}' already exists");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var project = new Project { Name = name, Description = input.Description?.Trim() ?? "", CreatedAt = now, UpdatedAt = now };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Projects.Add(project);
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, actor, now, "project.create", nameof(Project), project.Id, name);
        // Whoever makes a project works in it as its ML lead; admins see every project without joining.
        if (actor.UserId is { } founder && await db.Users.AnyAsync(u => u.Id == founder, cancellationToken) && !await IsAdminAsync(db, founder, cancellationToken))
        {
            db.ProjectMembers.Add(new ProjectMember { ProjectId = project.Id, UserId = founder, Role = StudioRoles.MlLead, AddedAt = now });
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new ProjectSummary(project.Id, project.Name, project.Description, 0, project.CreatedAt);
    }

    public async Task<ProjectSummary> UpdateAsync(int id, ProjectInput input, Actor actor, CancellationToken cancellationToken)
    {
        var name = Validate(input);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.SingleOrDefaultAsync(p => p.Id == id, cancellationToken) ?? throw new NotFoundException("Project", id);
        if (await db.Projects.AnyAsync(p => p.Name == name && p.Id != id, cancellationToken))
        {
            throw new StudioValidationException("name", $"a project named '{name}' already exists");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        project.Name = name;
        project.Description = input.Description?.Trim() ?? "";
        project.UpdatedAt = now;
        AuditLog.Record(db, actor, now, "project.update", nameof(Project), id, name);
        await db.SaveChangesAsync(cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    public async Task DeleteAsync(int id, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.SingleOrDefaultAsync(p => p.Id == id, cancellationToken) ?? throw new NotFoundException("Project", id);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // A comparison restricts the delete of its candidate run, and the cascade may reach that run first: comparisons go before.
        var runIds = db.EvalRuns.Where(r => r.EvalSet!.ProjectId == id).Select(r => r.Id);
        await db.Comparisons.Where(c => runIds.Contains(c.RunAId) || runIds.Contains(c.RunBId)).ExecuteDeleteAsync(cancellationToken);
        db.Projects.Remove(project);
        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "project.delete", nameof(Project), id, project.Name);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static Task<bool> IsAdminAsync(StudioDbContext db, string userId, CancellationToken cancellationToken) =>
        (from ur in db.UserRoles
         join r in db.Roles on ur.RoleId equals r.Id
         where ur.UserId == userId && r.Name == StudioRoles.Admin
         select ur).AnyAsync(cancellationToken);

    private static string Validate(ProjectInput input)
    {
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > 200)
        {
            throw new StudioValidationException("name", "a project needs a name of 1 to 200 characters");
        }

        if (input.Description is { Length: > 4000 })
        {
            throw new StudioValidationException("description", "keep the description under 4,000 characters");
        }

        return name;
    }
}
