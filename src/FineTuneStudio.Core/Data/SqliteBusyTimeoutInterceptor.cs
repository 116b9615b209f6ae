using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FineTuneStudio.Core.Data;

/// <summary>
/// Makes every SQLite connection (web app and CLI alike) wait for a lock held by another process for
/// up to <see cref="Milliseconds"/> instead of failing at once with "database is locked". The
/// journal mode (WAL) is stored in the file when it is migrated, so it holds for every connection.
/// </summary>
internal sealed class SqliteBusyTimeoutInterceptor : DbConnectionInterceptor
{
    public const int Milliseconds = 30_000;

    public static readonly SqliteBusyTimeoutInterceptor Instance = new();

    private const string Pragma = "PRAGMA busy_timeout = 30000;";

    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public override async Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
