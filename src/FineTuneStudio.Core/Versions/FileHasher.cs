using System.Security.Cryptography;

namespace FineTuneStudio.Core.Versions;

/// <summary>SHA-256 of version files, as lower-case hex, read in chunks so large files stay cheap.</summary>
public static class FileHasher
{
    public static async Task<string> Sha256HexAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var hash = await SHA256.HashDataAsync(stream, cancellationToken);
        return Convert.ToHexStringLower(hash);
    }

    public static async Task<(string Sha256, long Bytes)> Sha256HexOfFileAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81_920, useAsync: true);
        var hash = await Sha256HexAsync(stream, cancellationToken);
        return (hash, stream.Length);
    }

    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
