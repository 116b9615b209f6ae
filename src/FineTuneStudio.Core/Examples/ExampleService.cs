using System.Linq.Expressions;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Examples;

/// <summary>
/// Examples, their annotations and the review workflow: Draft → Submitted → Approved / Rejected (reason).
/// Labelers never receive other labelers' annotations of an example before submitting their own.
/// </summary>
public sealed class ExampleService(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, IExampleFindings findings)
{
    public const int MaxPageSize = 200;
    public const int MaxBulk = 1000;
    public const int MaxIds = 1000;

    private static readonly ExampleStatus[] OpenStatuses = [ExampleStatus.Draft, ExampleStatus.Submitted];

    // ---------- list ----------

    public async Task<ExamplePage> ListAsync(ExampleQuery query, CancellationToken cancellationToken)
    {
        var pageSize = Math.Clamp(query.PageSize, 1, MaxPageSize);
        var page = Math.Max(0, query.Page);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await RequireDatasetAsync(db, query.DatasetId, cancellationToken);

        int[]? withFindings = null;
        if (query.HasFindings || query.Finding is not null)
        {
            // Ids only, from the latest stored run: no example content is loaded. Never analysed: nothing to show.
            withFindings = await findings.ExampleIdsWithFindingsAsync(query.DatasetId, query.Finding, cancellationToken) ?? [];
            if (withFindings.Length == 0)
            {
                return new ExamplePage([], 0, page, pageSize);
            }
        }

        var filtered = Filter(db, query, withFindings);
        var total = await filtered.CountAsync(cancellationToken);
        var sorted = (query.Sort, query.Descending) switch
        {
            (ExampleSort.Updated, false) => filtered.OrderBy(e => e.UpdatedAt).ThenBy(e => e.Id),
            (ExampleSort.Updated, true) => filtered.OrderByDescending(e => e.UpdatedAt).ThenByDescending(e => e.Id),
            (ExampleSort.Status, false) => filtered.OrderBy(e => e.Status).ThenBy(e => e.Id),
            (ExampleSort.Status, true) => filtered.OrderByDescending(e => e.Status).ThenByDescending(e => e.Id),
            (_, true) => filtered.OrderByDescending(e => e.Id),
            _ => filtered.OrderBy(e => e.Id),
        };
        var rows = await sorted.Skip(page * pageSize).Take(pageSize)
            .Select(e => new ExampleRow(
                e.Id,
                e.Status,
                e.Label,
                e.Tags,
                e.Split,
                e.Messages.Where(m => m.Role == MessageRole.User).OrderBy(m => m.Position)
                    .Select(m => m.Content!.Substring(0, 160)).FirstOrDefault() ?? "",
                e.Annotations.Count,
                e.Annotations.Count(a => a.Submitted),
                e.UpdatedAt,
                e.Version))
            .ToListAsync(cancellationToken);
        return new ExamplePage(rows, total, page, pageSize);
    }

    private static IQueryable<Example> Filter(StudioDbContext db, ExampleQuery query, int[]? withFindings)
    {
        var examples = db.Examples.AsNoTracking().Where(e => e.DatasetId == query.DatasetId);
        if (withFindings is not null)
        {
            // One collection parameter (json_each on SQLite, an array on PostgreSQL), however many ids.
            examples = examples.Where(e => withFindings.Contains(e.Id));
        }

        if (query.Ids is { Count: > 0 } ids)
        {
            // The quality page links to the examples behind a finding by id (at most a few hundred).
            var wanted = ids.Distinct().Take(MaxIds).ToList();
            examples = examples.Where(e => wanted.Contains(e.Id));
        }

        if (query.Status is { } status)
        {
            examples = examples.Where(e => e.Status == status);
        }

        if (!string.IsNullOrWhiteSpace(query.Label))
        {
            var label = query.Label.Trim();
            examples = examples.Where(e => e.Label == label);
        }

        if (!string.IsNullOrWhiteSpace(query.Tag))
        {
            var tag = query.Tag.Trim();
            examples = examples.Where(e => e.Tags.Contains(tag));
        }

        if (!string.IsNullOrWhiteSpace(query.LabelerId))
        {
            var labelerId = query.LabelerId;
            examples = examples.Where(e => e.Annotations.Any(a => a.LabelerId == labelerId));
        }

        if (query.Split is { } split)
        {
            examples = examples.Where(e => e.Split == split);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            examples = ExampleSearchFilter.Apply(db, examples, query.Search);
        }

        if (query.NeedsAdjudication)
        {
            examples = NeedingAdjudication(examples);
        }

        return examples;
    }

    /// <summary>The SQL form of <see cref="AnnotationAgreement.Disagree"/> over examples whose required annotations are in.</summary>
    private static IQueryable<Example> NeedingAdjudication(IQueryable<Example> examples) =>
        examples.Where(e => (e.Status == ExampleStatus.Draft || e.Status == ExampleStatus.Submitted)
            && e.Annotations.Count(a => a.Submitted) >= e.Dataset!.RequiredAnnotations
            && (e.Annotations.Where(a => a.Submitted && a.Label != null).Select(a => a.Label).Distinct().Count() > 1
                || e.Annotations.Where(a => a.Submitted && a.Rating != null).Max(a => a.Rating)
                   - e.Annotations.Where(a => a.Submitted && a.Rating != null).Min(a => a.Rating) >= AnnotationAgreement.RatingSpreadThatDisagrees));

    // ---------- one example ----------

    public async Task<ExampleDetail> GetAsync(int id, ExampleCaller caller, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await LoadDetailAsync(db, id, caller, cancellationToken);
    }

    public async Task<ExampleDetail> CreateAsync(int datasetId, ExampleInput input, ExampleCaller caller, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var dataset = await RequireDatasetAsync(db, datasetId, cancellationToken);
        var valid = ExampleValidator.Validate(input, dataset.TaskKind, dataset.Labels);
        var now = Now;
        var example = new Example
        {
            DatasetId = datasetId,
            Source = ExampleSource.Manual,
            Status = valid.Submit ? ExampleStatus.Submitted : ExampleStatus.Draft,
            CreatedById = caller.Actor.UserId,
            CreatedAt = now,
        };
        Apply(example, valid, now);
        db.Examples.Add(example);
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, caller.Actor, now, "example.create", nameof(Example), example.Id, $"dataset {datasetId}, {valid.Messages.Count} messages, {example.Status}");
        await db.SaveChangesAsync(cancellationToken);
        return await LoadDetailAsync(db, example.Id, caller, cancellationToken);
    }

    /// <summary>Saves an edit made on the copy with token <see cref="ExampleInput.Version"/>; a stale token throws <see cref="ExampleConflictException"/>.</summary>
    public async Task<ExampleDetail> UpdateAsync(int id, ExampleInput input, ExampleCaller caller, CancellationToken cancellationToken)
    {
        if (input.Version is not { } loadedVersion)
        {
            throw new StudioValidationException("version", "send the version you loaded, so a newer save is never overwritten");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var example = await db.Examples.Include(e => e.Messages).Include(e => e.Dataset)
            .SingleOrDefaultAsync(e => e.Id == id, cancellationToken) ?? throw new NotFoundException("Example", id);
        if (example.Version != loadedVersion)
        {
            throw new ExampleConflictException(await LoadDetailAsync(db, id, caller, cancellationToken), input);
        }

        if (!caller.CanReview && example.Status == ExampleStatus.Approved)
        {
            throw new StudioValidationException("status", "an approved example can only be changed by a reviewer");
        }

        var valid = ExampleValidator.Validate(input, example.Dataset!.TaskKind, example.Dataset.Labels);
        if (!ExampleCuration.MayCurate(caller, example.Status, example.CreatedById)
            && ExampleCuration.Changes(valid, example.Label, example.Split, example.Tags) is { Count: > 0 } refused)
        {
            throw new StudioValidationException(refused);
        }

        var now = Now;
        Apply(example, valid, now);
        if (valid.Submit)
        {
            example.Status = ExampleStatus.Submitted;
            example.RejectionReason = null;
        }
        else if (example.Status == ExampleStatus.Rejected)
        {
            // Editing a rejected example reopens it.
            example.Status = ExampleStatus.Draft;
        }

        db.Entry(example).Property(e => e.Version).OriginalValue = loadedVersion;
        AuditLog.Record(db, caller.Actor, now, valid.Submit ? "example.submit" : "example.update", nameof(Example), id, $"{valid.Messages.Count} messages, {example.Status}");
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Someone saved between our read and our write.
            await using var fresh = await factory.CreateDbContextAsync(cancellationToken);
            throw new ExampleConflictException(await LoadDetailAsync(fresh, id, caller, cancellationToken), input);
        }

        return await LoadDetailAsync(db, id, caller, cancellationToken);
    }

    public async Task DeleteAsync(int id, ExampleCaller caller, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var example = await db.Examples.SingleOrDefaultAsync(e => e.Id == id, cancellationToken) ?? throw new NotFoundException("Example", id);
        if (!caller.CanReview && !(example.Status == ExampleStatus.Draft && example.CreatedById == caller.Actor.UserId))
        {
            throw new StudioValidationException("status", "labelers may delete only their own drafts; ask a reviewer to remove this example");
        }

        db.Examples.Remove(example);
        AuditLog.Record(db, caller.Actor, Now, "example.delete", nameof(Example), id, $"dataset {example.DatasetId}, {example.Status}");
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The id of the next (or previous) example of the same dataset by id, for next/previous navigation.</summary>
    public async Task<int?> NeighbourAsync(int exampleId, bool forward, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var datasetId = await db.Examples.Where(e => e.Id == exampleId).Select(e => (int?)e.DatasetId).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("Example", exampleId);
        var sameDataset = db.Examples.AsNoTracking().Where(e => e.DatasetId == datasetId);
        return forward
            ? await sameDataset.Where(e => e.Id > exampleId).OrderBy(e => e.Id).Select(e => (int?)e.Id).FirstOrDefaultAsync(cancellationToken)
            : await sameDataset.Where(e => e.Id < exampleId).OrderByDescending(e => e.Id).Select(e => (int?)e.Id).FirstOrDefaultAsync(cancellationToken);
    }

    // ---------- annotations and queue ----------

    /// <summary>The next example that still needs this labeler's annotation, after <paramref name="afterId"/> when given; null when the queue is empty.</summary>
    public async Task<QueueItem?> NextForLabelerAsync(int datasetId, string labelerId, CancellationToken cancellationToken, int? afterId = null)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var dataset = await RequireDatasetAsync(db, datasetId, cancellationToken);
        var open = QueueFor(db, datasetId, labelerId);
        var next = afterId is { } after ? open.Where(e => e.Id > after) : open;
        var nextId = await next.OrderBy(e => e.Id).Select(e => (int?)e.Id).FirstOrDefaultAsync(cancellationToken);
        if (nextId is not { } id)
        {
            return null;
        }

        var remaining = await open.CountAsync(cancellationToken) - 1;
        var caller = new ExampleCaller(new Actor(labelerId, labelerId), CanReview: false);
        // Blind labeling: neither the stored label's answer nor its token count may hint at the label.
        var detail = await LoadDetailAsync(db, id, caller, cancellationToken, withLearnedAnswer: false);
        return new QueueItem(detail, remaining, dataset.Labels, detail.Annotations.FirstOrDefault(a => a.LabelerId == labelerId));
    }

    public async Task<int> QueueLengthAsync(int datasetId, string labelerId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await QueueFor(db, datasetId, labelerId).CountAsync(cancellationToken);
    }

    private static IQueryable<Example> QueueFor(StudioDbContext db, int datasetId, string labelerId) =>
        db.Examples.AsNoTracking().Where(e => e.DatasetId == datasetId
            && (e.Status == ExampleStatus.Draft || e.Status == ExampleStatus.Submitted)
            && e.Annotations.Count(a => a.Submitted) < e.Dataset!.RequiredAnnotations
            && !e.Annotations.Any(a => a.LabelerId == labelerId && a.Submitted));

    /// <summary>
    /// Saves (or submits) the caller's own annotation. A submitted annotation is final. When the last
    /// required annotation comes in the example moves to Submitted; agreeing labels become its label,
    /// disagreeing ones send it to review.
    /// </summary>
    public async Task<AnnotationView> SaveMyAnnotationAsync(int exampleId, AnnotationInput input, ExampleCaller caller, CancellationToken cancellationToken)
    {
        // Two labelers may submit the last annotations at the same moment. Every submit renews the example's
        // version, so the later save fails instead of deciding the example's state from a stale count; it
        // then reads again and decides with both annotations in.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TrySaveMyAnnotationAsync(exampleId, input, caller, cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxAnnotationAttempts)
            {
            }
        }
    }

    private const int MaxAnnotationAttempts = 5;

    private async Task<AnnotationView> TrySaveMyAnnotationAsync(int exampleId, AnnotationInput input, ExampleCaller caller, CancellationToken cancellationToken)
    {
        var userId = caller.UserId;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var example = await db.Examples.Include(e => e.Dataset).Include(e => e.Annotations)
            .SingleOrDefaultAsync(e => e.Id == exampleId, cancellationToken) ?? throw new NotFoundException("Example", exampleId);
        var errors = new List<InputError>();
        var label = string.IsNullOrWhiteSpace(input.Label) ? null : input.Label.Trim();
        if (label is not null)
        {
            ExampleValidator.CheckLabel(label, example.Dataset!.Labels, "label", errors);
        }
        else if (input.Submit && example.Dataset!.TaskKind == TaskKind.Classification)
        {
            errors.Add(new InputError("label", "choose a label before submitting"));
        }

        ExampleValidator.CheckRating(input.Rating, "rating", errors);
        if (input.SecondsSpent is < 0 or > 86_400)
        {
            errors.Add(new InputError("secondsSpent", "must be between 0 and 86400"));
        }

        if ((input.Comment?.Length ?? 0) > 4000)
        {
            errors.Add(new InputError("comment", "a comment may have at most 4000 characters"));
        }

        if (example.Status is ExampleStatus.Approved or ExampleStatus.Rejected)
        {
            errors.Add(new InputError("status", $"the example is already {example.Status.ToString().ToLowerInvariant()}; it takes no more annotations"));
        }

        var mine = example.Annotations.SingleOrDefault(a => a.LabelerId == userId);
        if (mine is { Submitted: true })
        {
            errors.Add(new InputError("annotation", "your annotation of this example is already submitted"));
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        var now = Now;
        if (mine is null)
        {
            mine = new Annotation { LabelerId = userId, CreatedAt = now };
            example.Annotations.Add(mine);
        }

        mine.Label = label;
        mine.Rating = input.Rating;
        mine.CorrectedOutput = string.IsNullOrWhiteSpace(input.CorrectedOutput) ? null : input.CorrectedOutput;
        mine.Comment = input.Comment ?? "";
        mine.SecondsSpent += input.SecondsSpent;
        mine.Submitted = input.Submit;
        mine.UpdatedAt = now;

        var submitted = example.Annotations.Where(a => a.Submitted).Select(a => (a.Label, a.Rating)).ToList();
        if (input.Submit)
        {
            // Saved (with a new version) even when nothing else changes: see SaveMyAnnotationAsync.
            example.UpdatedAt = now;
            db.Entry(example).Property(e => e.UpdatedAt).IsModified = true;
        }

        if (input.Submit && submitted.Count >= example.Dataset!.RequiredAnnotations)
        {
            example.Status = ExampleStatus.Submitted;
            if (!AnnotationAgreement.Disagree(submitted) && AnnotationAgreement.Consensus(submitted) is { } agreed && agreed != example.Label)
            {
                example.Label = agreed;
                // The label is part of the content hash, which duplicate and leakage checks compare.
                await db.Entry(example).Collection(e => e.Messages).LoadAsync(cancellationToken);
                example.ContentHash = ExampleContent.FromEntity(example).ComputeHash();
            }
        }

        AuditLog.Record(db, caller.Actor, now, input.Submit ? "annotation.submit" : "annotation.save", nameof(Example), exampleId,
            $"{mine.SecondsSpent} s spent");
        await db.SaveChangesAsync(cancellationToken);
        return (await AnnotationsQuery(db, exampleId, a => a.LabelerId == userId).ToListAsync(cancellationToken)).Single();
    }

    /// <summary>Reviewers see every annotation; anyone else sees their own, and others' only after submitting their own.</summary>
    public async Task<IReadOnlyList<AnnotationView>> AnnotationsAsync(int exampleId, ExampleCaller caller, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Examples.AnyAsync(e => e.Id == exampleId, cancellationToken))
        {
            throw new NotFoundException("Example", exampleId);
        }

        return await VisibleAnnotationsAsync(db, exampleId, caller, cancellationToken);
    }

    // ---------- review ----------

    /// <summary>Decides on the copy with token <see cref="ReviewInput.Version"/>; a stale token throws <see cref="ExampleConflictException"/>.</summary>
    public async Task<ExampleDetail> ReviewAsync(int exampleId, ReviewInput input, ExampleCaller caller, CancellationToken cancellationToken)
    {
        RequireReviewer(caller);
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
        var now = Now;
        switch (input.Action)
        {
            case ReviewAction.Approve:
                example.Status = ExampleStatus.Approved;
                example.RejectionReason = null;
                break;
            case ReviewAction.Reject:
                var reason = input.Reason?.Trim() ?? "";
                if (reason.Length is 0 or > 1000)
                {
                    errors.Add(new InputError("reason", "say why the example is rejected (1 to 1000 characters)"));
                }

                example.Status = ExampleStatus.Rejected;
                example.RejectionReason = reason;
                break;
            case ReviewAction.Adjudicate:
                var label = string.IsNullOrWhiteSpace(input.Label) ? null : input.Label.Trim();
                if (label is not null)
                {
                    ExampleValidator.CheckLabel(label, example.Dataset!.Labels, "label", errors);
                }
                else if (example.Dataset!.TaskKind == TaskKind.Classification)
                {
                    errors.Add(new InputError("label", "choose the final label"));
                }

                ExampleValidator.CheckRating(input.Rating, "rating", errors);
                example.Label = label;
                example.Rating = input.Rating ?? example.Rating;
                if (!string.IsNullOrWhiteSpace(input.CorrectedOutput))
                {
                    example.CorrectedOutput = input.CorrectedOutput;
                }

                // The label is part of the content hash.
                example.ContentHash = ExampleContent.FromEntity(example).ComputeHash();
                example.Status = ExampleStatus.Approved;
                example.RejectionReason = null;
                break;
            default:
                errors.Add(new InputError("action", "use Approve, Reject or Adjudicate"));
                break;
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        example.ReviewedById = caller.Actor.UserId;
        example.ReviewedAt = now;
        example.UpdatedAt = now;
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
        RequireReviewer(caller);
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
        RequireReviewer(caller);
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
            case BulkAction.Reject when reason.Length is 0 or > 1000:
                errors.Add(new InputError("reason", "say why the examples are rejected (1 to 1000 characters)"));
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
        foreach (var example in examples)
        {
            switch (input.Action)
            {
                case BulkAction.Approve:
                    example.Status = ExampleStatus.Approved;
                    example.RejectionReason = null;
                    example.ReviewedById = caller.Actor.UserId;
                    example.ReviewedAt = now;
                    break;
                case BulkAction.Reject:
                    example.Status = ExampleStatus.Rejected;
                    example.RejectionReason = reason;
                    example.ReviewedById = caller.Actor.UserId;
                    example.ReviewedAt = now;
                    break;
                case BulkAction.AddTag when !example.Tags.Contains(tag, StringComparer.OrdinalIgnoreCase):
                    example.Tags = [.. example.Tags, tag];
                    break;
                case BulkAction.RemoveTag:
                    example.Tags = example.Tags.Where(t => !string.Equals(t, tag, StringComparison.OrdinalIgnoreCase)).ToList();
                    break;
                case BulkAction.PinSplit:
                    example.Split = input.Split!.Value;
                    break;
            }

            example.UpdatedAt = now;
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

    // ---------- helpers ----------

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private static void RequireReviewer(ExampleCaller caller)
    {
        if (!caller.CanReview)
        {
            throw new StudioValidationException("role", "only reviewers (ML lead or admin) may approve, reject, adjudicate or bulk-edit examples");
        }
    }

    private static async Task<Dataset> RequireDatasetAsync(StudioDbContext db, int datasetId, CancellationToken cancellationToken) =>
        await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == datasetId, cancellationToken)
        ?? throw new NotFoundException("Dataset", datasetId);

    private static void Apply(Example example, ExampleInput valid, DateTime now)
    {
        new ExampleContent(valid.Messages, valid.Label, valid.Tags, valid.PreferredCompletion, valid.RejectedCompletion,
            string.IsNullOrWhiteSpace(valid.ToolsJson) ? null : valid.ToolsJson).ApplyTo(example);
        example.Rating = valid.Rating;
        example.CorrectedOutput = string.IsNullOrWhiteSpace(valid.CorrectedOutput) ? null : valid.CorrectedOutput;
        example.Notes = valid.Notes ?? "";
        example.Split = valid.Split;
        example.UpdatedAt = now;
    }

    private static IQueryable<AnnotationView> AnnotationsQuery(StudioDbContext db, int exampleId, Expression<Func<Annotation, bool>>? filter = null) =>
        db.Annotations.AsNoTracking().Where(a => a.ExampleId == exampleId).Where(filter ?? (a => true)).OrderBy(a => a.Id)
            .Select(a => new AnnotationView(a.Id, a.LabelerId,
                a.Labeler!.DisplayName != "" ? a.Labeler.DisplayName : a.Labeler.Email ?? a.LabelerId,
                a.Label, a.Rating, a.CorrectedOutput, a.Comment, a.SecondsSpent, a.Submitted, a.UpdatedAt, a.Version));

    private static async Task<IReadOnlyList<AnnotationView>> VisibleAnnotationsAsync(StudioDbContext db, int exampleId, ExampleCaller caller, CancellationToken cancellationToken)
    {
                if (caller.CanReview)
        {
            return await AnnotationsQuery(db, exampleId).ToListAsync(cancellationToken);
        }

        var userId = caller.Actor.UserId;
        var mine = await AnnotationsQuery(db, exampleId, a => a.LabelerId == userId).ToListAsync(cancellationToken);
        if (mine is not [{ Submitted: true }])
        {
            // Blind until your own judgement is in: agreement stays honest.
            return mine;
        }

        return await AnnotationsQuery(db, exampleId, a => a.LabelerId == userId || a.Submitted).ToListAsync(cancellationToken);
    }

    private static async Task<ExampleDetail> LoadDetailAsync(StudioDbContext db, int id, ExampleCaller caller, CancellationToken cancellationToken,
        bool withLearnedAnswer = true)
    {
        var example = await db.Examples.AsNoTracking().Include(e => e.Messages)
            .SingleOrDefaultAsync(e => e.Id == id, cancellationToken) ?? throw new NotFoundException("Example", id);
        var messages = example.Messages.OrderBy(m => m.Position)
            .Select(m => new MessageContent(m.Role, m.Content, m.Name, m.ToolCallsJson, m.ToolCallId, m.Weight)).ToList();
        // Token figures are what the trainer reads: a label-only example counts the answer its label renders to.
        var answer = withLearnedAnswer ? await LearnedAnswerAsync(db, example, messages, cancellationToken) : null;
        var (perMessage, total) = ExampleTokens.Count(messages);
        if (answer is not null)
        {
            total += ExampleTokens.CountAnswer(answer);
        }

        var annotations = await VisibleAnnotationsAsync(db, id, caller, cancellationToken);
        return new ExampleDetail(example.Id, example.DatasetId, example.Status, example.RejectionReason, messages, perMessage, total,
            example.ToolsJson, example.Label, example.Rating, example.CorrectedOutput, example.Tags, example.Notes,
            example.PreferredCompletion, example.RejectedCompletion, example.Split, example.Source, example.ReviewedById,
            example.ReviewedAt, example.UpdatedAt, example.Version, annotations, answer, example.CreatedById);
    }

    private static async Task<string?> LearnedAnswerAsync(StudioDbContext db, Example example, IReadOnlyList<MessageContent> messages, CancellationToken cancellationToken)
    {
        var dataset = await db.Datasets.AsNoTracking().Where(d => d.Id == example.DatasetId)
            .Select(d => new { d.AnswerStyle, d.AnswerTemplate, d.LabelAnswers }).SingleAsync(cancellationToken);
        return new AnswerTemplate(dataset.AnswerStyle, dataset.AnswerTemplate, dataset.LabelAnswers)
            .AnswerFor(new ExampleContent(messages, example.Label, null, example.PreferredCompletion));
    }
}
