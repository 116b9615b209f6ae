namespace FineTuneStudio.Core.Imports;

/// <summary>The file to import, opened, with its kind and the format chosen for it.</summary>
internal sealed record ImportInput(Stream Stream, ImportFileKind Kind, ImportFormat Format);

/// <summary>One pass of the right parser over the file; remembers the JSON shape that auto detection chose.</summary>
internal sealed class ParserRun(ImportInput input, ImportOptions options, CountingStream counter)
{
    private readonly JsonExampleParser _json = new();
    private readonly ParquetRecordReader _parquet = new();
    private readonly long _start = input.Stream.Position;

    public ImportFormat? DetectedFormat => input.Format == ImportFormat.Csv ? ImportFormat.Csv
        : input.Kind == ImportFileKind.Parquet ? _parquet.DetectedFormat
        : _json.DetectedFormat;

    /// <summary>For progress; a Parquet reader seeks, so its position stands in for a count.</summary>
    public long BytesRead => input.Kind == ImportFileKind.Parquet ? input.Stream.Position - _start : counter.BytesRead;

    public IAsyncEnumerable<ImportRow> ParseAsync(CancellationToken cancellationToken) =>
        input.Format == ImportFormat.Csv ? new CsvExampleParser().ParseAsync(counter, options.CsvMapping!, cancellationToken)
        // Parquet needs to seek; its size was checked against the limit as a whole before the first pass.
        : input.Kind == ImportFileKind.Parquet ? _parquet.ParseAsync(input.Stream, input.Format, cancellationToken)
        : _json.ParseAsync(counter, input.Format, cancellationToken);
}

internal sealed class FileTooLargeException : Exception
{
}

/// <summary>Counts what is read, for progress, and stops past the size limit.</summary>
internal sealed class CountingStream(Stream inner, long? maxBytes) : Stream
{
    public long BytesRead { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Count(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken));

    private int Count(int read)
    {
        BytesRead += read;
        return BytesRead > maxBytes ? throw new FileTooLargeException() : read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
