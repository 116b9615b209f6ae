using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Jobs;

namespace FineTuneStudio.Core.Judges;

/// <summary>A judge run over a comparison (any mode) or over one eval run (score and pass/fail).</summary>
public sealed record JudgeRunRequest(int JudgeId, int? ComparisonId, int? EvalRunId);

/// <summary>Items done out of all items; <see cref="Failed"/> of the done ones have no verdict.</summary>
public sealed record JudgeRunProgress(int RunId, EvalRunStatus Status, int Done, int Total, int Failed, string? Error) : IRunProgress
{
    public double Percent => Total == 0 ? 0 : Math.Round(100.0 * Done / Total, 1);

    /// <summary>Pending or Running, but no instance holds the run: the one working on it stopped. It can be resumed.</summary>
    public bool Orphaned { get; init; }
}

/// <summary>Tokens the judge's calls used, and their cost when the endpoint has prices configured.</summary>
public sealed record JudgeRunUsage(long PromptTokens, long CompletionTokens, decimal? CostUsd, double? MeanLatencyMs);

public sealed record JudgeRunSummary(
    int Id,
    int ProjectId,
    int JudgeId,
    string JudgeName,
    int JudgeVersion,
    JudgeMode Mode,
    string Endpoint,
    string Model,
    int? ComparisonId,
    int? EvalRunId,
    /// <summary>The comparison's or the run's name.</summary>
    string Target,
    EvalRunStatus Status,
    string? Error,
    int Items,
    int Done,
    int Failed,
    JudgeRunUsage Usage,
    string CreatedBy,
    DateTime CreatedAt,
    DateTime? CompletedAt);

/// <summary>One item as the judge read it; choices are by run (A is the comparison's baseline, B its candidate).</summary>
public sealed record JudgeVerdictView(
    int ItemId,
    string ExternalId,
    JudgementChoice? AFirst,
    JudgementChoice? BFirst,
    JudgementChoice? Choice,
    bool PositionDependent,
    int? ScoreA,
    int? ScoreB,
    string ReasoningAFirst,
    string ReasoningBFirst,
    bool Failed,
    string? Error,
    int? PromptTokens,
    int? CompletionTokens);

/// <summary>
/// A judge run's tallies: the candidate's (run B's) win rate among the verdicts that picked a side, with a
/// Wilson interval; the position-bias rate (pairwise only); mean scores (score modes).
/// </summary>
public sealed record JudgeRunResults(
    JudgeRunSummary Run,
    int Judged,
    int WinsA,
    int WinsB,
    int Ties,
    int PositionDependent,
    ProportionInterval? CandidateWinRate,
    ProportionInterval? PositionBias,
    double? MeanScoreA,
    double? MeanScoreB,
    IReadOnlyList<JudgeVerdictView> Verdicts);
