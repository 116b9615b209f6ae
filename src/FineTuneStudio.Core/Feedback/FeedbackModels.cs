using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Quality;

namespace FineTuneStudio.Core.Feedback;

/// <summary>With any error nothing was written: <see cref="LineImportResult.Errors"/> lists the first ones, <see cref="LineImportResult.TotalErrors"/> counts them all.</summary>
public sealed record LogImportResult(int Imported, int SkippedDuplicates, int WithPersonalData, IReadOnlyList<InputError> Errors, int TotalErrors)
    : LineImportResult(Errors, TotalErrors)
{
    public LogImportResult EnsureSucceeded()
    {
        ThrowIfRefused();
        return this;
    }
}

/// <summary>Which logged requests to list or promote. Dates are UTC; <see cref="To"/> is exclusive.</summary>
public sealed record LogFilter
{
    public int? MinRating { get; init; }
    public int? MaxRating { get; init; }
    public DateTime? From { get; init; }
    public DateTime? To { get; init; }
    public bool NotPromotedOnly { get; init; }
    /// <summary>Only logs with no near neighbour in the training side of this dataset version (by number; latest when 0).</summary>
    public int? NoNeighbourInVersion { get; init; }
    /// <summary>Only the logs of this new-topic cluster (its id in the drift report against <see cref="NoNeighbourInVersion"/>, latest when null).</summary>
    public int? Cluster { get; init; }
    /// <summary>The dataset whose version the two drift filters above compare with; null for the default (the dataset last exported).</summary>
    public int? DriftDatasetId { get; init; }
    /// <summary>Only these logs (e.g. a drift cluster or a hand-picked selection).</summary>
    public IReadOnlyList<long>? Ids { get; init; }

    /// <summary>Reads "12,15,40" (a query-string value); anything that is not a positive id is ignored. Null when empty.</summary>
    public static IReadOnlyList<long>? ParseIds(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null
        : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => long.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : 0).Where(id => id > 0).ToList();
}

/// <summary>A logged request as shown in lists: personal data is masked before any text leaves the service.</summary>
public sealed record LogRow(
    long Id,
    DateTime LoggedAt,
    string Input,
    string Response,
    string? Model,
    int? LatencyMs,
    int? Rating,
    IReadOnlyList<PersonalDataKind> PersonalData,
    int? PromotedExampleId);

public sealed record LogPage(IReadOnlyList<LogRow> Rows, int Total);

public sealed record PromoteRequest
{
    /// <summary>The dataset that receives the drafts; null for the dataset last exported (the project's first dataset before any export).</summary>
    public int? DatasetId { get; init; }
    public LogFilter Filter { get; init; } = new();
}

public sealed record PromoteResult(int DatasetId, int Promoted, int AlreadyPromoted, IReadOnlyList<int> ExampleIds);

/// <summary>What a drift report was measured against.</summary>
public sealed record DriftResult(int DatasetId, string DatasetName, int? VersionNumber, string Basis, DriftReport Report)
{
    /// <summary>Only logs from this time (UTC) on were compared; null for every logged request.</summary>
    public DateTime? Since { get; init; }
}

/// <summary>A dataset drift can be measured against, with its version numbers (newest first).</summary>
public sealed record DriftDatasetChoice(int DatasetId, string Name, IReadOnlyList<int> Versions);

/// <summary>The datasets and versions to choose from, and the default: the newest version of the dataset last exported.</summary>
public sealed record DriftChoices(IReadOnlyList<DriftDatasetChoice> Datasets, int? DefaultDatasetId, int? DefaultVersion);

public sealed record SyntheticRequest
{
    public int? DatasetId { get; init; }
    /// <summary>What to write, in the team's words, e.g. "Tickets about failed payments from small shops".</summary>
    public string Template { get; init; } = "";
    public IReadOnlyList<int> SeedExampleIds { get; init; } = [];
    public int Count { get; init; } = 5;
}

public sealed record SyntheticResult(int DatasetId, int Created, string Model, IReadOnlyList<int> ExampleIds);

/// <summary>The retraining decision with what it was made from, for the Overview and the Feedback page.</summary>
public sealed record RetrainingStatus(RetrainingDue Due, int? CadenceDays, string? CadenceSource, double DriftThreshold, bool DriftChecked)
{
    /// <summary>Why recent traffic counts as drifted (figures above the threshold); null when it does not or was not checked.</summary>
    public string? DriftAlert { get; init; }
    /// <summary>The drift check's basis, so a page can open the same report: dataset, version (null: approved examples) and window start.</summary>
    public int? DriftDatasetId { get; init; }
    public int? DriftVersion { get; init; }
    public DateTime? DriftSince { get; init; }
    public int DriftLogCount { get; init; }
}
