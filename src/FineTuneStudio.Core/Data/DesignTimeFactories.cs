using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace FineTuneStudio.Core.Data;

/// <summary>Used by <c>dotnet ef</c> only; the connection is never opened when adding a migration.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteStudioDbContext>
{
    public SqliteStudioDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteStudioDbContext>().UseSqliteStudio("Data Source=design-time.db").Options);
}

internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresStudioDbContext>
{
    public PostgresStudioDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresStudioDbContext>().UsePostgres("Host=localhost;Database=fts_design").Options);
}
