using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

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
    /// <summary>Starts with a UTF-16 or UTF-32 byte order mark (Excel's "Unicode Text", PowerShell's redirection); read as UTF-8.</summary>
    WideText,
}

/// <summary>
/// The plain bytes of an import file, seekable, sniffed once: a gzip file is unpacked, and UTF-16 or UTF-32 text is
/// transcoded to UTF-8, into a temporary file (deleted on dispose), so every pass reads the same plain UTF-8 bytes and
/// the size limit applies to what the file unpacks to.
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
        if (kind == ImportFileKind.WideText)
        {
            return await TranscodeAsync(seekable, maxBytes, cancellationToken);
        }

        if (kind != ImportFileKind.Gzip)
        {
            return new ImportFile(seekable, kind, null, null);
        }

        var unpacked = await UnpackAsync(seekable, maxBytes, cancellationToken);
        if (unpacked.Kind != ImportFileKind.WideText)
        {
            return unpacked;
        }

        await using (unpacked)
        {
            return await TranscodeAsync(unpacked.Stream, maxBytes, cancellationToken);
        }
    }

    private static async Task<ImportFile> UnpackAsync(Stream seekable, long? maxBytes, CancellationToken cancellationToken)
    {
        const ImportFileKind kind = ImportFileKind.Gzip;
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
    /// Writes UTF-16 or UTF-32 text as UTF-8 to a temporary file, without its byte order mark. A broken character (an
    /// unpaired surrogate, a cut-off last character) is refused with its line, never replaced: the import changes nothing.
    /// </summary>
    private static async Task<ImportFile> TranscodeAsync(Stream source, long? maxBytes, CancellationToken cancellationToken)
    {
        var (encoding, bomLength) = (await WideEncodingAsync(source, cancellationToken))!.Value;
        source.Position += bomLength;
        var output = NewTempFile();
        try
        {
            var decoder = encoding.GetDecoder();
            var encoder = new UTF8Encoding(false, throwOnInvalidBytes: true).GetEncoder();
            var bytes = new byte[81920];
            var chars = new char[encoding.GetMaxCharCount(bytes.Length)];
            var utf8 = new byte[Encoding.UTF8.GetMaxByteCount(chars.Length)];
            long written = 0;
            var line = 1;
            while (true)
            {
                var read = await source.ReadAtLeastAsync(bytes, bytes.Length, throwOnEndOfStream: false, cancellationToken);
                var last = read == 0;
                int count;
                try
                {
                    count = decoder.GetChars(bytes, 0, read, chars, 0, flush: last);
                }
                catch (DecoderFallbackException e)
                {
                    // The line is counted up to the broken character: the characters before it in this block are whole.
                    var before = Math.Clamp(e.Index, 0, read);
                    var whole = Encoding.GetEncoding(encoding.CodePage).GetString(bytes, 0, before - before % (bomLength == 4 ? 4 : 2));
                    var lineOfError = line + whole.Count(c => c == '\n');
                    await output.DisposeAsync();
                    return new ImportFile(source, ImportFileKind.WideText, new InputError("encoding",
                        $"the file is {encoding.WebName.ToUpperInvariant()} text (its byte order mark says so) with a broken character: " +
                        "an unpaired surrogate or a character cut off at the end; save the file as UTF-8 and import it again", lineOfError), null);
                }

                line += chars.AsSpan(0, count).Count('\n');
                var length = encoder.GetBytes(chars, 0, count, utf8, 0, flush: last);
                written += length;
                if (written > maxBytes)
                {
                    await output.DisposeAsync();
                    return new ImportFile(source, ImportFileKind.WideText, null, null) { TooLarge = true };
                }

                await output.WriteAsync(utf8.AsMemory(0, length), cancellationToken);
                if (last)
                {
                    break;
                }
            }

            output.Position = 0;
            var inner = await SniffAsync(output, cancellationToken);
            return new ImportFile(output, inner, null, output);
        }
        catch
        {
            await output.DisposeAsync();
            throw;
        }
    }

    /// <summary>The encoding a UTF-16 or UTF-32 byte order mark names, strict about broken characters, and the mark's length; null for none.</summary>
    private static async Task<(Encoding Encoding, int BomLength)?> WideEncodingAsync(Stream stream, CancellationToken cancellationToken)
    {
        var start = stream.Position;
        var head = new byte[4];
        var read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        stream.Position = start;
        return WideEncoding(head.AsSpan(0, read));
    }

    private static (Encoding Encoding, int BomLength)? WideEncoding(ReadOnlySpan<byte> head) => head switch
    {
        [0xFF, 0xFE, 0x00, 0x00, ..] => (new UTF32Encoding(bigEndian: false, byteOrderMark: false, throwOnInvalidCharacters: true), 4),
        [0x00, 0x00, 0xFE, 0xFF, ..] => (new UTF32Encoding(bigEndian: true, byteOrderMark: false, throwOnInvalidCharacters: true), 4),
        [0xFF, 0xFE, ..] => (new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true), 2),
        [0xFE, 0xFF, ..] => (new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true), 2),
        _ => null,
    };

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

            if (WideEncoding(head.AsSpan(0, read)) is not null)
            {
                return ImportFileKind.WideText;
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
    /// For a preview of the first rows only: the plain UTF-8 bytes of a seekable file, unpacked and transcoded on the fly
    /// when it is gzip or UTF-16/32. The caller disposes the returned stream; the file itself stays open.
    /// </summary>
    public static async Task<Stream> OpenPreviewAsync(Stream seekable, CancellationToken cancellationToken)
    {
        Stream plain = await SniffAsync(seekable, cancellationToken) == ImportFileKind.Gzip
            ? new GZipStream(seekable, CompressionMode.Decompress, leaveOpen: true)
            : new NonClosingStream(seekable);
        var head = new byte[4];
        var read = await plain.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        var replayed = new PrefixStream(head[..read], plain, ownsInner: true);
        if (WideEncoding(head.AsSpan(0, read)) is not { } wide)
        {
            return replayed;
        }

        // The preview shows what the import will read; a broken character there is the import's to report.
        var lenient = Encoding.GetEncoding(wide.Encoding.CodePage);
        return Encoding.CreateTranscodingStream(replayed, lenient, new UTF8Encoding(false), leaveOpen: false);
    }

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
