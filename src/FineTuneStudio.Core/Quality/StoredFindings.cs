using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Quality;

/// <summary>Reads the flagged example ids from the dataset's latest completed quality run.</summary>
public sealed class StoredFindings(IDbContextFactory<StudioDbContext> factory) : IExampleFindings
{
    public async Task<int[]?> ExampleIdsWithFindingsAsync(int datasetId, FindingType? type, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // Ids only: the stored report is read, no example content is loaded.
        var json = await db.QualityRuns.AsNoTracking()
            .Where(r => r.DatasetId == datasetId && r.Status == QualityRunStatus.Completed)
            .OrderByDescending(r => r.Id).Select(r => r.ReportJson).FirstOrDefaultAsync(cancellationToken);
        return json is null ? null : StoredQualityReport.FromJson(json).ExampleIdsWith(type);
    }
}
