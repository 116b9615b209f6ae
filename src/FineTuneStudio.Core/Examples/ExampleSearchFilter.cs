using System.Text;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Examples;

/// <summary>
/// The example list's search: a case-insensitive "contains" over every turn's text (<see cref="Example.SearchText"/>),
/// served by a trigram index on both providers. SQLite: the FTS5 table <c>ExampleSearch</c> (trigram tokenizer,
/// kept in step by triggers on Examples). PostgreSQL: a pg_trgm GIN index that ILIKE uses.
/// </summary>
public static class ExampleSearchFilter
{
    /// <summary>A trigram index can only answer terms of at least this many characters (Unicode code points).</summary>
    public const int IndexedTermLength = 3;

    public static IQueryable<Example> Apply(StudioDbContext db, IQueryable<Example> examples, string search)
    {
        // SearchText is stored lower-cased, so the term is too.
        var term = search.Trim().ToLowerInvariant();
        if (term.Length == 0)
        {
            return examples;
        }

        if (db.Database.IsSqlite() && UsesIndex(term))
        {
            var match = TrigramPhrase(term);
            var matching = db.Database.SqlQuery<int>($"SELECT rowid AS \"Value\" FROM \"ExampleSearch\" WHERE \"ExampleSearch\" MATCH {match}");
            return examples.Where(e => matching.Contains(e.Id));
        }

        var pattern = "%" + EscapeLike(term) + "%";
        return db.Database.IsNpgsql()
            ? examples.Where(e => EF.Functions.ILike(e.SearchText, pattern, "\\"))
            : examples.Where(e => EF.Functions.Like(e.SearchText, pattern, "\\"));
    }

    /// <summary>
    /// True when the list can be served from the index's own id order: SQLite, an indexed term, sorted by id, and no
    /// other filter (another filter could drop the matches the index hands out first).
    /// </summary>
    internal static bool CanPageFromIndex(StudioDbContext db, ExampleQuery query, int[]? withFindings) =>
        db.Database.IsSqlite() && query.Sort == ExampleSort.Id && withFindings is null
        && query.Search is { } search && search.Trim().Length > 0 && UsesIndex(search.Trim().ToLowerInvariant())
        && query.Status is null && string.IsNullOrWhiteSpace(query.Label) && string.IsNullOrWhiteSpace(query.Tag)
        && string.IsNullOrWhiteSpace(query.LabelerId) && query.Split is null && query.Ids is not { Count: > 0 } && !query.NeedsAdjudication;

    /// <summary>
    /// SQLite: the first <paramref name="limit"/> ids of the dataset's examples that contain the term, ascending or
    /// descending. CROSS JOIN keeps the index as the outer loop (SQLite never reorders it), so the scan stops at the
    /// limit; each match is checked against the dataset through the (DatasetId, Id) index, not the wide table rows.
    /// </summary>
    internal static async Task<List<int>> MatchingIdsAsync(StudioDbContext db, int datasetId, string search, bool descending, int limit, CancellationToken cancellationToken)
    {
        var match = TrigramPhrase(search.Trim().ToLowerInvariant());
        // Two literal statements rather than one concatenated: only the parameters vary.
        var ids = descending
            ? db.Database.SqlQuery<int>($"SELECT s.rowid AS \"Value\" FROM \"ExampleSearch\" s CROSS JOIN \"Examples\" e INDEXED BY \"IX_Examples_DatasetId_Id\" ON e.\"DatasetId\" = {datasetId} AND e.\"Id\" = s.rowid WHERE s.\"ExampleSearch\" MATCH {match} ORDER BY s.rowid DESC LIMIT {limit}")
            : db.Database.SqlQuery<int>($"SELECT s.rowid AS \"Value\" FROM \"ExampleSearch\" s CROSS JOIN \"Examples\" e INDEXED BY \"IX_Examples_DatasetId_Id\" ON e.\"DatasetId\" = {datasetId} AND e.\"Id\" = s.rowid WHERE s.\"ExampleSearch\" MATCH {match} ORDER BY s.rowid LIMIT {limit}");
        return await ids.ToListAsync(cancellationToken);
    }

    /// <summary>True when the term is long enough for the trigram index.</summary>
    public static bool UsesIndex(string term) => term.EnumerateRunes().Take(IndexedTermLength).Count() == IndexedTermLength;

    /// <summary>
    /// The term as one FTS5 string: inside double quotes every character is literal (operators such as AND, NEAR, *
    /// are plain text), and a trigram phrase matches exactly where the term occurs as a substring.
    /// </summary>
    public static string TrigramPhrase(string term) => "\"" + term.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Escapes LIKE's wildcards with a backslash so % and _ match themselves.</summary>
    public static string EscapeLike(string term) => new StringBuilder(term)
        .Replace("\\", "\\\\")
        .Replace("%", "\\%")
        .Replace("_", "\\_")
        .ToString();
}
