using System.Security.Cryptography;
using System.Text;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// Counts the examples that became exact duplicates because something was dropped: their output lines are
/// identical although the examples were not, and at least one of them lost something. Holds 16 bytes and a count
/// per distinct line, never the lines.
/// </summary>
public sealed class DropDuplicateCounter
{
    private readonly Dictionary<UInt128, Group> _groups = [];

    /// <param name="line">The line as written.</param>
    /// <param name="contentHash">The example's own content hash (<c>ExampleContent.ComputeHash</c>), before dropping.</param>
    /// <param name="dropped">Whether something was left out of this example.</param>
    public void Add(string line, string contentHash, bool dropped)
    {
        var key = Key(Encoding.UTF8.GetBytes(line));
        var original = Key(Encoding.UTF8.GetBytes(contentHash));
        if (_groups.TryGetValue(key, out var group))
        {
            _groups[key] = group with { Count = group.Count + 1, Differ = group.Differ || group.FirstOriginal != original, Dropped = group.Dropped || dropped };
        }
        else
        {
            _groups[key] = new Group(1, original, false, dropped);
        }
    }

    /// <summary>Examples in groups of identical lines that only dropping made identical.</summary>
    public int Count => _groups.Values.Where(g => g.Count > 1 && g.Differ && g.Dropped).Sum(g => g.Count);

    private static UInt128 Key(ReadOnlySpan<byte> bytes)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes, hash);
        return new UInt128(BitConverter.ToUInt64(hash[..8]), BitConverter.ToUInt64(hash[8..16]));
    }

    private readonly record struct Group(int Count, UInt128 FirstOriginal, bool Differ, bool Dropped);
}
