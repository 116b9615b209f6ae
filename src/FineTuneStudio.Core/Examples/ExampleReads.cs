using System.Linq.Expressions;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Training;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Examples;

/// <summary>
/// The reads the example services share: one example as the editor shows it, the annotations a caller may see,
/// and which examples need adjudication. Each runs on the caller's context.
/// </summary>
internal static class ExampleReads
{
    public static async Task<Dataset> RequireDatasetAsync(StudioDbContext db, int datasetId, CancellationToken cancellationToken) =>
        await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == datasetId, cancellationToken)
        ?? throw new NotFoundException("Dataset", datasetId);

    /// <summary>The SQL form of <see cref="AnnotationAgreement.Disagree"/> over examples whose required annotations are in.</summary>
    public static IQueryable<Example> NeedingAdjudication(IQueryable<Example> examples) =>
        examples.Where(e => (e.Status == ExampleStatus.Draft || e.Status == ExampleStatus.Submitted)
            && e.Annotations.Count(a => a.Submitted) >= e.Dataset!.RequiredAnnotations
            && (e.Annotations.Where(a => a.Submitted && a.Label != null).Select(a => a.Label).Distinct().Count() > 1
                || e.Annotations.Where(a => a.Submitted && a.Rating != null).Max(a => a.Rating)
                   - e.Annotations.Where(a => a.Submitted && a.Rating != null).Min(a => a.Rating) >= AnnotationAgreement.RatingSpreadThatDisagrees));

    public static IQueryable<AnnotationView> AnnotationsQuery(StudioDbContext db, int exampleId, Expression<Func<Annotation, bool>>? filter = null) =>
        db.Annotations.AsNoTracking().Where(a => a.ExampleId == exampleId).Where(filter ?? (a => true)).OrderBy(a => a.Id)
            .Select(a => new AnnotationView(a.Id, a.LabelerId,
                a.Labeler!.DisplayName != "" ? a.Labeler.DisplayName : a.Labeler.Email ?? a.LabelerId,
                a.Label, a.Rating, a.CorrectedOutput, a.Comment, a.SecondsSpent, a.Submitted, a.UpdatedAt, a.Version, a.SuggestedLabel, a.SuggestionSource));

    /// <summary>Reviewers see every annotation; anyone else sees their own, and others' only after submitting their own.</summary>
    public static async Task<IReadOnlyList<AnnotationView>> VisibleAnnotationsAsync(StudioDbContext db, int exampleId, ExampleCaller caller, CancellationToken cancellationToken)
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

    public static async Task<ExampleDetail> LoadDetailAsync(StudioDbContext db, int id, ExampleCaller caller, CancellationToken cancellationToken,
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
