using CsvHelper;

namespace FineTuneStudio.Core.Imports;

/// <summary>What a rejects file holds: the records copied, and those that could not be (not text, or too long).</summary>
public sealed record RejectsWritten(int Copied, int NotCopied);

/// <summary>
/// The records an import left out, copied from the file as they were, so they can be fixed and imported again:
/// JSONL lines as they stand, the elements of a JSON array inside an array, CSV records (quoted line breaks and all)
/// under the file's header and a <c>sep=</c> line naming its separator. Records are found by the line they start on (<see cref="ImportResult.LeftOutLines"/>),
/// in one streaming pass; a gzip file is unpacked as the import unpacked it. A record whose bytes the reader could not
/// keep (not UTF-8, longer than a record may be) is counted, not copied. Parquet rows have no text to copy.
/// </summary>
public static class ImportRejects
{
    private static readonly byte[] LineEnd = "\n"u8.ToArray();
    private static readonly byte[] ArrayStart = "[\n"u8.ToArray();
    private static readonly byte[] ArraySeparator = ",\n"u8.ToArray();
    private static readonly byte[] ArrayEnd = "\n]\n"u8.ToArray();

    public static async Task<RejectsWritten> WriteAsync(Stream source, ImportFormat format, IReadOnlyCollection<int> lines, Stream output, CancellationToken cancellationToken)
    {
        if (!source.CanSeek)
        {
            throw new ArgumentException("The file is read again from its start: give a stream that can seek.", nameof(source));
        }

        await using var file = await ImportFile.OpenAsync(source, null, cancellationToken);
        if (file.Kind == ImportFileKind.Parquet)
        {
            throw new StudioValidationException("rejects", "A Parquet file's rows cannot be copied out as text: the rows left out are listed by number instead.");
        }

        var wanted = lines as IReadOnlySet<int> ?? lines.ToHashSet();
        // A file that does not look like JSON is still read as lines unless it was imported as CSV (a traffic log cut short at its start).
        return format == ImportFormat.Csv
            ? await CopyCsvAsync(file.Stream, wanted, output, cancellationToken)
            : await CopyJsonAsync(file.Stream, wanted, output, cancellationToken);
    }

    private static async Task<RejectsWritten> CopyJsonAsync(Stream source, IReadOnlySet<int> wanted, Stream output, CancellationToken cancellationToken)
    {
        var parser = new JsonExampleParser();
        var (copied, notCopied) = (0, 0);
        await foreach (var record in parser.ReadRecordsAsync(source, cancellationToken))
        {
            if (!wanted.Contains(record.Line) || record.AboutFile)
            {
                continue;
            }

            if (record.Bytes.IsEmpty)
            {
                notCopied++;
                continue;
            }

            // An array's elements stay an array, so the file reads as the original did.
            if (parser.ReadAsArray)
            {
                await output.WriteAsync(copied == 0 ? ArrayStart : ArraySeparator, cancellationToken);
            }

            await output.WriteAsync(record.Bytes, cancellationToken);
            if (!parser.ReadAsArray)
            {
                await output.WriteAsync(LineEnd, cancellationToken);
            }

            copied++;
        }

        if (parser.ReadAsArray && copied > 0)
        {
            await output.WriteAsync(ArrayEnd, cancellationToken);
        }

        return new RejectsWritten(copied, notCopied);
    }

    private static async Task<RejectsWritten> CopyCsvAsync(Stream source, IReadOnlySet<int> wanted, Stream output, CancellationToken cancellationToken)
    {
        await using var csv = CsvReader.Create(source, CsvExampleParser.ReaderOptions, leaveOpen: true);
        await csv.ReadHeaderAsync(cancellationToken);
        var header = HeaderLine(csv.Headers, csv.Separator);
        var (copied, notCopied) = (0, 0);
        try
        {
            while (await csv.ReadAsync(cancellationToken))
            {
                if (!wanted.Contains((int)csv.LineNumber))
                {
                    continue;
                }

                if (copied == 0)
                {
                    await output.WriteAsync(header, cancellationToken);
                }

                await output.WriteAsync(csv.RawRecord.ToArray(), cancellationToken);
                await output.WriteAsync(LineEnd, cancellationToken);
                copied++;
            }
        }
        catch (CsvFormatException)
        {
            // Broken quoting ends the import's reading too: no record after it was left out, only refused.
        }

        return new RejectsWritten(copied, wanted.Count - copied - notCopied);
    }

    /// <summary>
    /// The header as CsvHelper writes it, with the file's separator (the reader keeps the names, not the header's bytes),
    /// after a <c>sep=</c> line naming that separator: guessed from the left-out records alone, whose fields are often the
    /// problem, it could come out another, and the file would not read as the original did.
    /// </summary>
    private static byte[] HeaderLine(IEnumerable<string> headers, char separator)
    {
        using var buffer = new MemoryStream();
        buffer.Write(System.Text.Encoding.UTF8.GetBytes($"sep={separator}\n"));
        using (var writer = CsvWriter.Create(buffer, CsvWriterOptions.Default with { Separator = separator, NewLine = "\n" }, leaveOpen: true))
        {
            foreach (var name in headers)
            {
                writer.WriteField(name);
            }

            writer.EndRecord();
        }

        return buffer.ToArray();
    }
}
