using System.Data.Common;
using FineTuneStudio.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// On SQLite, fills the example search index (the FTS5 table <c>ExampleSearch</c>) once after an import's rows
/// instead of row by row through the <c>Examples_SearchInsert</c> trigger: the trigger is dropped inside the
/// import's transaction, the new rows are indexed with one INSERT ... SELECT, and the trigger is created again from
/// its own stored definition before the commit. The schema change is part of the transaction, so a failed,
/// cancelled or killed import rolls back to the trigger in place and no index rows; other connections never see the
/// trigger missing. On PostgreSQL (a GIN trigram index the database keeps itself) it does nothing.
/// </summary>
internal sealed class DeferredSearchIndex
{
    private const string TriggerName = "Examples_SearchInsert";

    private readonly DbTransaction? _transaction;
    private readonly string? _triggerSql;
    private readonly long _maxIdBefore;

    private DeferredSearchIndex(DbTransaction? transaction, string? triggerSql, long maxIdBefore)
    {
        _transaction = transaction;
        _triggerSql = triggerSql;
        _maxIdBefore = maxIdBefore;
    }

    /// <summary>Needs the import's transaction already begun on <paramref name="db"/>.</summary>
    public static async Task<DeferredSearchIndex> BeginAsync(StudioDbContext db, CancellationToken cancellationToken)
    {
        if (!db.Database.IsSqlite())
        {
            return new DeferredSearchIndex(null, null, 0);
        }

        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("The search index is filled inside the import's transaction.");
        var triggerSql = await ScalarAsync(transaction, $"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = '{TriggerName}'", cancellationToken) as string;
        if (triggerSql is null)
        {
            // No trigger, nothing to defer (a database migrated without the search index).
            return new DeferredSearchIndex(null, null, 0);
        }

        // The drop takes SQLite's single write lock first; from then on rowids only grow under this transaction, so
        // every row above the current highest id is one of the import's.
        await ExecuteAsync(transaction, $"DROP TRIGGER \"{TriggerName}\"", cancellationToken);
        var maxIdBefore = Convert.ToInt64(await ScalarAsync(transaction, "SELECT coalesce(max(\"Id\"), 0) FROM \"Examples\"", cancellationToken),
            System.Globalization.CultureInfo.InvariantCulture);
        return new DeferredSearchIndex(transaction, triggerSql, maxIdBefore);
    }

    /// <summary>Indexes the rows written since <see cref="BeginAsync"/> and puts the trigger back; call before the commit.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_transaction is null)
        {
            return;
        }

        await ExecuteAsync(_transaction,
            $"INSERT INTO \"ExampleSearch\"(rowid, \"SearchText\") SELECT \"Id\", \"SearchText\" FROM \"Examples\" WHERE \"Id\" > {_maxIdBefore}",
            cancellationToken);
        await ExecuteAsync(_transaction, _triggerSql!, cancellationToken);
    }

    private static async Task<object?> ScalarAsync(DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(transaction, sql);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task ExecuteAsync(DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = Command(transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static DbCommand Command(DbTransaction transaction, string sql)
    {
        var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
