using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Versions;

/// <summary>The examples a cut reads, and which of them are held out because an evaluation set holds them (by source or by conversation).</summary>
internal sealed record CutSelection(int DatasetId, CutStatusFilter Status, IReadOnlyList<string> Tags, HashSet<int> HeldOut)
{
    private const int Batch = 2000;

    public bool IsExcluded(int id) => HeldOut.Contains(id);

    /// <summary>Id, label and pin of every selected example in id order, read as a stream.</summary>
    public async IAsyncEnumerable<SplitRow> ReadRowsAsync(IDbContextFactory<StudioDbContext> factory, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await foreach (var row in Filter(db.Examples.AsNoTracking().Where(e => e.DatasetId == DatasetId), Status, Tags)
                           .OrderBy(e => e.Id).Select(e => new { e.Id, e.Label, e.Split })
                           .AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return new SplitRow(row.Id, row.Label, row.Split);
        }
    }

    /// <summary>
    /// The examples of a dataset that an eval set of its project holds: those an item was made from, and those whose
    /// conversation an item brought in a file asks (<see cref="HeldOutKey"/>). The second reads the dataset's turns in
    /// batches, so memory stays flat however large the dataset; it runs only when such items exist.
    /// </summary>
    public static async Task<HashSet<int>> HeldOutAsync(IDbContextFactory<StudioDbContext> factory, int datasetId, int projectId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        var items = await db.EvalItems.Where(i => db.EvalSets.Any(s => s.Id == i.EvalSetId && s.ProjectId == projectId))
            .Select(i => new { i.SourceExampleId, InputJson = i.SourceExampleId == null ? i.InputJson : "" }).ToListAsync(cancellationToken);
        var found = items.Where(i => i.SourceExampleId is not null).Select(i => i.SourceExampleId!.Value).ToHashSet();
        var itemKeys = items.Where(i => i.SourceExampleId is null).Select(i => HeldOutKey.OfItem(i.InputJson)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        return itemKeys.Count == 0 ? found : await AskedByAsync(db, datasetId, itemKeys, found, cancellationToken);
    }

    private static async Task<HashSet<int>> AskedByAsync(StudioDbContext db, int datasetId, HashSet<string> itemKeys, HashSet<int> found, CancellationToken cancellationToken)
    {
        var after = int.MinValue;
        while (true)
        {
            var from = after;
            var ids = await db.Examples.Where(e => e.DatasetId == datasetId && e.Id > from).OrderBy(e => e.Id).Take(Batch).Select(e => e.Id).ToListAsync(cancellationToken);
            if (ids.Count == 0)
            {
                return found;
            }

            after = ids[^1];
            foreach (var example in await TurnsAsync(db, ids, cancellationToken))
            {
                if (HeldOutKey.OfExample(example.ToList()) is { } key && itemKeys.Contains(key))
                {
                    found.Add(example.Key);
                }
            }
        }
    }

    /// <summary>The turns of the given examples (ascending ids, one batch), in order, by example id.</summary>
    public static async Task<ILookup<int, MessageContent>> TurnsAsync(StudioDbContext db, IReadOnlyList<int> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0)
        {
            return Array.Empty<(int ExampleId, MessageContent Content)>().ToLookup(m => m.ExampleId, m => m.Content);
        }

        // The id range lets the index on ExampleId do the work; the list keeps out examples of other datasets inside it.
        var (first, last) = (ids[0], ids[^1]);
        return (await db.ExampleMessages.Where(m => m.ExampleId >= first && m.ExampleId <= last && ids.Contains(m.ExampleId))
                .OrderBy(m => m.ExampleId).ThenBy(m => m.Position)
                .Select(m => new { m.ExampleId, Content = new MessageContent(m.Role, m.Content, m.Name, m.ToolCallsJson, m.ToolCallId, m.Weight) })
                .ToListAsync(cancellationToken))
            .ToLookup(m => m.ExampleId, m => m.Content);
    }

    public static IQueryable<Example> Filter(IQueryable<Example> query, CutStatusFilter status, IReadOnlyList<string> tags)
    {
        query = status == CutStatusFilter.Approved
            ? query.Where(e => e.Status == ExampleStatus.Approved)
            : query.Where(e => e.Status != ExampleStatus.Rejected);
        if (tags.Count > 0)
        {
            query = query.Where(e => e.Tags.Any(t => tags.Contains(t)));
        }

        return query;
    }

    public static ConflictException ChangedWhileCutting() =>
        new("Examples of this dataset changed while the version was being cut; cut again.");
}

internal readonly record struct SplitRow(int Id, string? Label, SplitPin Pin);
