using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Imports;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>One page of a longer list; <see cref="Total"/> counts the whole list. Skip and Take are the ones applied.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Total, int Skip, int Take);

/// <summary>How long lists are paged over the API: 100 at a time unless asked, never more than 1000.</summary>
public static class Paging
{
    public const int DefaultTake = 100;
    public const int MaxTake = 1000;

    public static (int Skip, int Take) Clamp(int? skip, int? take) => (Math.Max(0, skip ?? 0), Math.Clamp(take ?? DefaultTake, 1, MaxTake));
}

public sealed record EvalSetInput(string Name, string? Description, IReadOnlyList<string>? Metrics);

public sealed record EvalSetSummary(int Id, int ProjectId, string Name, string Description, IReadOnlyList<string> Metrics, int ItemCount, int RunCount, DateTime CreatedAt);

/// <summary>An item as the API lists it; <see cref="AlsoAccepted"/> holds the answers that count as right besides <see cref="Expected"/>.</summary>
public sealed record EvalItemView(int Id, string ExternalId, string InputJson, string Expected, string? Label, bool HasSchema, int? SourceExampleId, string ContentHash,
    IReadOnlyList<string> AlsoAccepted);

public sealed record EvalRunInput(
    string Name,
    string? Model = null,
    string? Provider = null,
    string? Endpoint = null,
    string? SystemPrompt = null,
    string? SettingsJson = null,
    int? DatasetVersionId = null,
    string? Notes = null,
    bool IsBaseline = false);

public sealed record EvalRunSummary(
    int Id,
    int EvalSetId,
    string EvalSetName,
    string Name,
    string Model,
    string Provider,
    bool IsBaseline,
    EvalRunStatus Status,
    DateTime CreatedAt,
    int? DatasetVersionId,
    string Notes,
    RunSummary? Summary,
    string Endpoint = "",
    string? Error = null);

/// <summary>One item of a run; <see cref="InputJson"/> is the item's messages as <c>[{role, content}]</c>.</summary>
public sealed record EvalResultView(
    int ItemId,
    string ExternalId,
    string Expected,
    string? Label,
    string? Output,
    bool Failed,
    string? Error,
    bool? Correct,
    IReadOnlyDictionary<string, double?> Scores,
    int? LatencyMs,
    int? PromptTokens = null,
    int? CompletionTokens = null,
    string InputJson = "[]",
    IReadOnlyList<string>? AlsoAccepted = null);

public enum ItemChange { SameRight, SameWrong, Regression, Fix, NotScored }

public sealed record ComparedItem(int ItemId, string ExternalId, string Expected, string? OutputA, string? OutputB, bool? CorrectA, bool? CorrectB, ItemChange Change);

public sealed record MetricDelta(string Metric, double? A, double? B, double? Delta);

/// <summary>Run A is the baseline, run B the candidate.</summary>
public sealed record RunComparison(
    EvalRunSummary RunA,
    EvalRunSummary RunB,
    string? MainMetric,
    IReadOnlyList<MetricDelta> Deltas,
    McNemarResult McNemar,
    BootstrapInterval Bootstrap,
    int Regressions,
    int Fixes,
    IReadOnlyList<ComparedItem> Items);

/// <summary>An import of eval items: <see cref="Imported"/> items when it succeeded (lines left out listed when asked to skip them), else the problems by line.</summary>
public sealed record EvalItemsImportResult(int Imported, IReadOnlyList<InputError> Errors, int TotalErrors) : LineImportResult(Errors, TotalErrors)
{
    public EvalItemsImportResult EnsureSucceeded()
    {
        ThrowIfRefused();
        return this;
    }
}
