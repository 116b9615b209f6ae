using FineTuneStudio.Core.Training;
using System.Text.Json;
using System.Text.Json.Serialization;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Readiness;

/// <summary>
/// Readiness assessments of a project: evaluation against its own evidence, drafts, submission
/// (immutable afterwards), history and comparison.
/// </summary>
public sealed class Assessments(
    IDbContextFactory<StudioDbContext> factory,
    TimeProvider clock,
    TrainingTargetService targets,
    ReadinessEvidenceReader evidenceReader)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Validates, scores and estimates without storing anything.</summary>
    public async Task<ReadinessEvaluation> EvaluateAsync(ReadinessSubmission submission, int? projectId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        ReadinessEvaluator.ValidateSubmission(submission);
        var evidence = projectId is { } id ? await evidenceReader.GatherEvidenceAsync(id, cancellationToken) : new ReadinessEvidence();
        var all = await targets.ListAsync(cancellationToken);
        return ReadinessEvaluator.Evaluate(submission, evidence, all, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
    }

    /// <summary>The caller's latest draft for the project, to resume the wizard; null when there is none.</summary>
    public async Task<AssessmentDetail?> GetDraftAsync(int projectId, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var id = await db.Assessments.AsNoTracking()
            .Where(a => a.ProjectId == projectId && a.Status == AssessmentStatus.Draft && a.CreatedById == actor.UserId)
            .OrderByDescending(a => a.CreatedAt).ThenByDescending(a => a.Id).Select(a => (int?)a.Id)
            .FirstOrDefaultAsync(cancellationToken);
        return id is { } found ? await GetAsync(projectId, found, cancellationToken) : null;
    }

    /// <summary>Creates a draft or updates one in place. Submitted assessments cannot be changed.</summary>
    public async Task<int> SaveDraftAsync(int projectId, int? draftId, ReadinessSubmission submission, Actor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        ReadinessEvaluator.ValidateSubmission(submission);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await ReadinessEvidenceReader.EnsureProjectAsync(db, projectId, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        ReadinessAssessment draft;
        if (draftId is { } id)
        {
            draft = await LoadDraftAsync(db, projectId, id, cancellationToken);
        }
        else
        {
            draft = new ReadinessAssessment
            {
                ProjectId = projectId,
                Status = AssessmentStatus.Draft,
                CreatedById = actor.UserId,
                CreatedByName = actor.Name,
                CreatedAt = now,
            };
            db.Assessments.Add(draft);
        }

        draft.AnswersJson = JsonSerializer.Serialize(submission.Answers, Json);
        draft.TargetKey = ReadinessEvaluator.Trimmed(submission.TargetKey);
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, actor, now, draftId is null ? "assessment.draft.create" : "assessment.draft.update", nameof(ReadinessAssessment), draft.Id,
            FormattableString.Invariant($"project {projectId}, {submission.Answers.Count} answers"));
        await db.SaveChangesAsync(cancellationToken);
        return draft.Id;
    }

    /// <summary>
    /// Scores and stores an assessment. With a draft id the draft becomes the submitted row;
    /// otherwise a new row is added. Invalid answers throw and nothing is stored.
    /// </summary>
    public async Task<AssessmentDetail> SubmitAsync(int projectId, ReadinessSubmission submission, Actor actor, CancellationToken cancellationToken, int? draftId = null)
    {
        var evaluation = await EvaluateAsync(submission, projectId, cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        ReadinessAssessment row;
        if (draftId is { } id)
        {
            row = await LoadDraftAsync(db, projectId, id, cancellationToken);
        }
        else
        {
            row = new ReadinessAssessment { ProjectId = projectId, CreatedById = actor.UserId, CreatedByName = actor.Name, CreatedAt = now };
            db.Assessments.Add(row);
        }

        row.Status = AssessmentStatus.Submitted;
        row.AnswersJson = JsonSerializer.Serialize(submission.Answers, Json);
        row.ResultJson = JsonSerializer.Serialize(evaluation.Result, Json);
        row.EstimateJson = JsonSerializer.Serialize(evaluation with { Result = EmptyResult }, Json);
        row.Verdict = evaluation.Result.Verdict.ToString();
        row.OverallScore = evaluation.Result.OverallScore;
        row.TargetKey = evaluation.Estimate.TargetKey;
        row.SubmittedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, actor, now, "assessment.submit", nameof(ReadinessAssessment), row.Id,
            FormattableString.Invariant($"project {projectId}: {row.Verdict}, score {row.OverallScore}"));
        await db.SaveChangesAsync(cancellationToken);
        return await GetAsync(projectId, row.Id, cancellationToken);
    }

    /// <summary>Deletes the caller's draft (a fresh start). Submitted assessments are kept.</summary>
    public async Task DiscardDraftAsync(int projectId, int draftId, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var draft = await LoadDraftAsync(db, projectId, draftId, cancellationToken);
        db.Assessments.Remove(draft);
        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "assessment.draft.delete", nameof(ReadinessAssessment), draftId, $"project {projectId}");
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Submitted assessments of a project, oldest first (the order of the trend chart).</summary>
    public async Task<IReadOnlyList<AssessmentSummary>> ListAsync(int projectId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await ReadinessEvidenceReader.EnsureProjectAsync(db, projectId, cancellationToken);
        var rows = await db.Assessments.AsNoTracking()
            .Where(a => a.ProjectId == projectId && a.Status == AssessmentStatus.Submitted)
            .OrderBy(a => a.SubmittedAt).ThenBy(a => a.Id)
            .ToListAsync(cancellationToken);
        return rows.Select(Summarize).ToList();
    }

    public async Task<AssessmentDetail> GetAsync(int projectId, int assessmentId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var row = await db.Assessments.AsNoTracking().Include(a => a.Project)
            .SingleOrDefaultAsync(a => a.Id == assessmentId && a.ProjectId == projectId, cancellationToken)
            ?? throw new NotFoundException("Assessment", assessmentId);
        var answers = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(row.AnswersJson, Json) ?? [];
        ReadinessEvaluation? evaluation = null;
        if (row.Status == AssessmentStatus.Submitted && row.ResultJson is not null && row.EstimateJson is not null)
        {
            var stored = JsonSerializer.Deserialize<ReadinessEvaluation>(row.EstimateJson, Json)!;
            evaluation = stored with { Result = JsonSerializer.Deserialize<ReadinessResult>(row.ResultJson, Json)! };
        }

        return new AssessmentDetail(Summarize(row), row.Project?.Name ?? "", answers, evaluation);
    }

    public async Task<AssessmentComparison> CompareAsync(int projectId, int firstId, int secondId, CancellationToken cancellationToken)
    {
        var a = await GetAsync(projectId, firstId, cancellationToken);
        var b = await GetAsync(projectId, secondId, cancellationToken);
        if (a.Evaluation is null || b.Evaluation is null)
        {
            throw new StudioValidationException("assessment", "Only submitted assessments can be compared.");
        }

        var dimensions = Enum.GetValues<ReadinessDimension>()
            .Select(d => new DimensionDelta(d, a.Evaluation.Result.ScoreOf(d), b.Evaluation.Result.ScoreOf(d), b.Evaluation.Result.ScoreOf(d) - a.Evaluation.Result.ScoreOf(d)))
            .ToList();
        var factsA = ReadinessFacts.From(a.Answers);
        var factsB = ReadinessFacts.From(b.Answers);
        var changes = ReadinessQuestionnaire.Questions
            .Select(q => new AnswerChange(q.Id, q.Text, factsA.Describe(q.Id), factsB.Describe(q.Id)))
            .Where(c => c.AnswerA != c.AnswerB)
            .ToList();
        return new AssessmentComparison(a.Summary, b.Summary, dimensions, changes);
    }


    private static async Task<ReadinessAssessment> LoadDraftAsync(StudioDbContext db, int projectId, int draftId, CancellationToken cancellationToken)
    {
        var row = await db.Assessments.SingleOrDefaultAsync(a => a.Id == draftId && a.ProjectId == projectId, cancellationToken)
            ?? throw new NotFoundException("Assessment", draftId);
        if (row.Status != AssessmentStatus.Draft)
        {
            throw new ConflictException($"Assessment {draftId} is submitted and cannot be changed; start a new assessment instead.");
        }

        return row;
    }

    private static AssessmentSummary Summarize(ReadinessAssessment row)
    {
        IReadOnlyList<ReadinessDimensionScore> scores = row.ResultJson is null
            ? []
            : JsonSerializer.Deserialize<ReadinessResult>(row.ResultJson, Json)!.DimensionScores;
        ReadinessVerdict? verdict = Enum.TryParse<ReadinessVerdict>(row.Verdict, out var v) ? v : null;
        return new AssessmentSummary(row.Id, row.ProjectId, row.Status, verdict, row.OverallScore, scores, row.TargetKey, row.CreatedByName, row.CreatedAt, row.SubmittedAt);
    }

    // The result is stored in its own column; the estimate column keeps everything else.
    private static readonly ReadinessResult EmptyResult = new(ReadinessVerdict.NotReadyYet, "", 0, [], [], [], [], []);
}
