using System.Runtime.CompilerServices;
using CsvHelper;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Reads CSV with a header row through CsvHelper, one record at a time. Quoted fields may hold commas and
/// line breaks; every row and error carries the physical line where its record starts. The separator is CsvHelper's
/// guess from the first lines (comma, semicolon as European Excel writes, tab, or pipe; a first line <c>sep=;</c> says
/// so outright), and a UTF-16 or UTF-32 file with a byte order mark is read as text.
/// </summary>
public sealed class CsvExampleParser
{
    private const int MaxLabelLength = 200;

    internal static CsvReaderOptions ReaderOptions => CsvReaderOptions.Default with
    {
        Separator = null,
        HasHeader = true,
        TrackLineNumbers = true,
        MalformedData = CsvMalformedDataHandling.Throw,
        // Field values can be personal data: keep them out of exception messages and logs.
        IncludeValuesInExceptions = false,
    };

    /// <summary>The header names and the first <paramref name="maxRows"/> records, for the column mapping step.</summary>
    public async Task<CsvPreview> PreviewAsync(Stream stream, int maxRows, CancellationToken cancellationToken)
    {
        // A gzipped CSV is previewed from its plain bytes; only the first rows are unpacked.
        await using var plain = stream.CanSeek ? await ImportFile.OpenPreviewAsync(stream, cancellationToken) : null;
        await using var csv = CsvReader.Create(plain ?? stream, ReaderOptions, leaveOpen: true);
        var rows = new List<IReadOnlyList<string>>();
        string[] headers;
        try
        {
            await csv.ReadHeaderAsync(cancellationToken);
            headers = [.. csv.Headers];
            while (rows.Count < maxRows && await csv.ReadAsync(cancellationToken))
            {
                var row = new string[csv.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = csv.GetString(i) ?? "";
                }

                rows.Add(row);
            }
        }
        catch (CsvFormatException ex)
        {
            throw new StudioValidationException([FormatError(ex)]);
        }

        return new CsvPreview(headers, rows, CsvMapping.Suggest(headers), SeparatorName(csv.Separator));
    }

    public async IAsyncEnumerable<ImportRow> ParseAsync(Stream stream, CsvMapping mapping, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var csv = CsvReader.Create(stream, ReaderOptions, leaveOpen: true);
        string[] headers;
        InputError? headerError = null;
        try
        {
            await csv.ReadHeaderAsync(cancellationToken);
            headers = [.. csv.Headers];
        }
        catch (CsvFormatException ex)
        {
            headers = [];
            headerError = FormatError(ex);
        }

        if (headerError is not null)
        {
            yield return ImportRow.FileProblem(headerError.Line ?? 1, headerError);
            yield break;
        }

        if (headers.Length == 0)
        {
            yield return ImportRow.FileProblem(1, new InputError("file", "the file has no examples", 1));
            yield break;
        }

        var columns = ResolveColumns(headers, mapping, out var mappingErrors, csv.Separator);
        if (mappingErrors.Count > 0)
        {
            yield return ImportRow.FileProblem(1, mappingErrors);
            yield break;
        }

        var any = false;
        while (true)
        {
            ImportRow? row = null;
            InputError? broken = null;
            try
            {
                if (!await csv.ReadAsync(cancellationToken))
                {
                    break;
                }

                row = ReadRow(csv, columns);
            }
            catch (CsvFormatException ex)
            {
                broken = FormatError(ex);
            }

            any = true;
            if (broken is not null)
            {
                // After malformed quoting the reader cannot tell where the next record starts, so reading stops here.
                yield return ImportRow.FileProblem(broken.Line ?? 1, broken);
                yield break;
            }

            yield return row!;
        }

        if (!any)
        {
            yield return ImportRow.FileProblem(1, new InputError("file", "the file has no examples", 1));
        }
    }

    private sealed record Columns(int? System, int? User, int? Assistant, int? Label, int? Tags, int? Input, IReadOnlyList<string> Headers, char Separator);

    private static Columns ResolveColumns(string[] headers, CsvMapping mapping, out List<InputError> errors, char separator)
    {
        var found = new List<InputError>();
        int? Find(string? column, string part)
        {
            if (string.IsNullOrWhiteSpace(column))
            {
                return null;
            }

            var matches = headers.Select((h, i) => (Header: h, Index: i))
                .Where(h => string.Equals(h.Header.Trim(), column.Trim(), StringComparison.OrdinalIgnoreCase)).Select(h => h.Index).ToList();
            if (matches.Count == 0)
            {
                found.Add(new InputError($"mapping.{part}", $"the file has no column named '{column}'", 1));
                return null;
            }

            if (matches.Count > 1)
            {
                // Taking the first would silently drop the other column's text.
                found.Add(new InputError($"mapping.{part}",
                    $"the file has {matches.Count} columns named '{column}' (columns {string.Join(" and ", matches.Select(i => i + 1))}); rename one so the mapping can tell them apart", 1));
                return null;
            }

            return matches[0];
        }

        var columns = new Columns(
            Find(mapping.System, "system"),
            Find(mapping.User, "user"),
            Find(mapping.Assistant, "assistant"),
            Find(mapping.Label, "label"),
            Find(mapping.Tags, "tags"),
            Find(mapping.Input, "input"),
            headers,
            separator);
        if (string.IsNullOrWhiteSpace(mapping.User))
        {
            found.Add(new InputError("mapping.user", "choose the column that holds the user's message", 1));
        }

        errors = found;
        return columns;
    }

    private static ImportRow ReadRow(CsvReader csv, Columns columns)
    {
        var line = (int)csv.LineNumber;
        var raw = csv.RawRecord;
        if (Utf8Lines.FirstInvalidByte(raw) >= 0)
        {
            return new ImportRow(line, null, [Utf8Lines.InvalidUtf8Error(raw, line)]);
        }

        // A row with more or fewer fields than the header is a separator inside an unquoted field, or a field lost:
        // read by position it would put text under the wrong column, so it is refused, not guessed.
        if (csv.FieldCount != columns.Headers.Count)
        {
            return ImportRow.Invalid(line, "file", FieldCountMessage(csv.FieldCount, columns.Headers.Count, columns.Separator));
        }

        string? Get(int? index) => index is { } i && i < csv.FieldCount ? csv.GetString(i) : null;

        // Each mapped field is read once: CsvHelper allocates a new string on every GetString.
        int?[] mapped = [columns.System, columns.User, columns.Assistant, columns.Label, columns.Tags, columns.Input];
        var values = Array.ConvertAll(mapped, Get);
        // As in JSON records: PostgreSQL cannot store a NUL in text, so it is refused on every database alike.
        var errors = mapped.Zip(values).Where(m => m.Second?.Contains('\0') == true).Select(m => m.First!.Value).Distinct()
            .Select(index => new InputError(columns.Headers[index], "the text contains a NUL character, which cannot be stored; remove it", line)).ToList();
        if (errors.Count > 0)
        {
            return new ImportRow(line, null, errors);
        }

        var (system, user, assistant, label, tagsText, input) = (values[0], values[1], values[2], values[3]?.Trim(), values[4], values[5]);
        if (string.IsNullOrWhiteSpace(user))
        {
            errors.Add(new InputError(columns.Headers[columns.User!.Value], "is empty; every row needs the user's message", line));
        }

        if (label is { Length: > MaxLabelLength })
        {
            errors.Add(new InputError(columns.Headers[columns.Label!.Value], $"may have at most {MaxLabelLength} characters", line));
        }

        if (errors.Count > 0)
        {
            return new ImportRow(line, null, errors);
        }

        var messages = new List<MessageContent>(3);
        if (!string.IsNullOrWhiteSpace(system))
        {
            messages.Add(new MessageContent(MessageRole.System, system));
        }

        messages.Add(new MessageContent(MessageRole.User, InstructionReader.Ask(user, input)));
        if (!string.IsNullOrWhiteSpace(assistant))
        {
            messages.Add(new MessageContent(MessageRole.Assistant, assistant));
        }

        var tags = JsonRecordMapper.CleanTags(JsonRecordMapper.SplitTags(tagsText));
        return ImportRow.Valid(line, new ExampleContent(messages, string.IsNullOrEmpty(label) ? null : label, tags));
    }

    private static string FieldCountMessage(int found, int expected, char separator)
    {
        var name = SeparatorName(separator);
        return found > expected
            ? $"the row has {found} fields but the header has {expected}; a field that holds a {name} needs double quotes around it"
            : $"the row has {found} {(found == 1 ? "field" : "fields")} but the header has {expected}; every row needs a value (or an empty field) for each column";
    }

    private static string SeparatorName(char separator) =>
        separator switch { ',' => "comma", ';' => "semicolon", '\t' => "tab", '|' => "pipe", _ => $"'{separator}'" };

    private static InputError FormatError(CsvFormatException ex)
    {
        var line = ex.LineNumber > 0 ? (int)ex.LineNumber : (int?)null;
        return new InputError("file", "the CSV quoting is broken: a quoted field is not closed, or text follows a closing quote", line);
    }
}
