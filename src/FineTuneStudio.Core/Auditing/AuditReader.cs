using FineTuneStudio.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Auditing;

/// <summary>Reads the audit log for the admin page, which may not hold a DbContext factory itself.</summary>
public sealed class AuditReader(IDbContextFactory<StudioDbContext> factory)
{
    public Task<IReadOnlyList<AuditLog.AuditEntry>> RecentAsync(int take, string? entityType, CancellationToken cancellationToken) =>
        AuditLog.RecentAsync(factory, take, entityType, cancellationToken);
}
