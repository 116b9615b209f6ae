using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Versions;

/// <summary>Lists a dataset's versions and reads one with its manifest and dataset card.</summary>
public sealed class VersionCatalog(IDbContextFactory<StudioDbContext> factory, VersionStorage storage)
{
    public async Task<IReadOnlyList<VersionSummary>> ListAsync(int datasetId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Datasets.AnyAsync(d => d.Id == datasetId, cancellationToken))
        {
            throw new NotFoundException("Dataset", datasetId);
        }

        var versions = await db.DatasetVersions.AsNoTracking().Where(v => v.DatasetId == datasetId)
            .OrderByDescending(v => v.Number).Include(v => v.Files).ToListAsync(cancellationToken);
        return versions.Select(Summarise).ToList();
    }

    public async Task<VersionDetail> GetAsync(int versionId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var version = await db.DatasetVersions.AsNoTracking().Include(v => v.Files).Include(v => v.Dataset)
            .SingleOrDefaultAsync(v => v.Id == versionId, cancellationToken) ?? throw new NotFoundException("Version", versionId);
        var cardPath = Path.Combine(storage.FullPath(version.StoragePath), VersionFolder.CardFile);
        var card = File.Exists(cardPath) ? await File.ReadAllTextAsync(cardPath, cancellationToken) : null;
        return new VersionDetail(Summarise(version), version.Dataset!.ProjectId, version.Dataset.Name, version.ManifestJson, card);
    }

    internal static VersionSummary Summarise(DatasetVersion v) => new(
        v.Id, v.DatasetId, v.Number, v.Target, string.IsNullOrEmpty(v.Note) ? null : v.Note,
        v.TrainCount, v.ValidationCount, v.TestCount, v.Seed, v.ValidationShare, v.TestShare, v.AuthorName, v.CreatedAt,
        v.Files.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => new VersionFileSummary(f.Name, f.Sha256, f.Bytes, f.Lines)).ToList());
}
