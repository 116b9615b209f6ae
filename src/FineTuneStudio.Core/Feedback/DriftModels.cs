using System.Text.Json.Serialization;

namespace FineTuneStudio.Core.Feedback;

/// <summary>
/// Settings of a drift analysis. Every figure the report checks is on a 0-1 scale, so one
/// <see cref="Threshold"/> serves them all.
/// </summary>
public sealed record DriftOptions
{
    public const double DefaultThreshold = 0.25;

    /// <summary>A figure above this turns the report into an alert.</summary>
    public double Threshold { get; init; } = DefaultThreshold;
    /// <summary>Estimated Jaccard similarity (of word-pair shingles) at which a training example counts as a near neighbour.</summary>
    public double NeighbourSimilarity { get; init; } = 0.5;
    public int ShingleSize { get; init; } = 2;
    public int SignatureSize { get; init; } = 64;
    /// <summary>Weeks with fewer logged requests are charted but never alert: a handful of requests is noise.</summary>
    public int MinLogsPerAlertWeek { get; init; } = 30;
    /// <summary>Largest number of training candidates compared per item and band, which keeps floods of look-alike texts linear.</summary>
    public int MaxComparisonsPerBucket { get; init; } = 32;
}

/// <summary>Mean, median and 95th percentile (nearest rank) of a length.</summary>
public sealed record LengthStats(int Count, double Mean, double Median, double P95);

/// <summary>
/// A length distribution in training and in the logs. <see cref="KsStatistic"/> is the two-sample
/// Kolmogorov-Smirnov statistic: the largest gap between the two cumulative distributions (0 same, 1 disjoint).
/// </summary>
public sealed record LengthShift(LengthStats Training, LengthStats Logs, double KsStatistic)
{
    public double MeanDelta => Logs.Mean - Training.Mean;
    public double MedianDelta => Logs.Median - Training.Median;
    public double P95Delta => Logs.P95 - Training.P95;
}

public sealed record LabelShare(string Label, int TrainingCount, double TrainingShare, int LogCount, double LogShare);

/// <summary>One checked figure: its value and whether it passed the threshold.</summary>
public sealed record DriftFigure(string Key, string Name, double Value, bool Alert);

/// <summary>One calendar week (Monday 00:00 UTC) of logged requests against the same training data.</summary>
public sealed record DriftWeek(
    DateTime WeekStart,
    int Logs,
    double MeanTokens,
    double TokenKs,
    double UnseenTermShare,
    double TermDivergence,
    double NoNeighbourShare,
    bool Alert)
{
    /// <summary>Enough requests that week for its figures to count (see <see cref="DriftOptions.MinLogsPerAlertWeek"/>).</summary>
    public bool Judged { get; init; }
}

/// <summary>Logged requests near each other but with no near neighbour in training: a candidate new topic.</summary>
public sealed record DriftCluster(int Id, int Size, IReadOnlyList<long> LogIds);

public sealed record DriftReport(
    int TrainingCount,
    int LogCount,
    LengthShift Characters,
    LengthShift Tokens,
    double UnseenTermShare,
    double TermDivergence,
    IReadOnlyList<LabelShare> Labels,
    double? LabelShift,
    double NoNeighbourShare,
    double TrainingNoNeighbourShare,
    double Threshold,
    IReadOnlyList<DriftFigure> Figures,
    IReadOnlyList<DriftWeek> Weeks,
    IReadOnlyList<DriftCluster> Clusters)
{
    /// <summary>The most recent week with enough traffic to judge, when it alerted: recent drift can hide in a long history.</summary>
    public DriftWeek? AlertingLatestWeek => Weeks.LastOrDefault(w => w.Judged) is { Alert: true } week ? week : null;

    public bool Alert => Figures.Any(f => f.Alert) || AlertingLatestWeek is not null;

    /// <summary>"Input terms unseen in training 0.41 > 0.25; …" or null when nothing passed the threshold.</summary>
    public string? AlertReason => Alert
        ? string.Join("; ", Figures.Where(f => f.Alert).Select(f => $"{f.Name} {f.Value:0.00} > {Threshold:0.00}")
            .Concat(AlertingLatestWeek is { } week
                ? [$"the week of {week.WeekStart:yyyy-MM-dd} passed the threshold on its own ({week.Logs} requests)"]
                : []))
        : null;

    /// <summary>Ids of logged requests with no near neighbour in training (for filtering; not sent with the report).</summary>
    [JsonIgnore]
    public IReadOnlySet<long> NoNeighbourLogIds { get; init; } = new HashSet<long>();
}
