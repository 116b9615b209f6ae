using System.Text.Json;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Versions;

/// <summary>Compares two versions of a dataset: which examples came, went, changed or moved split, and what that does to tokens and cost.</summary>
public sealed class VersionDiffs(IDbContextFactory<StudioDbContext> factory, VersionStorage storage)
{
    /// <summary>Compares two versions of the same dataset; token counts are re-read from the version files.</summary>
    public async Task<VersionDiffResult> DiffAsync(int olderId, int newerId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var older = await LoadForDiffAsync(db, olderId, cancellationToken);
        var newer = await LoadForDiffAsync(db, newerId, cancellationToken);
        if (older.Version.DatasetId != newer.Version.DatasetId)
        {
            throw new StudioValidationException("versions", "Both versions must belong to the same dataset.");
        }

        var targets = await TrainingTargetTable.ProfilesAsync(db, cancellationToken);
        var diff = VersionDiffer.Diff(await SnapshotAsync(older.Version, older.Examples, targets, cancellationToken),
            await SnapshotAsync(newer.Version, newer.Examples, targets, cancellationToken));
        return new VersionDiffResult(VersionCatalog.Summarise(older.Version), VersionCatalog.Summarise(newer.Version), diff);
    }

    private static async Task<(DatasetVersion Version, List<DatasetVersionExample> Examples)> LoadForDiffAsync(StudioDbContext db, int id, CancellationToken cancellationToken)
    {
        var version = await db.DatasetVersions.AsNoTracking().Include(v => v.Files)
            .SingleOrDefaultAsync(v => v.Id == id, cancellationToken) ?? throw new NotFoundException("Version", id);
        var examples = await db.DatasetVersionExamples.AsNoTracking().Where(e => e.DatasetVersionId == id)
            .OrderBy(e => e.ExampleId).ToListAsync(cancellationToken);
        return (version, examples);
    }

    /// <summary>
    /// The version's examples with the token figures its manifest recorded at the cut; only a manifest without them
    /// (written by an older release) makes the files be read and counted again.
    /// </summary>
    private async Task<VersionSnapshot> SnapshotAsync(DatasetVersion version, List<DatasetVersionExample> examples,
        IReadOnlyList<TrainingTargetProfile> targets, CancellationToken cancellationToken)
    {
        // Costs at today's price in the targets table; a target gone from it reads as the chat format.
        var target = TrainingTargetTable.Find(targets, version.Target) ?? TrainingTargets.OpenAiChatProfile;
        if (ManifestTotals(version.ManifestJson) is { } totals)
        {
            return new VersionSnapshot(examples.Select(e => new VersionEntry(e.ExampleId, e.Split, e.ContentHash, 0)).ToList(),
                EpochHeuristic.Epochs(version.TrainCount, target), target.TokenLimitPerExample, target.PricePerMillionTrainingTokens, totals);
        }

        return await SnapshotFromFilesAsync(version, examples, target, cancellationToken);
    }

    /// <summary>Token totals per split and the billed training tokens, as the manifest recorded them; null when it has none.</summary>
    internal static VersionTokenTotals? ManifestTotals(string manifestJson)
    {
        try
        {
            using var document = JsonDocument.Parse(manifestJson);
            var root = document.RootElement;
            if (!root.TryGetProperty("tokens", out var tokens) || tokens.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("cost_estimate", out var cost) || !cost.TryGetProperty("billed_tokens", out var billed)
                || !billed.TryGetInt64(out var billedTokens))
            {
                return null;
            }

            long total = 0, train = 0;
            foreach (var split in tokens.EnumerateObject())
            {
                if (split.Value.ValueKind != JsonValueKind.Object || !split.Value.TryGetProperty("total", out var value) || !value.TryGetInt64(out var tokensOfSplit))
                {
                    return null;
                }

                total += tokensOfSplit;
                if (split.NameEquals("train"))
                {
                    train = tokensOfSplit;
                }
            }

            return new VersionTokenTotals(total, train, billedTokens);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Tokens per example from the files: each split file holds its examples in ascending id order.</summary>
    private async Task<VersionSnapshot> SnapshotFromFilesAsync(DatasetVersion version, List<DatasetVersionExample> examples, TrainingTargetProfile target,
        CancellationToken cancellationToken)
    {
        var validator = new JsonlValidator(target);
        var entries = new List<VersionEntry>(examples.Count);
        foreach (var s in new[] { SplitPin.Train, SplitPin.Validation, SplitPin.Test })
        {
            var ids = examples.Where(e => e.Split == s).ToList();
            if (ids.Count == 0)
            {
                continue;
            }

            var tokens = new List<int>(ids.Count);
            var file = version.Files.SingleOrDefault(f => f.Name == SplitNames.FileOf(s));
            if (file is not null)
            {
                await using var stream = await VersionFolder.OpenCheckedAsync(storage, version, file, cancellationToken);
                await foreach (var (_, bytes) in JsonlLineReader.ReadLinesAsync(stream, cancellationToken))
                {
                    using var document = JsonDocument.Parse(bytes);
                    tokens.Add(validator.CountTokens(document.RootElement));
                }
            }

            for (var i = 0; i < ids.Count; i++)
            {
                entries.Add(new VersionEntry(ids[i].ExampleId, s, ids[i].ContentHash, i < tokens.Count ? tokens[i] : 0));
            }
        }

        return new VersionSnapshot(entries, EpochHeuristic.Epochs(version.TrainCount, target), target.TokenLimitPerExample, target.PricePerMillionTrainingTokens);
    }
}
