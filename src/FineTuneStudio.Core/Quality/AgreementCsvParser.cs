using CsvHelper;

namespace FineTuneStudio.Core.Quality;

/// <summary>The rows that could be read, and what was wrong with the others.</summary>
public sealed record AgreementCsvResult(IReadOnlyList<AgreementRating> Ratings, IReadOnlyList<InputError> Errors)
{
    public bool Succeeded => Errors.Count == 0;
}

/// <summary>
/// Reads labeler ratings from a CSV file with the header <c>item,rater,label</c> (any column order,
/// other columns ignored). An empty label means the rater skipped the item.
/// </summary>
public sealed class AgreementCsvParser
{
    public const int MaxErrors = 100;

    public AgreementCsvResult Parse(string text)
    {
        using var reader = CsvReader.FromText(text, Options());
        return Read(reader, CancellationToken.None);
    }

    public AgreementCsvResult Parse(Stream stream, CancellationToken cancellationToken = default)
    {
        using var reader = CsvReader.Create(stream, Options(), true);
        return Read(reader, cancellationToken);
    }

    private static CsvReaderOptions Options() => new()
    {
        HasHeader = true,
        TrackLineNumbers = true,
        TrimWhitespace = true,
        SkipEmptyLines = true,
        MalformedData = CsvMalformedDataHandling.Throw,
    };

    private static AgreementCsvResult Read(CsvReader reader, CancellationToken cancellationToken)
    {
        var ratings = new List<AgreementRating>();
        var errors = new List<InputError>();
        int item, rater, label;
        try
        {
            var headers = reader.Headers;
            item = IndexOf(headers, "item");
            rater = IndexOf(headers, "rater");
            label = IndexOf(headers, "label");
        }
        catch (CsvFormatException ex)
        {
            return new([], [new InputError("file", "The header row could not be read: " + ex.Message, 1)]);
        }

        var missing = new[] { ("item", item), ("rater", rater), ("label", label) }.Where(c => c.Item2 < 0).Select(c => c.Item1).ToList();
        if (missing.Count > 0)
        {
            return new([], [new InputError("header", $"The header must have the columns item, rater and label; missing: {string.Join(", ", missing)}.", 1)]);
        }

        var seen = new Dictionary<(string Item, string Rater), int>();
        var total = 0;
        try
        {
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var line = (int)reader.LineNumber;
                var missingColumn = item >= reader.FieldCount ? "item" : rater >= reader.FieldCount ? "rater" : label >= reader.FieldCount ? "label" : null;
                if (missingColumn is not null)
                {
                    // A skip is an empty label in its place ("7,ana,"); a row that ends before the column is malformed, not a skip.
                    Add(new InputError(missingColumn, $"The row has {reader.FieldCount} fields and ends before the {missingColumn} column.", line));
                    continue;
                }

                var itemId = reader.GetString(item).Trim();
                var raterId = reader.GetString(rater).Trim();
                var value = reader.GetString(label).Trim();
                if (itemId.Length == 0)
                {
                    Add(new InputError("item", "The item id is empty.", line));
                    continue;
                }

                if (raterId.Length == 0)
                {
                    Add(new InputError("rater", "The rater id is empty.", line));
                    continue;
                }

                if (seen.TryGetValue((itemId, raterId), out var firstLine))
                {
                    Add(new InputError("rater", $"Rater \"{raterId}\" already labeled item \"{itemId}\" on line {firstLine}.", line));
                    continue;
                }

                seen[(itemId, raterId)] = line;
                ratings.Add(new AgreementRating(itemId, raterId, value.Length == 0 ? null : value));
            }
        }
        catch (CsvFormatException ex)
        {
            Add(new InputError("file", "The file is not valid CSV from here on: " + ex.Message, (int?)ex.LineNumber));
        }

        if (ratings.Count == 0 && total == 0)
        {
            errors.Add(new InputError("file", "The file has no ratings."));
        }

        return new AgreementCsvResult(total == 0 ? ratings : [], errors);

        void Add(InputError error)
        {
            total++;
            if (errors.Count < MaxErrors)
            {
                errors.Add(error);
            }
        }
    }

    private static int IndexOf(IReadOnlyList<string> headers, string name)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            if (string.Equals(headers[i].Trim(), name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
