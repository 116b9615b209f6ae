using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Versions;

/// <summary>The examples a cut reads, and which of them are held out because an evaluation set holds them or their content.</summary>
internal sealed record CutSelection(int DatasetId, CutStatusFilter Status, IReadOnlyList<string> Tags, HashSet<string> EvalHashes, HashSet<int> EvalSources)
{
    public bool IsExcluded(int id, string hash) => EvalSources.Contains(id) || (EvalHashes.Count > 0 && EvalHashes.Contains(hash));

    /// <summary>Id, label and pin of every selected example in id order, read as a stream; the content hash only when eval sets hold hashes.</summary>
    public async IAsyncEnumerable<SplitRow> ReadRowsAsync(IDbContextFactory<StudioDbContext> factory, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var withHash = EvalHashes.Count > 0;
        await foreach (var row in Filter(db.Examples.AsNoTracking().Where(e => e.DatasetId == DatasetId), Status, Tags)
                           .OrderBy(e => e.Id).Select(e => new { e.Id, e.Label, e.Split, Hash = withHash ? e.ContentHash : "" })
                           .AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return new SplitRow(row.Id, row.Label, row.Split, row.Hash);
        }
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

internal readonly record struct SplitRow(int Id, string? Label, SplitPin Pin, string Hash);
