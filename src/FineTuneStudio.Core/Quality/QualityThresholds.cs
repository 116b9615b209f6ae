using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace FineTuneStudio.Core.Quality;

/// <summary>
/// The detectors' thresholds, from the <c>Studio:Quality</c> section of the settings (the old <c>Quality</c> section
/// still works for one release). Each run stores the
/// thresholds it used in its report, so a stored report says what produced it.
/// </summary>
public sealed record QualityThresholds
{
    public const string Section = "Studio:Quality";
    public const string LegacySection = "Quality";

    /// <summary>Estimated Jaccard similarity of word shingles at or above which two examples are near duplicates.</summary>
    [Range(0d, 1d, MinimumIsExclusive = true, ErrorMessage = Section + ":NearDuplicateThreshold must be above 0 and at most 1")]
    public double NearDuplicateThreshold { get; init; } = 0.8;

    /// <summary>Words per shingle for near-duplicate detection.</summary>
    [Range(1, 10, ErrorMessage = Section + ":ShingleSize must be from 1 to 10 words")]
    public int ShingleSize { get; init; } = 3;

    /// <summary>Modified z-score (0.6745 × distance from the median / MAD) above which a token count is an outlier.</summary>
    [Range(0d, double.MaxValue, MinimumIsExclusive = true, ErrorMessage = Section + ":OutlierScore must be above 0")]
    public double OutlierScore { get; init; } = 3.5;

    /// <summary>The most common label count divided by the least common above which balance is flagged.</summary>
    [Range(1d, double.MaxValue, ErrorMessage = Section + ":ImbalanceRatio must be at least 1")]
    public double ImbalanceRatio { get; init; } = 10;

    /// <summary>Share of examples one assistant answer may make up before it is flagged.</summary>
    [Range(0d, 1d, MinimumIsExclusive = true, ErrorMessage = Section + ":OverRepresentedAnswerShare must be above 0 and at most 1")]
    public double OverRepresentedAnswerShare { get; init; } = 0.05;

    /// <summary>An answer must occur at least this often to be flagged as over-represented.</summary>
    [Range(1, int.MaxValue, ErrorMessage = Section + ":OverRepresentedAnswerMinCount must be at least 1")]
    public int OverRepresentedAnswerMinCount { get; init; } = 5;

    /// <summary>Krippendorff's alpha below which labeler agreement is flagged (0.667: the lowest for tentative conclusions).</summary>
    [Range(-1d, 1d, ErrorMessage = Section + ":LowAgreementAlpha must be from -1 to 1")]
    public double LowAgreementAlpha { get; init; } = 0.667;

    /// <summary>
    /// What is out of range, by setting key; empty when every value can be used. The limits are the attributes
    /// above, which also stop start-up (<c>ValidateDataAnnotations</c>), so settings and hand-built thresholds agree.
    /// </summary>
    public IReadOnlyList<InputError> Problems()
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        // Each message starts with its key (so start-up errors name it); the field carries the key here instead.
        return results.SelectMany(r => r.MemberNames.Select(member => $"{Section}:{member}")
            .Select(key => new InputError(key, r.ErrorMessage is { } message && message.StartsWith(key + " ", StringComparison.Ordinal) ? message[(key.Length + 1)..] : r.ErrorMessage ?? "is out of range"))).ToList();
    }

    /// <summary>The thresholds as people read them, in the order of the report, each with its setting key.</summary>
    public IReadOnlyList<ThresholdSetting> Describe()
    {
        var c = CultureInfo.InvariantCulture;
        return
        [
            new("Near duplicates", string.Create(c, $"Jaccard similarity ≥ {NearDuplicateThreshold:0.###} (MinHash estimate)"), nameof(NearDuplicateThreshold)),
            new("Shingle size", string.Create(c, $"{ShingleSize} word(s)"), nameof(ShingleSize)),
            new("Length outliers", string.Create(c, $"modified z-score of tokens beyond ±{OutlierScore:0.###}"), nameof(OutlierScore)),
            new("Label imbalance", string.Create(c, $"most / least common label > {ImbalanceRatio:0.###}"), nameof(ImbalanceRatio)),
            new("Over-represented answer", string.Create(c, $"≥ {OverRepresentedAnswerShare * 100:0.###} % of examples and ≥ {OverRepresentedAnswerMinCount} examples"), nameof(OverRepresentedAnswerShare)),
            new("Low agreement", string.Create(c, $"Krippendorff's alpha < {LowAgreementAlpha:0.###}"), nameof(LowAgreementAlpha)),
        ];
    }
}

/// <summary>One threshold for display: what it is about, its value in words, and its setting key under <c>Studio:Quality</c>.</summary>
public sealed record ThresholdSetting(string Name, string Value, string Key);
