using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace FineTuneStudio.Core.Imports;

/// <summary>One physical line of a file, without its line break. <see cref="Bytes"/> is valid until the next line is read.</summary>
internal readonly record struct RawLine(int Number, ReadOnlyMemory<byte> Bytes, bool TooLong);

internal static class Utf8Lines
{
    public const int DefaultMaxLineBytes = 32 * 1024 * 1024;

    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Reads a stream line by line with one reused buffer, so memory follows the longest line, not the file.
    /// A line longer than <paramref name="maxLineBytes"/> is reported once (TooLong) and skipped.
    /// </summary>
    public static async IAsyncEnumerable<RawLine> ReadAsync(Stream stream, int maxLineBytes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = new byte[Math.Min(64 * 1024, maxLineBytes)];
        int start = 0, end = 0, number = 0;
        var eof = false;
        var skipping = false;
        while (true)
        {
            var newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                number++;
                var bytes = buffer.AsMemory(start, newline);
                start += newline + 1;
                if (skipping)
                {
                    skipping = false;
                    continue;
                }

                yield return new RawLine(number, Clean(bytes, number), false);
                continue;
            }

            if (eof)
            {
                if (end > start && !skipping)
                {
                    yield return new RawLine(number + 1, Clean(buffer.AsMemory(start, end - start), number + 1), false);
                }

                yield break;
            }

            if (start > 0)
            {
                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }

            if (end == buffer.Length)
            {
                if (skipping || buffer.Length >= maxLineBytes)
                {
                    if (!skipping)
                    {
                        skipping = true;
                        yield return new RawLine(number + 1, ReadOnlyMemory<byte>.Empty, true);
                    }

                    end = 0;
                }
                else
                {
                    Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, maxLineBytes));
                }
            }

            var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken);
            if (read == 0)
            {
                eof = true;
            }
            else
            {
                end += read;
            }
        }
    }

    private static ReadOnlyMemory<byte> Clean(ReadOnlyMemory<byte> bytes, int number)
    {
        if (number == 1 && bytes.Span.StartsWith(Bom))
        {
            bytes = bytes[3..];
        }

        return bytes.Length > 0 && bytes.Span[^1] == (byte)'\r' ? bytes[..^1] : bytes;
    }

    public static bool IsBlank(ReadOnlySpan<byte> bytes) => bytes.TrimStart(" \t\r\n"u8).IsEmpty;

    /// <summary>The 0-based index of the first byte that is not valid UTF-8, or -1 when all of it is.</summary>
    public static int FirstInvalidByte(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
        {
            return -1;
        }

        var index = 0;
        while (index < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[index..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return index;
            }

            index += consumed;
        }

        return -1;
    }

    /// <summary>The error for text that is not UTF-8, on the physical line of the first bad byte.</summary>
    public static InputError InvalidUtf8Error(ReadOnlySpan<byte> bytes, int startLine)
    {
        var bad = FirstInvalidByte(bytes);
        var before = bytes[..Math.Max(bad, 0)];
        var line = startLine + before.Count((byte)'\n');
        var column = before.Length - before.LastIndexOf((byte)'\n');
        return new InputError("encoding", $"the text is not valid UTF-8 (byte {column} of the line); save the file as UTF-8 and import it again", line);
    }
}
