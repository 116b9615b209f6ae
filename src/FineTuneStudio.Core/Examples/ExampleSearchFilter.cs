using System.Text;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Examples;

/// <summary>
/// The example list's search: a case-insensitive "contains" over every turn's text (<see cref="Example.SearchText"/>),
/// served by a trigram index on both providers. SQLite: the FTS5 table <c>ExampleSearch</c> (trigram tokenizer,
/// kept in step by triggers on Examples), queried with LIKE, which FTS5 answers from the index for terms of three
/// or more characters. PostgreSQL: a pg_trgm GIN index that ILIKE uses.
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

        var pattern = "%" + EscapeLike(term) + "%";
        if (db.Database.IsNpgsql())
        {
            return examples.Where(e => EF.Functions.ILike(e.SearchText, pattern, "\\"));
        }

        if (UsesIndex(term))
        {
            // FTS5 accepts only LIKE without ESCAPE, so % and _ in the term act as wildcards there: the index then finds
            // a superset, and the escaped LIKE below keeps the literal matches.
            var indexPattern = "%" + term + "%";
            var matching = db.Database.SqlQuery<int>($"SELECT rowid AS \"Value\" FROM \"ExampleSearch\" WHERE \"SearchText\" LIKE {indexPattern}");
            examples = examples.Where(e => matching.Contains(e.Id));
            if (!HasLikeWildcard(term))
            {
                return examples;
            }
        }

        return examples.Where(e => EF.Functions.Like(e.SearchText, pattern, "\\"));
    }

    /// <summary>True when the term is long enough for the trigram index.</summary>
    public static bool UsesIndex(string term) => term.EnumerateRunes().Take(IndexedTermLength).Count() == IndexedTermLength;

    private static bool HasLikeWildcard(string term) => term.AsSpan().IndexOfAny('%', '_') >= 0;

    /// <summary>Escapes LIKE's wildcards with a backslash so % and _ match themselves.</summary>
    public static string EscapeLike(string term) => new StringBuilder(term)
        .Replace("\\", "\\\\")
        .Replace("%", "\\%")
        .Replace("_", "\\_")
        .ToString();
}
