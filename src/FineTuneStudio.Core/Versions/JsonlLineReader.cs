using System.Runtime.CompilerServices;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// Splits a byte stream into lines on '\n' without decoding it, so a bad byte in one line cannot stop the
/// rest from being read. A trailing '\r' is dropped (CRLF files) and a UTF-8 byte order mark on the first
/// line is skipped. A final '\n' does not produce an extra empty line.
/// </summary>
internal static class JsonlLineReader
{
    public static async IAsyncEnumerable<(int Number, byte[] Bytes)> ReadLinesAsync(
        Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var buffer = new byte[64 * 1024];
        var line = new MemoryStream();
        var number = 0;
        var first = true;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                {
                    continue;
                }

                line.Write(buffer, start, i - start);
                start = i + 1;
                yield return (++number, Finish(line, ref first));
            }

            line.Write(buffer, start, read - start);
        }

        if (line.Length > 0)
        {
            yield return (++number, Finish(line, ref first));
        }
    }

    private static byte[] Finish(MemoryStream line, ref bool first)
    {
        var bytes = line.ToArray();
        line.SetLength(0);
        var span = bytes.AsSpan();
        if (first && span.StartsWith(Utf8Bom))
        {
            span = span[Utf8Bom.Length..];
        }

        first = false;
        if (span.Length > 0 && span[^1] == (byte)'\r')
        {
            span = span[..^1];
        }

        return span.Length == bytes.Length ? bytes : span.ToArray();
    }

    public static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];
}
