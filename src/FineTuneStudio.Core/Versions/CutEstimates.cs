using System.Collections.Concurrent;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Training;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// What a cut would cost before it is made: the examples the filters select, those of them an eval set holds (left
/// out, as the cut leaves them out), the training share, tokens per example measured on the latest 500 of them, the
/// epoch heuristic and the target's price.
/// </summary>
public sealed record CutEstimate(int Examples, int TrainExamples, int? MeanTokens, int Sampled, TrainingCostEstimate Cost, int HeldOut = 0);

public sealed class CutEstimates(IDbContextFactory<StudioDbContext> factory)
{
    // The form asks again on every change; finding the held-out examples reads every turn of the dataset, so the set
    // is kept per dataset until its examples or the project's eval items change.
    private readonly ConcurrentDictionary<int, (HeldOutStamp Stamp, HashSet<int> Ids)> _heldOut = new();

    private sealed record HeldOutStamp(int Examples, DateTime? LastChange, int Items, int? LastItem);

    public async Task<CutEstimate> EstimateAsync(int datasetId, string targetKey, CutStatusFilter status, IReadOnlyList<string> tags,
        double validationShare, double testShare, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var target = await TrainingTargetTable.GetAsync(db, targetKey, cancellationToken);
        var selected = CutSelection.Filter(db.Examples.AsNoTracking().Where(e => e.DatasetId == datasetId), status, tags);
        var projectId = await db.Datasets.Where(d => d.Id == datasetId).Select(d => d.ProjectId).SingleOrDefaultAsync(cancellationToken);
        var heldOutIds = await HeldOutAsync(db, datasetId, projectId, cancellationToken);
        // Counted in one read: with examples held out, while their ids stream past; otherwise by the database.
        var (examples, heldOut) = (0, 0);
        if (heldOutIds.Count == 0)
        {
            examples = await selected.CountAsync(cancellationToken);
        }
        else
        {
            await foreach (var id in selected.Select(e => e.Id).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                examples++;
                heldOut += heldOutIds.Contains(id) ? 1 : 0;
            }
        }

        var kept = examples - heldOut;
        var sample = examples == 0 ? null : await ExampleTokenSample.MeanTokensAsync(db, selected, cancellationToken);
        // Shares of what the cut keeps, as the splitter takes them (it rounds per label; the estimate does not need to).
        var held = (int)Math.Round(kept * validationShare) + (int)Math.Round(kept * testShare);
        var train = Math.Max(kept == 0 ? 0 : 1, kept - held);
        var perExample = Math.Min(sample?.Mean ?? 0, target.TokenLimitPerExample);
        var cost = TrainingCostEstimate.From((long)perExample * train, EpochHeuristic.Epochs(train, target), target.PricePerMillionTrainingTokens);
        return new CutEstimate(examples, train, sample?.Mean, sample?.Sample ?? 0, cost, heldOut);
    }

    private async Task<HashSet<int>> HeldOutAsync(StudioDbContext db, int datasetId, int projectId, CancellationToken cancellationToken)
    {
        var examples = db.Examples.Where(e => e.DatasetId == datasetId);
        var items = db.EvalItems.Where(i => db.EvalSets.Any(s => s.Id == i.EvalSetId && s.ProjectId == projectId));
        var stamp = new HeldOutStamp(await examples.CountAsync(cancellationToken), await examples.MaxAsync(e => (DateTime?)e.UpdatedAt, cancellationToken),
            await items.CountAsync(cancellationToken), await items.MaxAsync(i => (int?)i.Id, cancellationToken));
        if (_heldOut.TryGetValue(datasetId, out var kept) && kept.Stamp == stamp)
        {
            return kept.Ids;
        }

        var ids = await CutSelection.HeldOutAsync(factory, datasetId, projectId, cancellationToken);
        _heldOut[datasetId] = (stamp, ids);
        return ids;
    }
}
