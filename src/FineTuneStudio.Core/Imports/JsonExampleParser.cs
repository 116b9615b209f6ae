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
                yield return new ImportRow(record.Line, null, [record.Error]) { AboutFile = record.AboutFile };
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
                    yield return ImportRow.FileProblem(record.Line, new InputError("format",
                        $"cannot tell the format from this record; expected {JsonRecordMapper.KnownShapes}", record.Line));
                    yield break;
                }
            }

            DetectedFormat = shape;
            yield return shape is null
                ? ImportRow.Invalid(record.Line, "record", $"must be a JSON object, found {JsonReading.Describe(document.RootElement)}")
                : JsonRecordMapper.Map(document.RootElement, shape.Value, record.Line);
        }

        if (!any)
        {
            yield return ImportRow.FileProblem(1, new InputError("file", "the file has no examples", 1));
        }
    }

    /// <param name="AboutFile">The error is the array's structure (a missing comma or bracket), not one record's.</param>
    internal readonly record struct RawRecord(int Line, ReadOnlyMemory<byte> Bytes, InputError? Error, bool AboutFile = false);

    /// <summary>
    /// The records of the file: lines of JSONL, or the elements of a top-level array. A file starting with '[' is
    /// still JSONL when its first line is a complete JSON value and another line follows: then every line is a
    /// record (one that is an array is an error of its own), and each bad line is named, instead of the whole file
    /// failing as one broken array.
    /// </summary>
    /// <summary>Whether the last file read by <see cref="ReadRecordsAsync"/> was one JSON array, rather than JSONL; known once the first record is out.</summary>
    internal bool ReadAsArray { get; private set; }

    internal async IAsyncEnumerable<RawRecord> ReadRecordsAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (prefix, firstByte) = await PrefixStream.PeekAsync(stream, cancellationToken);
        var isArray = false;
        if (firstByte == (byte)'[')
        {
            (prefix, isArray) = await LooksLikeArrayAsync(prefix, stream, cancellationToken);
        }

        ReadAsArray = isArray;
        await using var source = new PrefixStream(prefix, stream);
        var records = isArray ? ReadArrayAsync(source, cancellationToken) : ReadLinesAsync(source, cancellationToken);
        await foreach (var record in records)
        {
            yield return record;
        }
    }

    /// <summary>Reads on until the first line is whole and a second line has begun (or the file ends); returns all bytes read.</summary>
    private async Task<(byte[] Prefix, bool IsArray)> LooksLikeArrayAsync(byte[] prefix, Stream stream, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        buffer.Write(prefix);
        var chunk = new byte[64 * 1024];
        while (true)
        {
            var bytes = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
            var start = bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
            start += Math.Max(0, bytes[start..].IndexOfAnyExcept(" \t\r\n"u8));
            var newline = bytes[start..].IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var rest = bytes[(start + newline + 1)..];
                if (rest.IndexOfAnyExcept(" \t\r\n"u8) >= 0)
                {
                    return (buffer.ToArray(), !IsCompleteJson(bytes.Slice(start, newline)));
                }
            }

            // A first line longer than a record may be cannot be a JSONL record: read the file as one array.
            var read = buffer.Length > maxRecordBytes ? 0 : await stream.ReadAsync(chunk, cancellationToken);
            if (read == 0)
            {
                return (buffer.ToArray(), true);
            }

            buffer.Write(chunk, 0, read);
        }
    }

    private static bool IsCompleteJson(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (!reader.Read())
            {
                return false;
            }

            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
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
