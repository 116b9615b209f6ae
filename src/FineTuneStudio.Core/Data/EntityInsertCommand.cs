using System.Data.Common;
using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace FineTuneStudio.Core.Data;

/// <summary>
/// One table's "INSERT ... RETURNING id", built once from the EF model and run for every row on the context's open
/// transaction, for writes of many rows that the change tracker would make slow. Table names, column names, value
/// conversions (enums as text, lists as JSON) and parameter types all come from the model, so the rows are exactly
/// what SaveChanges would have written, on SQLite and PostgreSQL.
/// </summary>
internal sealed class EntityInsertCommand : IAsyncDisposable
{
    private readonly DbCommand _command;
    private readonly IReadOnlyList<(PropertyInfo Member, RelationalTypeMapping Mapping, string Name, bool Nullable)> _columns;
    private readonly IProperty _key;

    private EntityInsertCommand(DbCommand command, IReadOnlyList<(PropertyInfo, RelationalTypeMapping, string, bool)> columns, IProperty key)
    {
        _command = command;
        _columns = columns;
        _key = key;
    }

    /// <summary>Needs a transaction already begun on <paramref name="db"/>; every insert joins it.</summary>
    public static EntityInsertCommand For<TEntity>(StudioDbContext db)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Bulk inserts run inside a transaction.");
        return For(db.Model.FindEntityType(typeof(TEntity))!, transaction, db.GetService<ISqlGenerationHelper>());
    }

    private static EntityInsertCommand For(IEntityType entity, DbTransaction transaction, ISqlGenerationHelper sql)
    {
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var key = entity.FindPrimaryKey()!.Properties.Single();
        var columns = new List<(PropertyInfo, RelationalTypeMapping, string, bool)>();
        var names = new List<string>();
        var placeholders = new List<string>();
        foreach (var property in entity.GetProperties())
        {
            if (property == key)
            {
                continue;
            }

            if (property.PropertyInfo is null)
            {
                // A shadow column would be silently left empty: fail loudly so the model change is noticed.
                throw new NotSupportedException($"{entity.DisplayName()}.{property.Name} has no CLR member; a bulk insert cannot fill it.");
            }

            var parameter = $"p{columns.Count}";
            columns.Add((property.PropertyInfo, property.GetRelationalTypeMapping(), sql.GenerateParameterName(parameter), property.IsNullable));
            names.Add(sql.DelimitIdentifier(property.GetColumnName(table)!));
            placeholders.Add(sql.GenerateParameterNamePlaceholder(parameter));
        }

        var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO {sql.DelimitIdentifier(table.Name, table.Schema)} ({string.Join(", ", names)}) VALUES ({string.Join(", ", placeholders)}) " +
                              $"RETURNING {sql.DelimitIdentifier(key.GetColumnName(table)!)}";
        return new EntityInsertCommand(command, columns, key);
    }

    public async Task<int> InsertReturningIdAsync(object entity, CancellationToken cancellationToken)
    {
        _command.Parameters.Clear();
        foreach (var (member, mapping, name, nullable) in _columns)
        {
            // CreateParameter applies the model's value converter and the provider's parameter type.
            _command.Parameters.Add(mapping.CreateParameter(_command, name, member.GetValue(entity), nullable));
        }

        var id = await _command.ExecuteScalarAsync(cancellationToken);
        return Convert.ToInt32(id, System.Globalization.CultureInfo.InvariantCulture);
    }

    public ValueTask DisposeAsync() => _command.DisposeAsync();

    public override string ToString() => $"{_key.DeclaringType.DisplayName()}: {_command.CommandText}";
}
