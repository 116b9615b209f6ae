using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace FineTuneStudio.Core.Imports;

/// <summary>What an import file holds, told by its first bytes (never by its name).</summary>
public enum ImportFileKind
{
    /// <summary>Nothing but white space or a byte order mark.</summary>
    Empty,
    /// <summary>Starts with '{' or '[': JSONL or a JSON array.</summary>
    Json,
    /// <summary>Anything else that is text.</summary>
    Csv,
    /// <summary>Starts with the magic <c>PAR1</c>.</summary>
    Parquet,
    /// <summary>Starts with the gzip magic <c>1f 8b</c>.</summary>
    Gzip,
}

/// <summary>
/// The plain bytes of an import file, seekable, sniffed once: a gzip file is unpacked to a temporary file (deleted on
/// dispose) so every pass reads the same plain bytes, and the size limit applies to what it unpacks to.
/// </summary>
internal sealed class ImportFile : IAsyncDisposable
{
    private readonly FileStream? _unpacked;

    private ImportFile(Stream stream, ImportFileKind kind, InputError? error, FileStream? unpacked)
    {
        Stream = stream;
        Kind = kind;
        Error = error;
        _unpacked = unpacked;
    }

    /// <summary>The plain file, at the position to read from.</summary>
    public Stream Stream { get; }

    public ImportFileKind Kind { get; }

    /// <summary>Why the file cannot be read at all (bad gzip, past the limit); null when it can.</summary>
    public InputError? Error { get; }

    public bool TooLarge { get; private init; }

    /// <summary>Opens a seekable stream; its position is where the file starts, and is kept for a plain file.</summary>
    public static async Task<ImportFile> OpenAsync(Stream seekable, long? maxBytes, CancellationToken cancellationToken)
    {
        var kind = await SniffAsync(seekable, cancellationToken);
        if (kind != ImportFileKind.Gzip)
        {
            return new ImportFile(seekable, kind, null, null);
        }

        var start = seekable.Position;
        var unpacked = NewTempFile();
        try
        {
            var crc = new Crc32();
            long written = 0;
            await using (var gzip = new GZipStream(seekable, CompressionMode.Decompress, leaveOpen: true))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await gzip.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    written += read;
                    // Checked while unpacking, so a small file that unpacks to gigabytes stops at the limit.
                    if (written > maxBytes)
                    {
                        await unpacked.DisposeAsync();
                        return new ImportFile(seekable, kind, null, null) { TooLarge = true };
                    }

                    crc.Append(buffer.AsSpan(0, read));
                    await unpacked.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }

            if (!await EndsCompleteAsync(seekable, start, unpacked, written, crc.GetCurrentHashAsUInt32(), cancellationToken))
            {
                await unpacked.DisposeAsync();
                return new ImportFile(seekable, kind, new InputError("file", "the file is not valid gzip: it ends before the compressed data does (is it cut short?)"), null);
            }

            unpacked.Position = 0;
            var inner = await SniffAsync(unpacked, cancellationToken);
            return new ImportFile(unpacked, inner, null, unpacked);
        }
        catch (InvalidDataException e)
        {
            await unpacked.DisposeAsync();
            return new ImportFile(seekable, kind, new InputError("file", $"the file is not valid gzip: {e.Message}"), null);
        }
        catch
        {
            await unpacked.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// .NET's GZipStream reads a file cut short as if it had ended, so the gzip trailer (CRC-32 and length of the last
    /// member) is checked here: against all that was unpacked for a one-member file, else against the last member's bytes.
    /// </summary>
    private static async Task<bool> EndsCompleteAsync(Stream gzip, long start, FileStream unpacked, long written, uint crc, CancellationToken cancellationToken)
    {
        if (gzip.Length - start < 18)
        {
            return false;
        }

        var trailer = new byte[8];
        gzip.Position = gzip.Length - trailer.Length;
        await gzip.ReadExactlyAsync(trailer, cancellationToken);
        var lastCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        var lastSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer.AsSpan(4));
        if (lastCrc == crc && lastSize == (uint)written)
        {
            return true;
        }

        // More than one member (as cat a.gz b.gz makes): the last one is the final lastSize bytes (sizes are kept mod 2^32).
        if (lastSize > written)
        {
            return false;
        }

        var tail = new Crc32();
        var buffer = new byte[81920];
        unpacked.Position = written - lastSize;
        int read;
        while ((read = await unpacked.ReadAsync(buffer, cancellationToken)) > 0)
        {
            tail.Append(buffer.AsSpan(0, read));
        }

        return tail.GetCurrentHashAsUInt32() == lastCrc;
    }

    /// <summary>The kind of a seekable file from its first bytes; the position is kept.</summary>
    public static async Task<ImportFileKind> SniffAsync(Stream stream, CancellationToken cancellationToken)
    {
        var start = stream.Position;
        try
        {
            var head = new byte[4];
            var read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
            if (read >= 2 && head[0] == 0x1f && head[1] == 0x8b)
            {
                return ImportFileKind.Gzip;
            }

            if (read == 4 && head.AsSpan().SequenceEqual("PAR1"u8))
            {
                return ImportFileKind.Parquet;
            }

            stream.Position = start;
            var (_, first) = await PrefixStream.PeekAsync(stream, cancellationToken);
            return first switch
            {
                0 => ImportFileKind.Empty,
                (byte)'{' or (byte)'[' => ImportFileKind.Json,
                _ => ImportFileKind.Csv,
            };
        }
        finally
        {
            stream.Position = start;
        }
    }

    /// <summary>
    /// For a preview of the first rows only: the plain bytes of a seekable file, unpacked on the fly when it is gzip.
    /// The caller disposes the returned stream; the file itself stays open.
    /// </summary>
    public static async Task<Stream> OpenPreviewAsync(Stream seekable, CancellationToken cancellationToken) =>
        await SniffAsync(seekable, cancellationToken) == ImportFileKind.Gzip
            ? new GZipStream(seekable, CompressionMode.Decompress, leaveOpen: true)
            : new NonClosingStream(seekable);

    internal static FileStream NewTempFile() =>
        new(Path.Combine(Path.GetTempPath(), $"fts-import-{Guid.NewGuid():N}.tmp"), FileMode.CreateNew,
            FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);

    public async ValueTask DisposeAsync()
    {
        if (_unpacked is not null)
        {
            await _unpacked.DisposeAsync();
        }
    }

    /// <summary>Leaves the wrapped stream open, so a preview reader can be disposed without closing the upload.</summary>
    private sealed class NonClosingStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
