namespace FineTuneStudio.Core.Readiness;

/// <summary>
/// What the project's own data shows. Null means "not measured"; a measured value, zero included,
/// replaces the matching self-reported answer when scoring.
/// </summary>
/// <param name="ApprovedExamples">Examples in status Approved.</param>
/// <param name="Labelers">Distinct people who annotated examples.</param>
/// <param name="AgreementKappa">Inter-annotator agreement (Cohen's or Fleiss' kappa), -1 to 1.</param>
/// <param name="EvalSets">Held-out evaluation sets.</param>
/// <param name="EvalItems">Items with an expected answer over all evaluation sets.</param>
/// <param name="BaselineRuns">Completed evaluation runs of the current (untrained) approach.</param>
/// <param name="BaselineScore">Score of the latest baseline run, 0 to 1.</param>
/// <param name="DatasetVersions">Sealed dataset versions.</param>
/// <param name="DuplicateShare">Share of examples that duplicate another, 0 to 1.</param>
/// <param name="ConflictShare">Share of examples whose input has a conflicting output, 0 to 1.</param>
/// <param name="MedianSecondsPerExample">Median labeling time per example from annotations.</param>
/// <param name="AverageTokensPerExample">Mean o200k_base tokens of the most recent approved examples (up to <see cref="ReadinessEvidenceReader.TokenSample"/>).</param>
/// <param name="TokenSampleSize">How many approved examples that mean was measured on.</param>
/// <param name="TrustedJudges">LLM judges whose current version agrees with the blind human reviews (kappa at the configured bar).</param>
/// <param name="UntrustedJudges">LLM judges that do not (yet): too few calibrated pairs, or kappa below the bar. They are not evidence.</param>
/// <param name="BestJudgeKappa">The highest kappa against the people among the trusted judges.</param>
public sealed record ReadinessEvidence(
    int? ApprovedExamples = null,
    int? Labelers = null,
    double? AgreementKappa = null,
    int? EvalSets = null,
    int? EvalItems = null,
    int? BaselineRuns = null,
    double? BaselineScore = null,
    int? DatasetVersions = null,
    double? DuplicateShare = null,
    double? ConflictShare = null,
    double? MedianSecondsPerExample = null,
    int? AverageTokensPerExample = null,
    int? TokenSampleSize = null,
    int? TrainedRunsBeatingBaseline = null,
    double? BestTrainedGain = null,
    int? TrustedJudges = null,
    int? UntrustedJudges = null,
    double? BestJudgeKappa = null);

public enum EvidenceSource { Answer, Measured }

/// <summary>How one answer and the project's measurement compared, and which one the scoring used.</summary>
public sealed record EvidenceUse(
    string QuestionId,
    string SelfReported,
    string Measured,
    EvidenceSource Used,
    string Explanation);
