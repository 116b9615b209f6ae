using System.Text.Json;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Versions;

/// <summary>What the version services share about a version's folder: the names of its own files, and reading a file only after checking its hash.</summary>
internal static class VersionFolder
{
    public const string ManifestFile = "manifest.json";
    public const string CardFile = "README.md";

    /// <summary>Opens a version file positioned at its start, after checking its SHA-256 against the recorded one and the manifest's.</summary>
    public static async Task<Stream> OpenCheckedAsync(VersionStorage storage, DatasetVersion version, DatasetVersionFile file, CancellationToken cancellationToken)
    {
        var folder = storage.FullPath(version.StoragePath);
        var path = Path.GetFullPath(Path.Combine(folder, file.Name));
        if (!path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(path))
        {
            throw new NotFoundException($"The file {file.Name} of version {version.Number} is missing from the storage folder.");
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81_920, useAsync: true);
        try
        {
            var actual = await FileHasher.Sha256HexAsync(stream, cancellationToken);
            var expected = ManifestHash(version.ManifestJson, file.Name) ?? file.Sha256;
            if (!string.Equals(actual, file.Sha256, StringComparison.Ordinal) || !string.Equals(actual, expected, StringComparison.Ordinal))
            {
                throw new ConflictException($"The file {file.Name} of version {version.Number} has changed since it was written (its SHA-256 no longer matches the manifest), so it will not be served.");
            }

            stream.Position = 0;
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>The SHA-256 the manifest records for a data file; null for files the manifest does not list (itself, the card).</summary>
    private static string? ManifestHash(string manifestJson, string name)
    {
        try
        {
            using var document = JsonDocument.Parse(manifestJson);
            if (document.RootElement.TryGetProperty("files", out var files) && files.ValueKind == JsonValueKind.Array)
            {
                foreach (var f in files.EnumerateArray())
                {
                    if (f.TryGetProperty("name", out var n) && n.GetString() == name)
                    {
                        return f.GetProperty("sha256").GetString();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // A manifest we cannot read leaves the recorded hash as the only check.
        }

        return null;
    }
}
