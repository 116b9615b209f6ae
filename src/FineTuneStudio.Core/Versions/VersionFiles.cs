using System.IO.Compression;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Versions;

/// <summary>Serves the files of a version, one at a time or as a zip, each only after its SHA-256 matches the manifest.</summary>
public sealed class VersionFiles(IDbContextFactory<StudioDbContext> factory, VersionStorage storage)
{
    /// <summary>Opens a version file after checking its SHA-256 against the recorded one; a changed file is never served.</summary>
    public async Task<VersionFileStream> OpenFileAsync(int versionId, string name, CancellationToken cancellationToken)
    {
        var (version, file) = await FindFileAsync(versionId, name, cancellationToken);
        var stream = await VersionFolder.OpenCheckedAsync(storage, version, file, cancellationToken);
        return new VersionFileStream(file.Name, file.Sha256, stream);
    }

    /// <summary>
    /// The training recipes a version holds, each with its text read from the checked file; none for a version cut
    /// before versions held recipes.
    /// </summary>
    public async Task<IReadOnlyList<TrainerRecipe>> RecipesAsync(int versionId, CancellationToken cancellationToken)
    {
        string manifestJson;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            manifestJson = await db.DatasetVersions.AsNoTracking().Where(v => v.Id == versionId).Select(v => v.ManifestJson).SingleOrDefaultAsync(cancellationToken)
                ?? throw new NotFoundException("Version", versionId);
        }

        using var manifest = System.Text.Json.JsonDocument.Parse(manifestJson);
        if (!manifest.RootElement.TryGetProperty("recipes", out var listed))
        {
            return [];
        }

        var recipes = new List<TrainerRecipe>();
        foreach (var recipe in listed.EnumerateArray())
        {
            var name = recipe.GetProperty("file").GetString()!;
            var file = await OpenFileAsync(versionId, name, cancellationToken);
            using var reader = new StreamReader(file.Stream);
            recipes.Add(new TrainerRecipe(name, recipe.GetProperty("trainer").GetString()!, recipe.GetProperty("fit").GetString()!, await reader.ReadToEndAsync(cancellationToken)));
        }

        return recipes;
    }

    /// <summary>Writes a zip of every file of a version to a temporary file (deleted on close) and returns it.</summary>
    public async Task<Stream> OpenZipAsync(int versionId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var version = await db.DatasetVersions.AsNoTracking().Include(v => v.Files)
            .SingleOrDefaultAsync(v => v.Id == versionId, cancellationToken) ?? throw new NotFoundException("Version", versionId);
        Directory.CreateDirectory(storage.TempRoot);
        var zipPath = Path.Combine(storage.TempRoot, $"zip-{Guid.NewGuid():N}.zip");
        var zip = new FileStream(zipPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81_920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var file in version.Files.OrderBy(f => f.Name, StringComparer.Ordinal))
                {
                    await using var source = await VersionFolder.OpenCheckedAsync(storage, version, file, cancellationToken);
                    var entry = archive.CreateEntry(file.Name, CompressionLevel.Optimal);
                    entry.LastWriteTime = new DateTimeOffset(version.CreatedAt, TimeSpan.Zero);
                    await using var target = await entry.OpenAsync(cancellationToken);
                    await source.CopyToAsync(target, cancellationToken);
                }
            }

            zip.Position = 0;
            return zip;
        }
        catch
        {
            await zip.DisposeAsync();
            throw;
        }
    }

    private async Task<(DatasetVersion Version, DatasetVersionFile File)> FindFileAsync(int versionId, string name, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var version = await db.DatasetVersions.AsNoTracking().Include(v => v.Files)
            .SingleOrDefaultAsync(v => v.Id == versionId, cancellationToken) ?? throw new NotFoundException("Version", versionId);
        // Only names recorded for this version are served, compared exactly: no path ever comes from the caller.
        var file = version.Files.SingleOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal))
            ?? throw new NotFoundException($"Version {versionId} has no file named '{name}'.");
        return (version, file);
    }
}
