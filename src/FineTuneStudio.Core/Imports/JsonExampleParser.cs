using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Reads JSONL (one record per line, blank lines skipped) or one JSON array of records, streaming: only one
/// record is held at a time. With <see cref="ImportFormat.Auto"/> the shape comes from the first record that
/// parses as an object.
/// </summary>
public sealed class JsonExampleParser(int maxRecordBytes = Utf8Lines.DefaultMaxLineBytes)
{
    /// <summary>The shape chosen by the last parse (given or detected); null until a record has been read.</summary>
    public ImportFormat? DetectedFormat { get; private set; }

    public async IAsyncEnumerable<ImportRow> ParseAsync(Stream stream, ImportFormat format, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (format == ImportFormat.Csv)
        {
            throw new ArgumentOutOfRangeException(nameof(format), format, "CSV is read by CsvExampleParser");
        }

        var shape = format == ImportFormat.Auto ? (ImportFormat?)null : format;
        var any = false;
        await foreach (var record in ReadRecordsAsync(stream, cancellationToken))
        {
            any = true;
            if (record.Error is not null)
            {
                yield return new ImportRow(record.Line, null, [record.Error]);
                continue;
            }

            using var document = JsonSyntax.TryParse(record.Bytes, record.Line, out var syntaxError);
            if (document is null)
            {
                yield return new ImportRow(record.Line, null, [syntaxError!]);
                continue;
            }

            if (shape is null && document.RootElement.ValueKind == JsonValueKind.Object)
            {
                shape = JsonRecordMapper.Detect(document.RootElement);
                if (shape is null)
                {
                    // Without a shape no later record can be read either: one clear error is better than thousands.
                    yield return ImportRow.Invalid(record.Line, "format",
                        "cannot tell the format from this record; expected messages, prompt and completion, prompt/chosen/rejected, input/preferred_output/non_preferred_output, or instruction and output");
                    yield break;
                }
            }

            DetectedFormat = shape;
            yield return shape is null
                ? ImportRow.Invalid(record.Line, "record", $"must be a JSON object, found {JsonRecordMapper.Describe(document.RootElement)}")
                : JsonRecordMapper.Map(document.RootElement, shape.Value, record.Line);
        }

        if (!any)
        {
            yield return ImportRow.Invalid(1, "file", "the file has no examples");
        }
    }

    internal readonly record struct RawRecord(int Line, ReadOnlyMemory<byte> Bytes, InputError? Error);

    /// <summary>The records of the file: lines of JSONL, or the elements of a top-level array when the file starts with '['.</summary>
    internal async IAsyncEnumerable<RawRecord> ReadRecordsAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (prefix, firstByte) = await PrefixStream.PeekAsync(stream, cancellationToken);
        await using var source = new PrefixStream(prefix, stream);
        var records = firstByte == (byte)'[' ? ReadArrayAsync(source, cancellationToken) : ReadLinesAsync(source, cancellationToken);
        await foreach (var record in records)
        {
            yield return record;
        }
    }

    private async IAsyncEnumerable<RawRecord> ReadLinesAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var line in Utf8Lines.ReadAsync(stream, maxRecordBytes, cancellationToken))
        {
            if (line.TooLong)
            {
                yield return new RawRecord(line.Number, default, new InputError("record", $"the line is longer than {maxRecordBytes / (1024 * 1024)} MB", line.Number));
                continue;
            }

            if (Utf8Lines.IsBlank(line.Bytes.Span))
            {
                continue;
            }

            if (Utf8Lines.FirstInvalidByte(line.Bytes.Span) >= 0)
            {
                yield return new RawRecord(line.Number, default, Utf8Lines.InvalidUtf8Error(line.Bytes.Span, line.Number));
                continue;
            }

            yield return new RawRecord(line.Number, line.Bytes, null);
        }
    }

    private async IAsyncEnumerable<RawRecord> ReadArrayAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var splitter = new JsonArraySplitter(maxRecordBytes);
        var output = new List<RawRecord>();
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer.AsMemory(), cancellationToken)) > 0)
            {
                output.Clear();
                splitter.Feed(buffer.AsSpan(0, read), output);
                foreach (var record in output)
                {
                    yield return record;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        output.Clear();
        splitter.Finish(output);
        foreach (var record in output)
        {
            yield return record;
        }
    }
}
