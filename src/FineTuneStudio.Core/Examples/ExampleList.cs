using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Examples.ExampleReads;

namespace FineTuneStudio.Core.Examples;

/// <summary>
/// The example list: filters, search, paging and sorting, and next/previous navigation. Filtering by quality
/// findings asks <see cref="IExampleFindings"/> for ids, so Examples never reads Quality's runs.
/// </summary>
public sealed class ExampleList(IDbContextFactory<StudioDbContext> factory, IExampleFindings findings)
{
    public const int MaxPageSize = 200;
    public const int MaxIds = 1000;

    public async Task<ExamplePage> ListAsync(ExampleQuery query, CancellationToken cancellationToken)
    {
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var page = Math.Max(0, query.Page);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await RequireDatasetAsync(db, query.DatasetId, cancellationToken);

        int[]? withFindings = null;
        if (query.HasFindings || query.Finding is not null)
        {
            // Ids only, from the latest stored run: no example content is loaded. Never analysed: nothing to show.
            withFindings = await findings.ExampleIdsWithFindingsAsync(query.DatasetId, query.Finding, cancellationToken) ?? [];
            if (withFindings.Length == 0)
            {
                return new ExamplePage([], 0, page, pageSize);
            }
        }

        var filtered = Filter(db, query, withFindings);
        var total = await filtered.CountAsync(cancellationToken);
        var sorted = (query.Sort, query.Descending) switch
        {
            (ExampleSort.Updated, false) => filtered.OrderBy(e => e.UpdatedAt).ThenBy(e => e.Id),
            (ExampleSort.Updated, true) => filtered.OrderByDescending(e => e.UpdatedAt).ThenByDescending(e => e.Id),
            (ExampleSort.Status, false) => filtered.OrderBy(e => e.Status).ThenBy(e => e.Id),
            (ExampleSort.Status, true) => filtered.OrderByDescending(e => e.Status).ThenByDescending(e => e.Id),
            (_, true) => filtered.OrderByDescending(e => e.Id),
            _ => filtered.OrderBy(e => e.Id),
        };
        var rows = await sorted.Skip(page * pageSize).Take(pageSize)
            .Select(e => new ExampleRow(
                e.Id,
                e.Status,
                e.Label,
                e.Tags,
                e.Split,
                e.Messages.Where(m => m.Role == MessageRole.User).OrderBy(m => m.Position)
                    .Select(m => m.Content!.Substring(0, 160)).FirstOrDefault() ?? "",
                e.Annotations.Count,
                e.Annotations.Count(a => a.Submitted),
                e.UpdatedAt,
                e.Version))
            .ToListAsync(cancellationToken);
        return new ExamplePage(rows, total, page, pageSize);
    }

    private static IQueryable<Example> Filter(StudioDbContext db, ExampleQuery query, int[]? withFindings)
    {
        var examples = db.Examples.AsNoTracking().Where(e => e.DatasetId == query.DatasetId);
        if (withFindings is not null)
        {
            // One collection parameter (json_each on SQLite, an array on PostgreSQL), however many ids.
            examples = examples.Where(e => withFindings.Contains(e.Id));
        }

        if (query.Ids is { Count: > 0 } ids)
        {
            // The quality page links to the examples behind a finding by id (at most a few hundred).
            var wanted = ids.Distinct().Take(MaxIds).ToList();
            examples = examples.Where(e => wanted.Contains(e.Id));
        }

        if (query.Status is { } status)
        {
            examples = examples.Where(e => e.Status == status);
        }

        if (!string.IsNullOrWhiteSpace(query.Label))
        {
            var label = query.Label.Trim();
            examples = examples.Where(e => e.Label == label);
        }

        if (!string.IsNullOrWhiteSpace(query.Tag))
        {
            var tag = query.Tag.Trim();
            examples = examples.Where(e => e.Tags.Contains(tag));
        }

        if (!string.IsNullOrWhiteSpace(query.LabelerId))
        {
            var labelerId = query.LabelerId;
            examples = examples.Where(e => e.Annotations.Any(a => a.LabelerId == labelerId));
        }

        if (query.Split is { } split)
        {
            examples = examples.Where(e => e.Split == split);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            examples = ExampleSearchFilter.Apply(db, examples, query.Search);
        }

        if (query.NeedsAdjudication)
        {
            examples = NeedingAdjudication(examples);
        }

        return examples;
    }

    /// <summary>The id of the next (or previous) example of the same dataset by id, for next/previous navigation.</summary>
    public async Task<int?> NeighbourAsync(int exampleId, bool forward, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var datasetId = await db.Examples.Where(e => e.Id == exampleId).Select(e => (int?)e.DatasetId).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("Example", exampleId);
        var sameDataset = db.Examples.AsNoTracking().Where(e => e.DatasetId == datasetId);
        return forward
            ? await sameDataset.Where(e => e.Id > exampleId).OrderBy(e => e.Id).Select(e => (int?)e.Id).FirstOrDefaultAsync(cancellationToken)
            : await sameDataset.Where(e => e.Id < exampleId).OrderByDescending(e => e.Id).Select(e => (int?)e.Id).FirstOrDefaultAsync(cancellationToken);
    }
}
