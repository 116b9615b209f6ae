using System.Globalization;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Quality;

/// <summary>
/// The detectors' thresholds, from the <c>Quality</c> section of the settings. Each run stores the
/// thresholds it used in its report, so a stored report says what produced it.
/// </summary>
public sealed record QualityThresholds
{
    public const string Section = "Quality";

    /// <summary>Estimated Jaccard similarity of word shingles at or above which two examples are near duplicates.</summary>
    public double NearDuplicateThreshold { get; init; } = 0.8;

    /// <summary>Words per shingle for near-duplicate detection.</summary>
    public int ShingleSize { get; init; } = 3;

    /// <summary>Modified z-score (0.6745 × distance from the median / MAD) above which a token count is an outlier.</summary>
    public double OutlierScore { get; init; } = 3.5;

    /// <summary>The most common label count divided by the least common above which balance is flagged.</summary>
    public double ImbalanceRatio { get; init; } = 10;

    /// <summary>Share of examples one assistant answer may make up before it is flagged.</summary>
    public double OverRepresentedAnswerShare { get; init; } = 0.05;

    /// <summary>An answer must occur at least this often to be flagged as over-represented.</summary>
    public int OverRepresentedAnswerMinCount { get; init; } = 5;

    /// <summary>Krippendorff's alpha below which labeler agreement is flagged (0.667: the lowest for tentative conclusions).</summary>
    public double LowAgreementAlpha { get; init; } = 0.667;

    /// <summary>What is out of range, by setting name; empty when every value can be used.</summary>
    public IReadOnlyList<InputError> Problems()
    {
        var problems = new List<InputError>();
        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                problems.Add(new InputError(field, message));
            }
        }

        Check(NearDuplicateThreshold is > 0 and <= 1, $"{Section}:{nameof(NearDuplicateThreshold)}", "must be above 0 and at most 1");
        Check(ShingleSize is >= 1 and <= 10, $"{Section}:{nameof(ShingleSize)}", "must be from 1 to 10 words");
        Check(OutlierScore > 0, $"{Section}:{nameof(OutlierScore)}", "must be above 0");
        Check(ImbalanceRatio >= 1, $"{Section}:{nameof(ImbalanceRatio)}", "must be at least 1");
        Check(OverRepresentedAnswerShare is > 0 and <= 1, $"{Section}:{nameof(OverRepresentedAnswerShare)}", "must be above 0 and at most 1");
        Check(OverRepresentedAnswerMinCount >= 1, $"{Section}:{nameof(OverRepresentedAnswerMinCount)}", "must be at least 1");
        Check(LowAgreementAlpha is >= -1 and <= 1, $"{Section}:{nameof(LowAgreementAlpha)}", "must be from -1 to 1");
        return problems;
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

/// <summary>One threshold for display: what it is about, its value in words, and its setting key under <c>Quality</c>.</summary>
public sealed record ThresholdSetting(string Name, string Value, string Key);

/// <summary>Stops start-up with every out-of-range quality setting named.</summary>
internal sealed class QualityThresholdsValidator : IValidateOptions<QualityThresholds>
{
    public ValidateOptionsResult Validate(string? name, QualityThresholds options)
    {
        var problems = options.Problems();
        return problems.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(problems.Select(p => $"{p.Field}: {p.Message}"));
    }
}
