using System.Text.Json.Serialization;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Versions;

[JsonConverter(typeof(JsonStringEnumConverter<CutStatusFilter>))]
public enum CutStatusFilter
{
    /// <summary>Only approved examples (the default).</summary>
    Approved,
    /// <summary>Every example except rejected ones.</summary>
    All,
}

/// <summary>
/// What to put in a new version and how to split it. With <see cref="DropUnsupported"/>, what the target cannot
/// carry (tool definitions, per-turn weights, preference pairs ...) is left out and counted in the manifest instead
/// of refusing the cut.
/// </summary>
public sealed record CutRequest(
    int DatasetId,
    string Target,
    CutStatusFilter Status = CutStatusFilter.Approved,
    IReadOnlyList<string>? Tags = null,
    double ValidationShare = 0.1,
    double TestShare = 0,
    int Seed = 42,
    string? Note = null,
    bool DropUnsupported = false);

/// <summary>How far a cut has come. Total is 0 while it is not yet known.</summary>
public sealed record CutProgress(string Stage, int Done, int Total)
{
    public double Percent => Total <= 0 ? 0 : Math.Min(100, 100.0 * Done / Total);
}

public sealed record VersionFileSummary(string Name, string Sha256, long Bytes, int Lines);

public sealed record VersionSummary(
    int Id,
    int DatasetId,
    int Number,
    string Target,
    string? Note,
    int TrainCount,
    int ValidationCount,
    int TestCount,
    int Seed,
    double ValidationShare,
    double TestShare,
    string AuthorName,
    DateTime CreatedAt,
    IReadOnlyList<VersionFileSummary> Files)
{
    public int Total => TrainCount + ValidationCount + TestCount;
}

public sealed record VersionDetail(VersionSummary Version, int ProjectId, string DatasetName, string ManifestJson, string? Card)
{
    /// <summary>The epochs the version's cost estimate and recipes use, as its manifest records them (held to the target's most).</summary>
    public int? Epochs()
    {
        using var manifest = System.Text.Json.JsonDocument.Parse(ManifestJson);
        return manifest.RootElement.TryGetProperty("cost_estimate", out var cost) && cost.TryGetProperty("epochs", out var epochs) && epochs.TryGetInt32(out var value)
            ? value
            : null;
    }
}

/// <summary>A version file opened for reading after its SHA-256 was checked against the manifest.</summary>
public sealed record VersionFileStream(string Name, string Sha256, Stream Stream);

public sealed record VersionDiffResult(VersionSummary Older, VersionSummary Newer, VersionDiff Diff);

public sealed record ExamplePreviewResult(int ExampleId, int ProjectId, TrainablePreview Preview);

internal static class SplitNames
{
    public static string Of(SplitPin split) => split switch
    {
        SplitPin.Validation => "validation",
        SplitPin.Test => "test",
        _ => "train",
    };

    public static string FileOf(SplitPin split) => Of(split) + ".jsonl";
}
