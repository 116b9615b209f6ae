using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Examples;

/// <summary>
/// Which examples the latest quality check flagged. Declared here and implemented by Quality, so the
/// example list can filter by findings without Examples depending on Quality.
/// </summary>
public interface IExampleFindings
{
    /// <summary>Ids flagged with <paramref name="type"/> (any type when null); null when the dataset was never analysed.</summary>
    Task<int[]?> ExampleIdsWithFindingsAsync(int datasetId, FindingType? type, CancellationToken cancellationToken);
}
