using System.Data.Common;
using System.Reflection;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Inserts new examples and their messages with two prepared INSERT commands on the context's open transaction,
/// instead of the change tracker: an import of 100,000 examples is then bound by the database, not by tracking
/// 400,000 entities. Table names, column names, value conversions (enums as text, tags as JSON) and parameter types
/// all come from the EF model, so the rows are exactly what SaveChanges would have written, on SQLite and PostgreSQL.
/// </summary>
internal sealed class ExampleBulkInserter : IAsyncDisposable
{
    private readonly InsertCommand _examples;
    private readonly InsertCommand _messages;

    private ExampleBulkInserter(InsertCommand examples, InsertCommand messages)
    {
        _examples = examples;
        _messages = messages;
    }

    /// <summary>Needs a transaction already begun on <paramref name="db"/>; every insert joins it.</summary>
    public static ExampleBulkInserter Create(StudioDbContext db)
    {
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Bulk inserts run inside the import's transaction.");
        var sql = db.GetService<ISqlGenerationHelper>();
        return new ExampleBulkInserter(
            InsertCommand.For(db.Model.FindEntityType(typeof(Example))!, transaction, sql),
            InsertCommand.For(db.Model.FindEntityType(typeof(ExampleMessage))!, transaction, sql));
    }

    /// <summary>Writes the example, sets its generated id, then writes its messages under that id.</summary>
    public async Task InsertAsync(Example example, CancellationToken cancellationToken)
    {
        example.Id = await _examples.InsertReturningIdAsync(example, cancellationToken);
        foreach (var message in example.Messages)
        {
            message.ExampleId = example.Id;
            message.Id = await _messages.InsertReturningIdAsync(message, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _examples.DisposeAsync();
        await _messages.DisposeAsync();
    }

    /// <summary>One table's "INSERT ... RETURNING id", built once and run for every row.</summary>
    private sealed class InsertCommand : IAsyncDisposable
    {
        private readonly DbCommand _command;
        private readonly IReadOnlyList<(PropertyInfo Member, RelationalTypeMapping Mapping, string Name, bool Nullable)> _columns;
        private readonly IProperty _key;

        private InsertCommand(DbCommand command, IReadOnlyList<(PropertyInfo, RelationalTypeMapping, string, bool)> columns, IProperty key)
        {
            _command = command;
            _columns = columns;
            _key = key;
        }

        public static InsertCommand For(IEntityType entity, DbTransaction transaction, ISqlGenerationHelper sql)
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
                    throw new NotSupportedException($"{entity.DisplayName()}.{property.Name} has no CLR member; bulk import cannot fill it.");
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
            return new InsertCommand(command, columns, key);
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
}
