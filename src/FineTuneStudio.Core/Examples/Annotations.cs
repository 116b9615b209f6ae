using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Examples.ExampleReads;

namespace FineTuneStudio.Core.Examples;

/// <summary>
/// Labeling: each labeler's queue, their own annotation of an example, and who sees whose annotations.
/// Labelers never receive other labelers' annotations of an example before submitting their own. When the
/// required annotations are in, agreeing labels become the example's label; disagreeing ones go to review.
/// </summary>
public sealed class Annotations(IDbContextFactory<StudioDbContext> factory, TimeProvider clock)
{
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

        StorableText.Check(input.Label, "label", errors);
        StorableText.Check(input.CorrectedOutput, "correctedOutput", errors);
        StorableText.Check(input.Comment, "comment", errors);
        if ((input.Comment?.Length ?? 0) > 4000)
        {
            errors.Add(new InputError("comment", "a comment may have at most 4000 characters"));
        }

        if (!example.TakesAnnotations)
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
            mine = Annotation.Start(userId, now);
            example.Annotations.Add(mine);
        }

        if (mine.Label is null && label is not null)
        {
            // The editor shows the example's suggestion while the labeler has no label of their own; the annotation
            // keeps the one standing when they first chose, so quality can compare work done with and without one.
            var shown = await db.LabelSuggestions.AsNoTracking().Where(s => s.ExampleId == exampleId)
                .Select(s => new { s.Label, s.Source }).FirstOrDefaultAsync(cancellationToken);
            mine.RecordShownSuggestion(shown?.Label, shown?.Source);
        }

        mine.Record(label, input.Rating, input.CorrectedOutput, input.Comment ?? "", input.SecondsSpent, input.Submit, now);
        if (input.Submit)
        {
            // Saved (with a new version) even when nothing else changes: see SaveMyAnnotationAsync.
            example.AnnotationSubmitted(now);
            var submitted = example.Annotations.Where(a => a.Submitted).Select(a => (a.Label, a.Rating)).ToList();
            if (submitted.Count >= example.Dataset!.RequiredAnnotations)
            {
                var agreed = AnnotationAgreement.Disagree(submitted) ? null : AnnotationAgreement.Consensus(submitted);
                if (agreed is not null && agreed != example.Label)
                {
                    // The label is hashed with the messages.
                    await db.Entry(example).Collection(e => e.Messages).LoadAsync(cancellationToken);
                }

                example.AnnotationsComplete(agreed, now);
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

    private DateTime Now => clock.GetUtcNow().UtcDateTime;
}
