using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Reads a Parquet file (as Hugging Face datasets publish them) one row group at a time, turns each row into the
/// JSON object its JSONL twin would hold, and maps it with the same record mapper as JSONL. Errors name the row
/// (1-based) where JSONL errors name the line.
/// </summary>
/// <remarks>
/// Two Hugging Face habits are bridged here, so the JSON mapper stays the one place that knows record shapes:
/// a classification file (<c>text</c> + <c>label</c>, no other shape) becomes one user turn with its label, as a
/// CSV mapped user=text,label=label would; and an integer <c>label</c> is a ClassLabel index, turned into its name
/// from the file's <c>huggingface</c> metadata (<c>info.features.label.names</c>) or kept as the number's text.
/// </remarks>
internal sealed class ParquetRecordReader
{
    private const string ShapesExpected =
        "expected messages, prompt and completion, prompt/chosen/rejected, input/preferred_output/non_preferred_output, instruction and output (or question and response/answer), or text with label";

    /// <summary>The shape chosen by the last parse (given or detected); null until the columns have been read.</summary>
    public ImportFormat? DetectedFormat { get; private set; }

    public async IAsyncEnumerable<ImportRow> ParseAsync(Stream stream, ImportFormat format, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (format == ImportFormat.Csv)
        {
            yield return FileError("format", "the file is Parquet, not CSV; choose auto or the file's JSON shape");
            yield break;
        }

        var start = stream.Position;
        var (layout, openError) = await OpenAsync(stream, cancellationToken);
        if (layout is null)
        {
            yield return FileError("file", openError!);
            yield break;
        }

        if (layout.BinaryColumns.Count > 0)
        {
            yield return FileError("file",
                $"column {string.Join(", ", layout.BinaryColumns.Select(c => $"'{c}'"))} holds binary data, which cannot be imported; drop it from the file first");
            yield break;
        }

        var textAsUser = layout.Columns.Contains("text") && !layout.Columns.Contains("messages")
            && (format == ImportFormat.Chat || (format == ImportFormat.Auto && JsonRecordMapper.Detect(ColumnsAsRecord(layout.Columns)) is null));
        var shape = format != ImportFormat.Auto ? format
            : textAsUser ? ImportFormat.Chat
            : JsonRecordMapper.Detect(ColumnsAsRecord(layout.Columns));
        if (shape is null)
        {
            yield return FileError("format",
                $"cannot tell the format from the Parquet columns ({string.Join(", ", layout.Columns)}); {ShapesExpected}");
            yield break;
        }

        DetectedFormat = shape;
        if (layout.RowCount == 0)
        {
            yield return FileError("file", "the file has no examples");
            yield break;
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        var row = 0;
        for (var group = 0; group < layout.RowGroups; group++)
        {
            stream.Position = start;
            var (rows, readError) = await ReadRowGroupAsync(stream, group, cancellationToken);
            if (rows is null)
            {
                yield return FileError("file", readError!);
                yield break;
            }

            foreach (var values in rows)
            {
                row++;
                buffer.ResetWrittenCount();
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    WriteRecord(writer, values, layout.LabelNames, textAsUser);
                }

                using var document = JsonDocument.Parse(buffer.WrittenMemory);
                var mapped = JsonRecordMapper.Map(document.RootElement, shape.Value, row);
                yield return mapped.Errors.Count == 0 ? mapped : mapped with { Errors = [.. mapped.Errors.Select(e => AtRow(e, textAsUser))] };
            }
        }
    }

    /// <summary>A record's problem, named by row; for a text column read as the user turn, by that column.</summary>
    private static InputError AtRow(InputError error, bool textAsUser) =>
        error with { LineUnit = "row", Field = textAsUser && error.Field.StartsWith("messages", StringComparison.Ordinal) ? "text" : error.Field };

    /// <summary>A problem with the whole file; it names no row.</summary>
    private static ImportRow FileError(string field, string message) => ImportRow.FileProblem(1, new InputError(field, message));

    private sealed record Layout(IReadOnlyList<string> Columns, IReadOnlyList<string> BinaryColumns, int RowGroups, long RowCount, IReadOnlyList<string>? LabelNames);

    private static async Task<(Layout? Layout, string? Error)> OpenAsync(Stream stream, CancellationToken cancellationToken)
    {
        try
        {
            await using var reader = await ParquetReader.CreateAsync(stream, null, leaveStreamOpen: true, cancellationToken);
            var binary = reader.Schema.GetDataFields()
                .Where(f => f.ClrType == typeof(byte[]) || f.ClrType == typeof(ReadOnlyMemory<byte>))
                .Select(f => f.Path.ToString()).ToList();
            var rowCount = reader.RowGroups.Sum(g => g.RowCount);
            return (new Layout([.. reader.Schema.Fields.Select(f => f.Name)], binary, reader.RowGroupCount, rowCount, LabelNames(reader.CustomMetadata)), null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, $"the file is not a valid Parquet file: {e.Message}");
        }
    }

    private static async Task<(IList<Dictionary<string, object>>? Rows, string? Error)> ReadRowGroupAsync(Stream stream, int group, CancellationToken cancellationToken)
    {
        try
        {
            // One row group in memory at a time: the row group is the unit Parquet compresses and pages in.
            var result = await ParquetSerializer.DeserializeUntypedAsync(stream, null, group, cancellationToken);
            return (result.Data, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (null, $"the file is not a valid Parquet file: row group {group + 1} cannot be read ({e.Message})");
        }
    }

    /// <summary>ClassLabel names from the <c>huggingface</c> key-value metadata; null when the file has none.</summary>
    internal static IReadOnlyList<string>? LabelNames(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || !metadata.TryGetValue("huggingface", out var json))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("info", out var info) && info.ValueKind == JsonValueKind.Object
                && info.TryGetProperty("features", out var features) && features.ValueKind == JsonValueKind.Object
                && features.TryGetProperty("label", out var label) && label.ValueKind == JsonValueKind.Object
                && label.TryGetProperty("names", out var names) && names.ValueKind == JsonValueKind.Array
                && names.EnumerateArray().All(n => n.ValueKind == JsonValueKind.String))
            {
                return [.. names.EnumerateArray().Select(n => n.GetString()!)];
            }
        }
        catch (JsonException)
        {
            // Metadata written by some other tool: the labels stay numbers.
        }

        return null;
    }

    private static JsonElement ColumnsAsRecord(IEnumerable<string> columns)
    {
        var record = columns.Distinct(StringComparer.Ordinal).ToDictionary(c => c, _ => (object?)null);
        return JsonSerializer.SerializeToElement(record);
    }

    private static void WriteRecord(Utf8JsonWriter writer, Dictionary<string, object> values, IReadOnlyList<string>? labelNames, bool textAsUser)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in values)
        {
            if (textAsUser && name == "text")
            {
                writer.WriteStartArray("messages");
                writer.WriteStartObject();
                writer.WriteString("role", "user");
                writer.WritePropertyName("content");
                WriteValue(writer, value);
                writer.WriteEndObject();
                writer.WriteEndArray();
            }
            else if (name == "label" && LabelText(value, labelNames) is var (isLabel, text) && isLabel)
            {
                writer.WriteString("label", text);
            }
            else
            {
                writer.WritePropertyName(name);
                WriteValue(writer, value);
            }
        }

        writer.WriteEndObject();
    }

    /// <summary>An integer label as its ClassLabel name (-1, Hugging Face's "no label", as none), or as the number's text.</summary>
    private static (bool IsLabel, string? Text) LabelText(object? value, IReadOnlyList<string>? names)
    {
        long? index = value switch
        {
            int i => i,
            long l => l,
            short s => s,
            sbyte b => b,
            byte b => b,
            _ => null,
        };
        if (index is not { } n)
        {
            return (false, null);
        }

        if (names is null)
        {
            return (true, n.ToString(CultureInfo.InvariantCulture));
        }

        return n >= 0 && n < names.Count ? (true, names[(int)n]) : n < 0 ? (true, null) : (true, n.ToString(CultureInfo.InvariantCulture));
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case ReadOnlyMemory<char> chars:
                writer.WriteStringValue(chars.Span);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int or long or short or sbyte or byte or uint or ulong or ushort:
                writer.WriteRawValue(Convert.ToString(value, CultureInfo.InvariantCulture)!);
                break;
            case float f when float.IsFinite(f):
                writer.WriteNumberValue(f);
                break;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            case float or double:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case DateTime t:
                writer.WriteStringValue(t);
                break;
            case DateTimeOffset t:
                writer.WriteStringValue(t);
                break;
            case byte[] or ReadOnlyMemory<byte>:
                // Binary columns are refused before any row is read; binary nested in a struct lands here.
                writer.WriteStringValue("(binary data)");
                break;
            case IDictionary dictionary:
                writer.WriteStartObject();
                foreach (DictionaryEntry entry in dictionary)
                {
                    writer.WritePropertyName(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                    WriteValue(writer, entry.Value);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (var item in items)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
