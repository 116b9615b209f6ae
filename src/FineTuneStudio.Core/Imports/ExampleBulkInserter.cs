using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Inserts new examples and their messages with two prepared INSERT commands (<see cref="EntityInsertCommand"/>) on
/// the context's open transaction, instead of the change tracker: an import of 100,000 examples is then bound by the
/// database, not by tracking 400,000 entities.
/// </summary>
internal sealed class ExampleBulkInserter : IAsyncDisposable
{
    private readonly EntityInsertCommand _examples;
    private readonly EntityInsertCommand _messages;

    private ExampleBulkInserter(EntityInsertCommand examples, EntityInsertCommand messages)
    {
        _examples = examples;
        _messages = messages;
    }

    /// <summary>Needs a transaction already begun on <paramref name="db"/>; every insert joins it.</summary>
    public static ExampleBulkInserter Create(StudioDbContext db) =>
        new(EntityInsertCommand.For<Example>(db), EntityInsertCommand.For<ExampleMessage>(db));

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
}
