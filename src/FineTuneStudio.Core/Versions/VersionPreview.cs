using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using Microsoft.EntityFrameworkCore;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Versions;

/// <summary>Shows which parts of an example a target trains on, as the example would be written into a version.</summary>
public sealed class VersionPreview(IDbContextFactory<StudioDbContext> factory)
{
    /// <summary>Which parts of an example the training loss sees for a target.</summary>
    public async Task<ExamplePreviewResult> PreviewAsync(int exampleId, string targetKey, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var target = await TrainingTargetTable.GetAsync(db, targetKey, cancellationToken);
        var example = await db.Examples.AsNoTracking().Include(e => e.Messages).Include(e => e.Dataset)
            .SingleOrDefaultAsync(e => e.Id == exampleId, cancellationToken) ?? throw new NotFoundException("Example", exampleId);
        return new ExamplePreviewResult(example.Id, example.Dataset!.ProjectId, TrainableTokenPreview.Preview(AnswerTemplate.Of(example.Dataset!).Complete(ExampleContent.FromEntity(example)), target));
    }
}
