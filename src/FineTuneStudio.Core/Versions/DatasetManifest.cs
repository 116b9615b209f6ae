using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Versions;

public sealed record SplitCounts(int Train, int Validation, int Test)
{
    public int Total => Train + Validation + Test;

    public static SplitCounts Of(IEnumerable<SplitPin> splits)
    {
        int train = 0, validation = 0, test = 0;
        foreach (var split in splits)
        {
            switch (split)
            {
                case SplitPin.Validation: validation++; break;
                case SplitPin.Test: test++; break;
                default: train++; break;
            }
        }

        return new SplitCounts(train, validation, test);
    }
}

public sealed record SplitTokenStats(TokenStats Train, TokenStats Validation, TokenStats Test);

public sealed record SplitExampleIds(IReadOnlyList<int> Train, IReadOnlyList<int> Validation, IReadOnlyList<int> Test)
{
    public static SplitExampleIds From(SplitResult split) =>
        new(split.Ids(SplitPin.Train), split.Ids(SplitPin.Validation), split.Ids(SplitPin.Test));
}

public sealed record ManifestFile(string Name, string Split, string Sha256, long Bytes, int Lines);

/// <summary>
/// Everything a version records about itself; written as manifest.json and summarised in README.md.
/// <see cref="Dropped"/> is set only for cuts with drop-unsupported: per feature (tools, turn_weights ...) the number of
/// examples that lost it; <see cref="DuplicatesAfterDrop"/> counts the examples whose lines became identical by it.
/// </summary>
public sealed record DatasetManifest(
    int VersionNumber,
    string DatasetName,
    string Target,
    string TargetDisplayName,
    string? Note,
    IReadOnlyDictionary<string, string> Filters,
    int Seed,
    double ValidationShare,
    double TestShare,
    SplitCounts Counts,
    IReadOnlyDictionary<string, SplitCounts> CountsPerLabel,
    SplitTokenStats Tokens,
    TrainingCostEstimate Cost,
    string PriceNote,
    string? TargetNotice,
    IReadOnlyList<ManifestFile> Files,
    SplitExampleIds ExampleIds,
    int ExcludedAsEvalItems,
    string Author,
    DateTime CreatedAtUtc,
    string AppVersion,
    IReadOnlyDictionary<string, int>? Dropped = null,
    int DuplicatesAfterDrop = 0,
    IReadOnlyList<TrainerRecipe>? Recipes = null);
