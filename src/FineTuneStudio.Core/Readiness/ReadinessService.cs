using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Quality;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Readiness;

/// <summary>Answers plus the estimate inputs the questionnaire does not ask (both optional).</summary>
/// <param name="TargetKey">A training-target key; when null the training-target answer is tried, then the default.</param>
public sealed record ReadinessSubmission(
    Dictionary<string, JsonElement> Answers,
    string? TargetKey = null,
    int? AverageTokensPerExample = null,
    double? InferencePricePerMillionInputTokens = null);

/// <summary>Shown when the chosen training target is closing or closed.</summary>
public sealed record TargetWarning(string TargetKey, string TargetName, string Status, DateOnly? ClosesOn, string Text, string Alternatives);

/// <summary>Everything one evaluation produced; stored with a submitted assessment.</summary>
public sealed record ReadinessEvaluation(
    ReadinessResult Result,
    ReadinessEstimate Estimate,
    ReadinessEvidence Evidence,
    TargetWarning? TargetWarning,
    int AverageTokensPerExample,
    double InferencePricePerMillionInputTokens);

public sealed record AssessmentSummary(
    int Id,
    int ProjectId,
    AssessmentStatus Status,
    ReadinessVerdict? Verdict,
    int? OverallScore,
    IReadOnlyList<ReadinessDimensionScore> DimensionScores,
    string? TargetKey,
    string CreatedByName,
    DateTime CreatedAt,
    DateTime? SubmittedAt);

public sealed record AssessmentDetail(
    AssessmentSummary Summary,
    string ProjectName,
    Dictionary<string, JsonElement> Answers,
    ReadinessEvaluation? Evaluation);

public sealed record DimensionDelta(ReadinessDimension Dimension, int ScoreA, int ScoreB, int Change);

public sealed record AnswerChange(string QuestionId, string Question, string AnswerA, string AnswerB);

public sealed record AssessmentComparison(
    AssessmentSummary A,
    AssessmentSummary B,
    IReadOnlyList<DimensionDelta> Dimensions,
    IReadOnlyList<AnswerChange> AnswerChanges);

public sealed record ReadinessReport(string FileName, string Markdown);

/// <summary>
/// Readiness assessments of a project: evidence from its own data, drafts, submission (immutable
/// afterwards), history, comparison and the Markdown report.
/// </summary>
public sealed class ReadinessService(
    IDbContextFactory<StudioDbContext> factory,
    TimeProvider clock,
    TrainingTargetService targets)
{
    /// <summary>An assumed example length when none is given: a short prompt, input and answer.</summary>
    public const int DefaultAverageTokensPerExample = 500;

    /// <summary>Example input price of a small hosted model, USD per million tokens; edit per contract.</summary>
    public const double DefaultInferencePricePerMillionInputTokens = 0.15;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private static readonly string[] BaselineScoreKeys = ["score", "accuracy", "exactMatch", "exact_match", "passRate", "pass_rate"];

    /// <summary>
    /// Measures what the project's data shows. An area the project has not used yet (no examples, no
    /// eval sets) stays "not measured", so a team whose data lives elsewhere is not scored as zero.
    /// </summary>
    public async Task<ReadinessEvidence> GatherEvidenceAsync(int projectId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await EnsureProjectAsync(db, projectId, cancellationToken);

        var examples = db.Examples.AsNoTracking().Where(e => e.Dataset!.ProjectId == projectId);
        var hasExamples = await examples.AnyAsync(cancellationToken);
        int? approved = null, labelers = null, versions = null;
        double? kappa = null, medianSeconds = null;
        if (hasExamples)
        {
            approved = await examples.CountAsync(e => e.Status == ExampleStatus.Approved, cancellationToken);
            var submitted = db.Annotations.AsNoTracking().Where(a => a.Submitted && a.Example!.Dataset!.ProjectId == projectId);
            labelers = await submitted.Select(a => a.LabelerId).Distinct().CountAsync(cancellationToken);
            versions = await db.DatasetVersions.AsNoTracking().CountAsync(v => v.Dataset!.ProjectId == projectId, cancellationToken);

            // Only ids, labels and seconds are read: small per row, never example text.
            var ratings = new List<AgreementRating>();
            var seconds = new List<int>();
            await foreach (var a in submitted.Select(a => new { a.ExampleId, a.LabelerId, a.Label, a.SecondsSpent }).AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                if (!string.IsNullOrWhiteSpace(a.Label))
                {
                    ratings.Add(new AgreementRating(a.ExampleId.ToString(CultureInfo.InvariantCulture), a.LabelerId, a.Label));
                }

                if (a.SecondsSpent > 0)
                {
                    seconds.Add(a.SecondsSpent);
                }
            }

            kappa = Kappa(AgreementCalculator.Summarize(ratings));
            medianSeconds = Median(seconds);
        }

        int? evalSets = await db.EvalSets.AsNoTracking().CountAsync(s => s.ProjectId == projectId, cancellationToken);
        int? evalItems = null, baselineRuns = null;
        double? baselineScore = null;
        if (evalSets > 0)
        {
            evalItems = await db.EvalItems.AsNoTracking().CountAsync(i => db.EvalSets.Any(s => s.Id == i.EvalSetId && s.ProjectId == projectId), cancellationToken);
            var baselines = db.EvalRuns.AsNoTracking()
                .Where(r => r.IsBaseline && r.Status == EvalRunStatus.Completed && r.EvalSet!.ProjectId == projectId);
            baselineRuns = await baselines.CountAsync(cancellationToken);
            var latest = await baselines.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Select(r => r.SummaryJson).FirstOrDefaultAsync(cancellationToken);
            baselineScore = BaselineScore(latest);
        }
        else
        {
            evalSets = null;
        }

        // Duplicate and conflict shares come from the stored quality runs: analysing here would make
        // every assessment as slow as a full quality report.
        var quality = await new QualityService(factory, clock).EvidenceAsync(projectId, cancellationToken);

        return new ReadinessEvidence(
            ApprovedExamples: approved,
            Labelers: labelers,
            AgreementKappa: kappa,
            EvalSets: evalSets,
            EvalItems: evalItems,
            BaselineRuns: baselineRuns,
            BaselineScore: baselineScore,
            DatasetVersions: versions,
            DuplicateShare: quality.DuplicateShare,
            ConflictShare: quality.ConflictShare,
            MedianSecondsPerExample: medianSeconds);
    }

    /// <summary>Validates, scores and estimates without storing anything.</summary>
    public async Task<ReadinessEvaluation> EvaluateAsync(ReadinessSubmission submission, int? projectId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(submission);
        ValidateSubmission(submission);
        var evidence = projectId is { } id ? await GatherEvidenceAsync(id, cancellationToken) : new ReadinessEvidence();
        var all = await targets.ListAsync(cancellationToken);
        return Evaluate(submission, evidence, all, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
    }

    /// <summary>The pure part of an evaluation: validate, pick the target, score and estimate.</summary>
    public static ReadinessEvaluation Evaluate(ReadinessSubmission submission, ReadinessEvidence evidence, IReadOnlyList<TrainingTargetView> targetTable, DateOnly today)
    {
        ArgumentNullException.ThrowIfNull(submission);
        ValidateSubmission(submission);
        var target = ResolveTarget(submission, targetTable);
        var averageTokens = submission.AverageTokensPerExample ?? DefaultAverageTokensPerExample;
        var inferencePrice = submission.InferencePricePerMillionInputTokens ?? DefaultInferencePricePerMillionInputTokens;
        var result = new ReadinessScorer().Score(submission.Answers, evidence);
        var estimate = ReadinessEstimator.Estimate(submission.Answers, evidence, target.ToPrice(),
            new ReadinessEstimateAssumptions(averageTokens, (decimal)inferencePrice, Today: today));
        return new ReadinessEvaluation(result, estimate, evidence, WarningFor(target, today), averageTokens, inferencePrice);
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
        ValidateSubmission(submission);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await EnsureProjectAsync(db, projectId, cancellationToken);
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
        draft.TargetKey = Trimmed(submission.TargetKey);
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
        await EnsureProjectAsync(db, projectId, cancellationToken);
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

    public async Task<ReadinessReport> ReportAsync(int projectId, int assessmentId, CancellationToken cancellationToken)
    {
        var detail = await GetAsync(projectId, assessmentId, cancellationToken);
        if (detail.Evaluation is not { } evaluation)
        {
            throw new StudioValidationException("assessment", "A draft has no report yet; submit it first.");
        }

        var markdown = ReportMarkdown(detail.ProjectName, detail.Summary.SubmittedAt ?? detail.Summary.CreatedAt, evaluation);
        var fileName = FormattableString.Invariant($"readiness-{Slug(detail.ProjectName)}-{assessmentId}.md");
        return new ReadinessReport(fileName, markdown);
    }

    /// <summary>The report writer's document with the target warning and the raw measurements added before the next steps.</summary>
    public static string ReportMarkdown(string projectName, DateTime assessedAtUtc, ReadinessEvaluation evaluation)
    {
        var markdown = new ReadinessReportWriter().ToMarkdown(projectName, assessedAtUtc, evaluation.Result, evaluation.Estimate);
        var extra = new StringBuilder();
        if (evaluation.TargetWarning is { } warning)
        {
            extra.Append("## Training target warning\n\n").Append(warning.Text).Append('\n');
            if (warning.Alternatives.Length > 0)
            {
                extra.Append('\n').Append(warning.Alternatives).Append('\n');
            }

            extra.Append('\n');
        }

        var measured = MeasuredLines(evaluation.Evidence);
        extra.Append("## Measured in the project\n\n");
        extra.Append(measured.Count == 0 ? "Nothing measured: the project has no examples or evaluation sets yet.\n" : string.Concat(measured.Select(m => $"- {m.Label}: {m.Value}\n")));
        extra.Append('\n');

        var at = markdown.IndexOf("## Next steps", StringComparison.Ordinal);
        return at < 0 ? markdown + "\n" + extra : markdown.Insert(at, extra.ToString());
    }

    /// <summary>
    /// Reads a submission from JSON: either an object of answers keyed by question id, or
    /// {"answers": {...}, "targetKey": ..., "averageTokensPerExample": ..., "inferencePricePerMillionInputTokens": ...}.
    /// </summary>
    public static ReadinessSubmission ParseSubmission(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new StudioValidationException("answers", "Expected a JSON object of answers keyed by question id.");
        }

        if (!root.TryGetProperty("answers", out var answers))
        {
            return new ReadinessSubmission(ToAnswers(root));
        }

        if (answers.ValueKind != JsonValueKind.Object)
        {
            throw new StudioValidationException("answers", "Expected an object keyed by question id.");
        }

        string? targetKey = null;
        int? tokens = null;
        double? price = null;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "answers":
                    break;
                case "targetKey":
                    targetKey = property.Value.ValueKind switch
                    {
                        JsonValueKind.String => property.Value.GetString(),
                        JsonValueKind.Null => null,
                        _ => throw new StudioValidationException("targetKey", "Expected a training-target key as a string."),
                    };
                    break;
                case "averageTokensPerExample":
                    tokens = property.Value.ValueKind == JsonValueKind.Null ? null
                        : property.Value.TryGetInt32(out var t) ? t
                        : throw new StudioValidationException("averageTokensPerExample", "Expected a whole number.");
                    break;
                case "inferencePricePerMillionInputTokens":
                    price = property.Value.ValueKind == JsonValueKind.Null ? null
                        : property.Value.ValueKind == JsonValueKind.Number ? property.Value.GetDouble()
                        : throw new StudioValidationException("inferencePricePerMillionInputTokens", "Expected a number.");
                    break;
                default:
                    throw new StudioValidationException(property.Name, "Unknown field; expected answers, targetKey, averageTokensPerExample or inferencePricePerMillionInputTokens.");
            }
        }

        return new ReadinessSubmission(ToAnswers(answers), targetKey, tokens, price);
    }

    private static Dictionary<string, JsonElement> ToAnswers(JsonElement obj) =>
        obj.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal);

    /// <summary>The evidence as labelled lines, for pages and the report; unmeasured values are left out.</summary>
    public static IReadOnlyList<(string Label, string Value)> MeasuredLines(ReadinessEvidence e)
    {
        var lines = new List<(string, string)>();
        void Add(string label, string? value)
        {
            if (value is not null)
            {
                lines.Add((label, value));
            }
        }

        var c = CultureInfo.InvariantCulture;
        Add("Approved examples", e.ApprovedExamples?.ToString("#,0", c));
        Add("Labelers with submitted annotations", e.Labelers?.ToString("#,0", c));
        Add("Labeler agreement (kappa)", e.AgreementKappa?.ToString("0.00", c));
        Add("Evaluation sets", e.EvalSets?.ToString("#,0", c));
        Add("Evaluation items", e.EvalItems?.ToString("#,0", c));
        Add("Baseline runs", e.BaselineRuns?.ToString("#,0", c));
        Add("Latest baseline score", e.BaselineScore?.ToString("0.###", c));
        Add("Dataset versions", e.DatasetVersions?.ToString("#,0", c));
        Add("Median labeling time", e.MedianSecondsPerExample is { } s ? s.ToString("0", c) + " seconds per annotation" : null);
        return lines;
    }

    /// <summary>What the project measured for one question, in words, to show beside the answer; null when nothing is measured.</summary>
    public static string? MeasuredHint(string questionId, ReadinessEvidence e)
    {
        var c = CultureInfo.InvariantCulture;
        return questionId switch
        {
            ReadinessQuestionIds.HighQualityExamples when e.ApprovedExamples is { } n => string.Create(c, $"{n:#,0} approved examples in this project"),
            ReadinessQuestionIds.LabelerCount when e.Labelers is { } n => string.Create(c, $"{n} people have submitted annotations"),
            ReadinessQuestionIds.Consistency when e.AgreementKappa is { } k => string.Create(c, $"agreement measured: kappa {k:0.00}"),
            ReadinessQuestionIds.EvalSet or ReadinessQuestionIds.EvalSetSize when e.EvalSets is { } sets => string.Create(c, $"{sets} evaluation sets with {e.EvalItems ?? 0:#,0} items"),
            ReadinessQuestionIds.Baseline when e.BaselineRuns is { } runs => e.BaselineScore is { } score
                ? string.Create(c, $"{runs} baseline runs, latest score {score:0.###}")
                : string.Create(c, $"{runs} baseline runs recorded"),
            ReadinessQuestionIds.MinutesPerExample when e.MedianSecondsPerExample is { } secs => string.Create(c, $"median {secs:0} seconds per annotation"),
            _ => null,
        };
    }

    /// <summary>Fleiss' kappa when every item has as many ratings; else Cohen's kappa per pair, weighted by shared items.</summary>
    public static double? Kappa(AgreementSummary summary)
    {
        if (summary.FleissKappa is { } fleiss)
        {
            return fleiss;
        }

        var pairs = summary.Pairs.Where(p => p.Kappa is not null && p.SharedItems > 0).ToList();
        var shared = pairs.Sum(p => p.SharedItems);
        return shared == 0 ? null : pairs.Sum(p => p.Kappa!.Value * p.SharedItems) / shared;
    }

    public static double? Median(IReadOnlyList<int> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2.0;
    }

    /// <summary>A 0–1 score from a run summary, if it has one under a usual name.</summary>
    public static double? BaselineScore(string? summaryJson)
    {
        if (string.IsNullOrWhiteSpace(summaryJson))
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(summaryJson);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            foreach (var key in BaselineScoreKeys)
            {
                if (doc.RootElement.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Number
                    && value.TryGetDouble(out var score) && score is >= 0 and <= 1)
                {
                    return score;
                }
            }
        }
        catch (JsonException)
        {
            // A summary that is not JSON has no score; the run still counts.
        }

        return null;
    }

    private static void ValidateSubmission(ReadinessSubmission submission)
    {
        var errors = new List<InputError>(new ReadinessAnswerValidator().Validate(submission.Answers ?? throw new StudioValidationException("answers", "Expected an object of answers keyed by question id.")));
        if (submission.AverageTokensPerExample is < 1 or > 1_000_000)
        {
            errors.Add(new InputError("averageTokensPerExample", "Expected a whole number from 1 to 1,000,000."));
        }

        if (submission.InferencePricePerMillionInputTokens is { } price && (!double.IsFinite(price) || price < 0 || price > 100_000))
        {
            errors.Add(new InputError("inferencePricePerMillionInputTokens", "Expected a price from 0 to 100,000 USD per million tokens."));
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }
    }

    private static TrainingTargetView ResolveTarget(ReadinessSubmission submission, IReadOnlyList<TrainingTargetView> table)
    {
        TrainingTargetView? Find(string? key) => string.IsNullOrWhiteSpace(key)
            ? null
            : table.FirstOrDefault(t => string.Equals(t.Key, key.Trim(), StringComparison.OrdinalIgnoreCase));

        if (Trimmed(submission.TargetKey) is { } key)
        {
            return Find(key) ?? throw new StudioValidationException("targetKey", $"There is no training target '{key}'. Choose one of: {string.Join(", ", table.Select(t => t.Key))}.");
        }

        // The questionnaire's answer is free text: a key from the table is used, anything else falls back to the default.
        if (submission.Answers.TryGetValue(ReadinessQuestionIds.TrainingTarget, out var answer) && answer.ValueKind == JsonValueKind.String
            && Find(answer.GetString()) is { } answered)
        {
            return answered;
        }

        return Find(TrainingTargetService.DefaultTargetKey) ?? table[0];
    }

    private static TargetWarning? WarningFor(TrainingTargetView target, DateOnly today)
    {
        if (!target.IsClosingOrClosed)
        {
            return null;
        }

        var date = target.ClosesOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var text = target.Status == TrainingTargetService.Closed || (target.ClosesOn is { } closed && closed <= today)
            ? $"{target.Name} no longer accepts new training jobs{(date is null ? "" : $" (since {date})")}. Choose another target before preparing data for it."
            : $"{target.Name} stops accepting new training jobs on {date}. A model trained there cannot be retrained there after that day, so plan the retraining cadence elsewhere.";
        return new TargetWarning(target.Key, target.Name, target.Status, target.ClosesOn, text, target.Alternatives);
    }

    private static async Task EnsureProjectAsync(StudioDbContext db, int projectId, CancellationToken cancellationToken)
    {
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException("Project", projectId);
        }
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

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Slug(string name)
    {
        var sb = new StringBuilder();
        foreach (var ch in name.ToLowerInvariant())
        {
            sb.Append(char.IsAsciiLetterOrDigit(ch) ? ch : '-');
        }

        var slug = string.Join('-', sb.ToString().Split('-', StringSplitOptions.RemoveEmptyEntries));
        return slug.Length == 0 ? "project" : slug[..Math.Min(slug.Length, 60)];
    }

    // The result is stored in its own column; the estimate column keeps everything else.
    private static readonly ReadinessResult EmptyResult = new(ReadinessVerdict.NotReadyYet, "", 0, [], [], [], [], []);
}
