using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Examples.ExampleReads;

namespace FineTuneStudio.Core.Examples;

/// <summary>
/// Reviewers' decisions: approve, reject with a reason, adjudicate disagreeing annotations, and the same (plus
/// tags and split pins) on many examples at once. A decision names the version it was made on: a change made
/// since is never approved unseen.
/// </summary>
public sealed class ExampleReview(IDbContextFactory<StudioDbContext> factory, TimeProvider clock)
{
    public const int MaxBulk = 1000;

    /// <summary>Decides on the copy with token <see cref="ReviewInput.Version"/>; a stale token throws <see cref="ExampleConflictException"/>.</summary>
    public async Task<ExampleDetail> ReviewAsync(int exampleId, ReviewInput input, ExampleCaller caller, CancellationToken cancellationToken)
    {
        caller.RequireReviewer();
        // Without it a reviewer could approve an edit, or a label, they never saw.
        if (input.Version is not { } seenVersion)
        {
            throw new StudioValidationException("version", "send the version of the example you reviewed, so a change made since is never approved unseen");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var example = await db.Examples.Include(e => e.Dataset).Include(e => e.Messages)
            .SingleOrDefaultAsync(e => e.Id == exampleId, cancellationToken) ?? throw new NotFoundException("Example", exampleId);
        if (seenVersion != example.Version)
        {
            throw await ReviewConflictAsync(db, exampleId, caller, cancellationToken);
        }

        var errors = new List<InputError>();
        var reason = input.Reason?.Trim() ?? "";
        var label = string.IsNullOrWhiteSpace(input.Label) ? null : input.Label.Trim();
        switch (input.Action)
        {
            case ReviewAction.Approve:
                break;
            case ReviewAction.Reject when reason.Length is 0 or > Example.MaxRejectionReasonLength:
                errors.Add(new InputError("reason", $"say why the example is rejected (1 to {Example.MaxRejectionReasonLength} characters)"));
                break;
            case ReviewAction.Reject:
                break;
            case ReviewAction.Adjudicate:
                if (label is not null)
                {
                    ExampleValidator.CheckLabel(label, example.Dataset!.Labels, "label", errors);
                }
                else if (example.Dataset!.TaskKind == TaskKind.Classification)
                {
                    errors.Add(new InputError("label", "choose the final label"));
                }

                ExampleValidator.CheckRating(input.Rating, "rating", errors);
                break;
            default:
                errors.Add(new InputError("action", "use Approve, Reject or Adjudicate"));
                break;
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        var now = Now;
        var reviewer = caller.Actor.UserId;
        switch (input.Action)
        {
            case ReviewAction.Approve:
                example.Approve(reviewer, now);
                break;
            case ReviewAction.Reject:
                example.Reject(reason, reviewer, now);
                break;
            case ReviewAction.Adjudicate:
                example.Adjudicate(label, input.Rating, input.CorrectedOutput, reviewer, now);
                break;
        }

        AuditLog.Record(db, caller.Actor, now, $"example.{input.Action.ToString().ToLowerInvariant()}", nameof(Example), exampleId,
            input.Action == ReviewAction.Adjudicate ? $"final label {example.Label ?? "(none)"}" : example.Status.ToString());
        db.Entry(example).Property(e => e.Version).OriginalValue = seenVersion;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Changed between our read and our write.
            await using var fresh = await factory.CreateDbContextAsync(cancellationToken);
            throw await ReviewConflictAsync(fresh, exampleId, caller, cancellationToken);
        }

        return await LoadDetailAsync(db, exampleId, caller, cancellationToken);
    }

    private static async Task<ExampleConflictException> ReviewConflictAsync(StudioDbContext db, int exampleId, ExampleCaller caller, CancellationToken cancellationToken)
    {
        var current = await LoadDetailAsync(db, exampleId, caller, cancellationToken);
        return new ExampleConflictException(current, ExampleInput.From(current));
    }

    /// <summary>Examples whose required annotations are in and disagree, oldest first, with all annotations.</summary>
    public async Task<IReadOnlyList<Disagreement>> DisagreementsAsync(int datasetId, ExampleCaller caller, int take, CancellationToken cancellationToken)
    {
        caller.RequireReviewer();
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await RequireDatasetAsync(db, datasetId, cancellationToken);
        var ids = await NeedingAdjudication(db.Examples.AsNoTracking().Where(e => e.DatasetId == datasetId))
            .OrderBy(e => e.Id).Select(e => e.Id).Take(Math.Clamp(take, 1, 200)).ToListAsync(cancellationToken);
        var result = new List<Disagreement>(ids.Count);
        foreach (var id in ids)
        {
            var detail = await LoadDetailAsync(db, id, caller, cancellationToken);
            result.Add(new Disagreement(detail, detail.Annotations));
        }

        return result;
    }

    public async Task<int> DisagreementCountAsync(int datasetId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await NeedingAdjudication(db.Examples.AsNoTracking().Where(e => e.DatasetId == datasetId)).CountAsync(cancellationToken);
    }

    /// <summary>Applies one action to many examples in one transaction: all change or none.</summary>
    public async Task<BulkResult> BulkAsync(int datasetId, BulkInput input, ExampleCaller caller, CancellationToken cancellationToken)
    {
        caller.RequireReviewer();
        var ids = (input.ExampleIds ?? []).Distinct().ToList();
        var errors = new List<InputError>();
        if (ids.Count is 0 or > MaxBulk)
        {
            errors.Add(new InputError("exampleIds", $"choose 1 to {MaxBulk} examples"));
        }

        var reason = input.Reason?.Trim() ?? "";
        var tag = input.Tag?.Trim() ?? "";
        switch (input.Action)
        {
            case BulkAction.Reject when reason.Length is 0 or > Example.MaxRejectionReasonLength:
                errors.Add(new InputError("reason", $"say why the examples are rejected (1 to {Example.MaxRejectionReasonLength} characters)"));
                break;
            case BulkAction.AddTag or BulkAction.RemoveTag when tag.Length is 0 or > ExampleValidator.MaxTagLength:
                errors.Add(new InputError("tag", $"a tag has 1 to {ExampleValidator.MaxTagLength} characters"));
                break;
            case BulkAction.PinSplit when input.Split is not { } s || !Enum.IsDefined(s):
                errors.Add(new InputError("split", "choose Auto, Train, Validation or Test"));
                break;
        }

        if (!Enum.IsDefined(input.Action))
        {
            errors.Add(new InputError("action", "use Approve, Reject, AddTag, RemoveTag or PinSplit"));
        }

        // A decision is only as good as what was seen: approving or rejecting names the version of each example.
        var unversioned = ids.Where(id => input.Versions?.ContainsKey(id) != true).ToList();
        if (input.Action is BulkAction.Approve or BulkAction.Reject && unversioned.Count > 0)
        {
            errors.Add(new InputError("versions", $"send the version you loaded of every example to approve or reject; missing for {IdList(unversioned)}"));
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await RequireDatasetAsync(db, datasetId, cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var examples = await db.Examples.Where(e => e.DatasetId == datasetId && ids.Contains(e.Id)).ToListAsync(cancellationToken);
        var missing = ids.Except(examples.Select(e => e.Id)).Order().ToList();
        if (missing.Count > 0)
        {
            throw new StudioValidationException("exampleIds", $"not in this dataset: {IdList(missing)}; nothing was changed");
        }

        var stale = examples.Where(e => input.Versions?.TryGetValue(e.Id, out var seen) == true && seen != e.Version).Select(e => e.Id).Order().ToList();
        if (stale.Count > 0)
        {
            throw BulkConflict(stale);
        }

        var now = Now;
        var reviewer = caller.Actor.UserId;
        foreach (var example in examples)
        {
            switch (input.Action)
            {
                case BulkAction.Approve:
                    example.Approve(reviewer, now);
                    break;
                case BulkAction.Reject:
                    example.Reject(reason, reviewer, now);
                    break;
                case BulkAction.AddTag:
                    example.AddTag(tag, now);
                    break;
                case BulkAction.RemoveTag:
                    example.RemoveTag(tag, now);
                    break;
                case BulkAction.PinSplit:
                    example.PinSplit(input.Split!.Value, now);
                    break;
            }

            AuditLog.Record(db, caller.Actor, now, $"example.bulk.{input.Action.ToString().ToLowerInvariant()}", nameof(Example), example.Id,
                input.Action switch
                {
                    BulkAction.AddTag or BulkAction.RemoveTag => tag,
                    BulkAction.PinSplit => input.Split!.Value.ToString(),
                    _ => example.Status.ToString(),
                });
        }

        foreach (var example in examples.Where(e => input.Versions?.ContainsKey(e.Id) == true))
        {
            db.Entry(example).Property(e => e.Version).OriginalValue = input.Versions![example.Id];
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException e)
        {
            // Changed between our read and our write; the transaction is rolled back on the way out.
            throw BulkConflict(e.Entries.Select(x => x.Entity).OfType<Example>().Select(x => x.Id).Order().ToList());
        }

        await transaction.CommitAsync(cancellationToken);
        return new BulkResult(examples.Count);
    }

    private static ConflictException BulkConflict(IReadOnlyList<int> changed) => new(
        $"Someone changed example{(changed.Count == 1 ? "" : "s")} {IdList(changed)} since you loaded the list; nothing was changed. Reload the list, check them and try again.");

    private static string IdList(IReadOnlyList<int> ids) =>
        $"{string.Join(", ", ids.Take(20))}{(ids.Count > 20 ? $" and {ids.Count - 20} more" : "")}";

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
}
