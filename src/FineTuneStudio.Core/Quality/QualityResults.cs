using System.Text.Json;
using System.Text.Json.Serialization;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Quality;

/// <summary>One stored analysis run, without its report.</summary>
public sealed record QualityRunSummary(
    int Id,
    int DatasetId,
    QualityRunStatus Status,
    DateTime StartedAt,
    DateTime? CompletedAt,
    int ExamplesAnalyzed,
    int FindingCount,
    string? Error,
    string StartedByName);

/// <summary>One labeler's work: how much, how fast, and how often it matched the example's final label.</summary>
/// <param name="ComparedWithFinal">Annotations with a label on examples that have a final label.</param>
/// <param name="AgreementWithFinal">Share of those where the labeler's label equals the final one.</param>
public sealed record LabelerFigures(
    string Labeler,
    int Annotations,
    double? MedianSeconds,
    int ComparedWithFinal,
    double? AgreementWithFinal);

/// <summary>
/// What a run stores in <see cref="QualityRun.ReportJson"/>. <see cref="ExampleIds"/> holds every
/// affected example per finding type (the report lists a capped number); runs stored before it
/// existed have none, and their listed ids stand in.
/// </summary>
public sealed record StoredQualityReport(QualityReport Report, IReadOnlyList<LabelerFigures> Labelers,
    IReadOnlyDictionary<FindingType, int[]>? ExampleIds = null)
{
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static StoredQualityReport FromJson(string json) =>
        JsonSerializer.Deserialize<StoredQualityReport>(json, JsonOptions)
        ?? throw new InvalidOperationException("The stored quality report is empty.");

    /// <summary>The examples with a finding of <paramref name="type"/> (any type when null), sorted.</summary>
    public int[] ExampleIdsWith(FindingType? type)
    {
        if (ExampleIds is not null)
        {
            return ExampleIds.Where(p => type is null || p.Key == type).SelectMany(p => p.Value).Distinct().Order().ToArray();
        }

        return Report.Findings.Where(f => type is null || f.Type == type)
            .SelectMany(f => f.ExampleIds.Concat(f.Groups?.SelectMany(g => g) ?? []))
            .Distinct().Order().ToArray();
    }
}

/// <summary>A finding type's count in the latest run and in the run before it.</summary>
public sealed record FindingTrend(FindingType Type, int Count, int? PreviousCount)
{
    /// <summary>Positive when the problem grew; null when there is no earlier run to compare with.</summary>
    public int? Change => PreviousCount is { } previous ? Count - previous : null;
}

/// <summary>
/// The latest completed analysis of a dataset. <see cref="IsStale"/> is true when examples were
/// added, removed or edited after the run finished.
/// </summary>
public sealed record QualityResult(
    QualityRunSummary Run,
    bool IsStale,
    QualityReport Report,
    IReadOnlyList<LabelerFigures> Labelers,
    IReadOnlyList<FindingTrend> Trend,
    DateTime? PreviousRunAt);

/// <summary>Where a running analysis is.</summary>
public sealed record QualityProgress(int RunId, int DatasetId, QualityRunStatus Status, int Processed, int Total);

/// <summary>
/// What the latest analyses of a project's datasets show, for the readiness assessment. Shares are
/// over all analysed examples of the project; null means no dataset has been analysed (or no
/// labeler overlap for the kappa).
/// </summary>
public sealed record QualityEvidence(
    int DatasetsAnalyzed,
    int ExamplesAnalyzed,
    double? DuplicateShare,
    double? ConflictShare,
    double? AgreementKappa,
    DateTime? MeasuredAt);

/// <summary>What the quality page and API show for a dataset: the latest stored result and any analysis under way.</summary>
public sealed record QualityOverview(int DatasetId, QualityResult? Latest, QualityProgress? Running);

/// <summary>Example ids for a one-click action, with an optional reason (rejections).</summary>
public sealed record QualityActionRequest(IReadOnlyList<int> ExampleIds, string? Reason = null);

/// <summary>How many examples an action changed.</summary>
public sealed record QualityActionResult(int Changed);
