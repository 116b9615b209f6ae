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

        if (ExampleSearchFilter.CanPageFromIndex(db, query, withFindings))
        {
            return await SearchFromIndexAsync(db, query, page, pageSize, cancellationToken);
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
        var rows = await Rows(sorted.Skip(page * pageSize).Take(pageSize), cancellationToken);
        return new ExamplePage(rows, total, page, pageSize);
    }

    /// <summary>
    /// A search with nothing else filtered, in id order, on SQLite: the trigram index hands out matching ids in id
    /// order, so the first <see cref="SearchCountCap"/> + 1 of them give the page and the count without reading every
    /// match. A term found in a tenth of a million examples then costs a few milliseconds instead of a count over
    /// 100,000 matches (about 150 ms).
    /// </summary>
    private async Task<ExamplePage> SearchFromIndexAsync(StudioDbContext db, ExampleQuery query, int page, int pageSize, CancellationToken cancellationToken)
    {
        var ids = await ExampleSearchFilter.MatchingIdsAsync(db, query.DatasetId, query.Search!, query.Descending, SearchCountCap + 1, cancellationToken);
        var capped = ids.Count > SearchCountCap;
        var total = Math.Min(ids.Count, SearchCountCap);
        var pageIds = ids.Take(total).Skip(page * pageSize).Take(pageSize).ToArray();
        if (pageIds.Length == 0)
        {
            return new ExamplePage([], total, page, pageSize, capped);
        }

        var examples = db.Examples.AsNoTracking().Where(e => pageIds.Contains(e.Id));
        var rows = await Rows(query.Descending ? examples.OrderByDescending(e => e.Id) : examples.OrderBy(e => e.Id), cancellationToken);
        return new ExamplePage(rows, total, page, pageSize, capped);
    }

    /// <summary>How many matches a broad search counts before it says "more than" (<see cref="ExampleListOptions.SearchCountCap"/>).</summary>
    public int SearchCountCap { get; init; } = new ExampleListOptions().SearchCountCap;

    private static Task<List<ExampleRow>> Rows(IQueryable<Example> page, CancellationToken cancellationToken) =>
        page.Select(e => new ExampleRow(
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
