namespace FineTuneStudio.Core.Readiness;

/// <summary>
/// Ordered from "stop" to "go". Gates pick one of the first four; otherwise the score and the
/// limits decide between the last two (or NotReadyYet when the score is too low).
/// </summary>
public enum ReadinessVerdict
{
    NotReadyYet,
    UsePromptEngineering,
    UseRag,
    RagAndPromptingFirst,
    FineTuningPilot,
    ReadyToFineTune,
}

/// <summary>The part of the app a next step links to.</summary>
public enum StudioArea { Readiness, Examples, Quality, Versions, Evaluation, Admin }

public enum ReadinessReasonKind
{
    /// <summary>Adds points to its dimension.</summary>
    Strength,

    /// <summary>Gives no or negative points: something to improve.</summary>
    Concern,

    /// <summary>A hard gate that decided the verdict whatever the scores.</summary>
    Gate,

    /// <summary>Holds the verdict at a fine-tuning pilot at most.</summary>
    Limit,
}

public sealed record ReadinessReason(
    string RuleId,
    string QuestionId,
    ReadinessDimension Dimension,
    ReadinessReasonKind Kind,
    int Points,
    string Answer,
    string Text);

public sealed record ReadinessBlocker(string RuleId, string QuestionId, string Text);

public sealed record ReadinessNextStep(int Order, StudioArea Area, string Text, string QuestionId, string RuleId);

public sealed record ReadinessDimensionScore(ReadinessDimension Dimension, int Score, int Weight);

public sealed record ReadinessResult(
    ReadinessVerdict Verdict,
    string VerdictExplanation,
    int OverallScore,
    IReadOnlyList<ReadinessDimensionScore> DimensionScores,
    IReadOnlyList<ReadinessReason> Reasons,
    IReadOnlyList<ReadinessBlocker> Blockers,
    IReadOnlyList<ReadinessNextStep> NextSteps,
    IReadOnlyList<EvidenceUse> EvidenceUses)
{
    public int ScoreOf(ReadinessDimension dimension) => DimensionScores.Single(d => d.Dimension == dimension).Score;
}
