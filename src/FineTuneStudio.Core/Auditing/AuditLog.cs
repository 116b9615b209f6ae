using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Auditing;

/// <summary>
/// Adds audit events to the same unit of work as the change they describe, so a change and its
/// record are saved together or not at all.
/// </summary>
public static class AuditLog
{
    public static void Record(StudioDbContext db, Actor actor, DateTime at, string action, string entityType, object? entityId, string summary = "") =>
        db.AuditEvents.Add(new AuditEvent
        {
            At = at,
            UserId = actor.UserId,
            UserName = actor.Name,
            Action = action,
            EntityType = entityType,
            EntityId = entityId?.ToString() ?? "",
            Summary = summary.Length > 1000 ? summary[..1000] : summary,
        });

    public sealed record AuditEntry(long Id, DateTime At, string UserName, string Action, string EntityType, string EntityId, string Summary);

    public static async Task<IReadOnlyList<AuditEntry>> RecentAsync(IDbContextFactory<StudioDbContext> factory, int take, string? entityType, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = db.AuditEvents.AsNoTracking();
        if (!string.IsNullOrEmpty(entityType))
        {
            query = query.Where(a => a.EntityType == entityType);
        }

        return await query.OrderByDescending(a => a.Id).Take(Math.Clamp(take, 1, 1000))
            .Select(a => new AuditEntry(a.Id, a.At, a.UserName, a.Action, a.EntityType, a.EntityId, a.Summary))
            .ToListAsync(cancellationToken);
    }
}
