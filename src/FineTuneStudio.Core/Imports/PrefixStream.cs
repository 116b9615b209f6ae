namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Replays bytes already read from a stream, then goes on with the stream: lets a reader look at the start of
/// a file that cannot seek back. It closes the stream it wraps only when told it owns it.
/// </summary>
internal sealed class PrefixStream(byte[] prefix, Stream inner, bool ownsInner = false) : Stream
{
    private int _position;

    /// <summary>Reads until the first byte that is not white space or a byte order mark; 0 at the end of the input.</summary>
    public static async Task<(byte[] Prefix, byte FirstByte)> PeekAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var prefix = new MemoryStream();
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            prefix.Write(buffer, 0, read);
            if (prefix.Length < 3)
            {
                continue;
            }

            var start = FirstContentByte(prefix.GetBuffer().AsSpan(0, (int)prefix.Length));
            if (start >= 0)
            {
                return (prefix.ToArray(), (byte)start);
            }
        }

        var all = FirstContentByte(prefix.GetBuffer().AsSpan(0, (int)prefix.Length));
        return (prefix.ToArray(), all >= 0 ? (byte)all : (byte)0);
    }

    /// <summary>The first byte after a byte order mark and white space, or -1 when there is none.</summary>
    public static int FirstContentByte(ReadOnlySpan<byte> content)
    {
        if (content.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            content = content[3..];
        }

        var start = content.IndexOfAnyExcept(" \t\r\n"u8);
        return start < 0 ? -1 : content[start];
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position < prefix.Length)
        {
            var n = Math.Min(buffer.Length, prefix.Length - _position);
            prefix.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        return inner.Read(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_position < prefix.Length)
        {
            return Read(buffer.Span);
        }

        return await inner.ReadAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsInner)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
