using System.Text.Json;
using FineTuneStudio.Core.Domain;

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
    double InferencePricePerMillionInputTokens,
    string AverageTokensSource = "assumed");

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
