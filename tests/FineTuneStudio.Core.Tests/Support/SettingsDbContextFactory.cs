using FineTuneStudio.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Tests.Support;

/// <summary>Contexts over a database named by settings (a SQLite file the CLI also opens, or PostgreSQL).</summary>
public sealed class SettingsDbContextFactory(StudioDatabaseSettings settings) : IDbContextFactory<StudioDbContext>
{
    public StudioDbContext CreateDbContext() => StudioDbContextOptions.Create(settings);
}
