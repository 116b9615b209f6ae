using System.Text;

namespace FineTuneStudio.Core.Tests.Support;

/// <summary>
/// Building blocks of the parsers' fuzz tests: hostile variants of a valid file, drawn from a seeded Random so a
/// failing case replays, and the lines of a text as a line reader counts them.
/// </summary>
internal static class FuzzInputs
{
    public static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>A stray byte, an overlong form, a lone continuation byte, a cut sequence, an encoded surrogate, a five-byte form.</summary>
    public static readonly byte[][] InvalidUtf8 = [[0xFF], [0xC0, 0xAF], [0x80], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]];

    public static readonly string[] LoneSurrogateEscapes = ["\\ud800", "\\udbff", "\\udc00", "\\udfff", "\\udc00\\ud800", "x\\ud83d"];

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] Insert(byte[] bytes, int at, byte[] inserted) => [.. bytes[..at], .. inserted, .. bytes[at..]];

    public static byte[] FlipBytes(byte[] bytes, Random random)
    {
        var copy = (byte[])bytes.Clone();
        for (var flips = random.Next(1, 4); flips > 0; flips--)
        {
            copy[random.Next(copy.Length)] = (byte)random.Next(256);
        }

        return copy;
    }

    /// <summary>The text as uploads and the CLI read it: through a StreamReader, which drops a BOM and turns invalid UTF-8 into U+FFFD.</summary>
    public static string Decode(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes));
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Lines as <see cref="StringReader.ReadLine"/> counts them (\r\n, \r and \n each end one), plus the empty one
    /// after a final line break, where an error about the end of the file may point.
    /// </summary>
    public static int LineCount(string text)
    {
        var lines = 1;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.Length || text[i + 1] != '\n')))
            {
                lines++;
            }
        }

        return lines;
    }

    public static string Shorten(string text)
    {
        var visible = text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
        return visible.Length <= 120 ? visible : visible[..120] + "…";
    }
}
