using System.Text.Json.Serialization;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Core.Quality;

/// <summary>
/// One example as quality analysis sees it. <see cref="Split"/> is the split the example is pinned
/// to or was assigned in a version; <see cref="SplitPin.Auto"/> means not yet assigned, and such
/// examples take no part in leakage checks. <see cref="ContentHash"/> is the stored
/// <see cref="ExampleContent.ComputeHash"/> when the caller has it; otherwise it is computed.
/// </summary>
public sealed record QualityInput(int ExampleId, ExampleContent Content, ExampleStatus Status = ExampleStatus.Approved, SplitPin Split = SplitPin.Auto,
    string? ContentHash = null);

/// <summary>One held-out evaluation item; its input must not appear in the training data.</summary>
public sealed record EvalInput(int EvalItemId, string Input);

public sealed class QualityOptions
{
    /// <summary>The dataset's canonical system prompt; when null, the most common prompt stands in.</summary>
    public string? CanonicalSystemPrompt { get; init; }

    /// <summary>The dataset's label set, when it has one; labels outside it are reported.</summary>
    public IReadOnlyList<string>? LabelSet { get; init; }

    /// <summary>Token counter; the default counts white-space separated words.</summary>
    public Func<ExampleContent, int>? CountTokens { get; init; }

    /// <summary>The model's limit per training example; null skips the check.</summary>
    public int? MaxTokensPerExample { get; init; }

    /// <summary>The detectors' thresholds; a report stores them as they were.</summary>
    public QualityThresholds Thresholds { get; init; } = new();

    /// <summary>Rejected examples never reach training, so they are left out unless asked for.</summary>
    public bool IncludeRejected { get; init; }

    /// <summary>Example ids listed per finding; the count is always complete.</summary>
    public int MaxListedIds { get; init; } = 200;

    /// <summary>Groups (duplicates, conflicts, leaks) listed per finding.</summary>
    public int MaxListedGroups { get; init; } = 100;

    public IReadOnlyList<EvalInput>? EvalInputs { get; init; }

    /// <summary>Labeler ratings for the agreement summary; null leaves the summary out.</summary>
    public IReadOnlyList<AgreementRating>? Ratings { get; init; }

    /// <summary>Ordered categories when the ratings are ordinal (for example a 1-5 rating).</summary>
    public IReadOnlyList<string>? OrderedRatingCategories { get; init; }

    /// <summary>The labelers' 1–5 quality ratings of examples (submitted annotations), measured as ordinal categories.</summary>
    public IReadOnlyList<AgreementRating>? QualityRatings { get; init; }

    /// <summary>Collects the time per step when set (benchmarks, the log); null costs nothing.</summary>
    public QualityTimings? Timings { get; init; }
}

/// <summary>A report with every affected example id per finding type (the report itself lists a capped number).</summary>
public sealed record QualityAnalysis(QualityReport Report, IReadOnlyDictionary<FindingType, int[]> ExampleIds);


[JsonConverter(typeof(JsonStringEnumConverter<FindingSeverity>))]
public enum FindingSeverity { Info, Warning, Error }

/// <summary>
/// One kind of problem. <see cref="Count"/> is always the full number of affected examples; the
/// listed ids and groups are capped to keep the stored report small.
/// </summary>
public sealed record QualityFinding(
    FindingType Type,
    FindingSeverity Severity,
    string Title,
    string Detail,
    int Count,
    IReadOnlyList<int> ExampleIds,
    IReadOnlyList<IReadOnlyList<int>>? Groups = null,
    int? GroupCount = null,
    PersonalDataKind? PersonalDataKind = null);

public sealed record LabelCount(string Label, int Count, double Share);

public sealed record LabelBalance(IReadOnlyList<LabelCount> Labels, int Unlabeled, double? ImbalanceRatio);

/// <summary>Examples with a token count in [From, To).</summary>
public sealed record LengthBucket(int From, int To, int Count);

public sealed record TokenStatistics(int Examples, long Total, int Min, int Max, double Mean, double Median, double MedianAbsoluteDeviation);

/// <summary>
/// A family of near-identical system prompts. <see cref="Text"/> is the most common wording in it,
/// cut to a preview length; an empty text stands for "no system prompt".
/// </summary>
public sealed record PromptVariant(
    string Text,
    int Examples,
    double Share,
    int DistinctWordings,
    bool IsCanonical,
    IReadOnlyList<int> ExampleIds);

public sealed record QualityReport(
    int ExamplesAnalyzed,
    int ExamplesSkipped,
    IReadOnlyList<QualityFinding> Findings,
    LabelBalance LabelBalance,
    TokenStatistics? Tokens,
    IReadOnlyList<LengthBucket> LengthHistogram,
    IReadOnlyList<PromptVariant> PromptVariants,
    AgreementSummary? Agreement,
    QualityThresholds? Thresholds = null,
    AgreementSummary? RatingAgreement = null,
    // Absent from reports stored before suggestions existed.
    SuggestionComparison? Suggestions = null)
{
    public QualityFinding? Find(FindingType type) => Findings.FirstOrDefault(f => f.Type == type);
}

public static class FindingTypeNames
{
    /// <summary>A short name for lists and filters, e.g. "Near duplicates".</summary>
    public static string Of(FindingType type) => type switch
    {
        FindingType.ExactDuplicate => "Exact duplicates",
        FindingType.NearDuplicate => "Near duplicates",
        FindingType.ConflictingAnswers => "Conflicting answers",
        FindingType.SystemPromptDrift => "System prompt differs",
        FindingType.MissingSystemPrompt => "No system prompt",
        FindingType.PersonalData => "Personal data",
        FindingType.LongOutlier => "Unusually long",
        FindingType.ShortOutlier => "Unusually short",
        FindingType.OverTokenLimit => "Over the token limit",
        FindingType.EmptyTurn => "Empty turns",
        FindingType.MissingAssistantTurn => "No assistant answer",
        FindingType.LabelImbalance => "Labels unbalanced",
        FindingType.MissingLabel => "No label",
        FindingType.UnknownLabel => "Label not in the label set",
        FindingType.OverRepresentedAnswer => "One answer dominates",
        FindingType.SplitLeakage => "In more than one split",
        FindingType.EvalLeakage => "Evaluation input in training data",
        FindingType.LowAgreement => "Labelers disagree",
        _ => type.ToString(),
    };

    /// <summary>The finding types that name examples (label imbalance and low agreement are about the whole dataset).</summary>
    public static IReadOnlyList<FindingType> PerExample { get; } =
        Enum.GetValues<FindingType>().Where(t => t is not (FindingType.LabelImbalance or FindingType.LowAgreement)).ToList();
}
