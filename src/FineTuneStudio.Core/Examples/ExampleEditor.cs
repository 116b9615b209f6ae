using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Examples.ExampleReads;

namespace FineTuneStudio.Core.Examples;

/// <summary>
/// Writing examples by hand: open, create, edit (submitting for review on the way) and delete. An edit names the
/// version it was made on; a stale one is refused with the stored copy, so nobody overwrites a newer save.
/// </summary>
public sealed class ExampleEditor(IDbContextFactory<StudioDbContext> factory, TimeProvider clock)
{
    public async Task<ExampleDetail> GetAsync(int id, ExampleCaller caller, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await LoadDetailAsync(db, id, caller, cancellationToken);
    }

    public async Task<ExampleDetail> CreateAsync(int datasetId, ExampleInput input, ExampleCaller caller, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var dataset = await RequireDatasetAsync(db, datasetId, cancellationToken);
        Dataset.RefuseIfArchived(dataset.Name, dataset.ArchivedAt, "new examples");
        var valid = ExampleValidator.Validate(input, dataset.TaskKind, dataset.Labels);
        var now = Now;
        var content = Content(valid);
        // Created as a draft and then edited, so a new example and an edited one take the same fields the same way.
        var example = Example.Create(datasetId, ExampleSource.Manual, ExampleStatus.Draft, content, caller.Actor.UserId, now);
        Save(example, content, valid, now);
        db.Examples.Add(example);
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, caller.Actor, now, "example.create", nameof(Example), example.Id, $"dataset {datasetId}, {valid.Messages.Count} messages, {example.Status}");
        await db.SaveChangesAsync(cancellationToken);
        return await LoadDetailAsync(db, example.Id, caller, cancellationToken);
    }

    /// <summary>Saves an edit made on the copy with token <see cref="ExampleInput.Version"/>; a stale token throws <see cref="ExampleConflictException"/>.</summary>
    public async Task<ExampleDetail> UpdateAsync(int id, ExampleInput input, ExampleCaller caller, CancellationToken cancellationToken)
    {
        if (input.Version is not { } loadedVersion)
        {
            throw new StudioValidationException("version", "send the version you loaded, so a newer save is never overwritten");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var example = await db.Examples.Include(e => e.Messages).Include(e => e.Dataset)
            .SingleOrDefaultAsync(e => e.Id == id, cancellationToken) ?? throw new NotFoundException("Example", id);
        if (example.Version != loadedVersion)
        {
            throw new ExampleConflictException(await LoadDetailAsync(db, id, caller, cancellationToken), input);
        }

        if (!caller.CanReview && example.Status == ExampleStatus.Approved)
        {
            throw new StudioValidationException("status", "an approved example can only be changed by a reviewer");
        }

        var valid = ExampleValidator.Validate(input, example.Dataset!.TaskKind, example.Dataset.Labels);
        if (!ExampleCuration.MayCurate(caller, example.Status, example.CreatedById)
            && ExampleCuration.Changes(valid, example.Label, example.Split, example.Tags) is { Count: > 0 } refused)
        {
            throw new StudioValidationException(refused);
        }

        var now = Now;
        Save(example, Content(valid), valid, now);
        db.Entry(example).Property(e => e.Version).OriginalValue = loadedVersion;
        AuditLog.Record(db, caller.Actor, now, valid.Submit ? "example.submit" : "example.update", nameof(Example), id, $"{valid.Messages.Count} messages, {example.Status}");
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Someone saved between our read and our write.
            await using var fresh = await factory.CreateDbContextAsync(cancellationToken);
            throw new ExampleConflictException(await LoadDetailAsync(fresh, id, caller, cancellationToken), input);
        }

        return await LoadDetailAsync(db, id, caller, cancellationToken);
    }

    public async Task DeleteAsync(int id, ExampleCaller caller, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var example = await db.Examples.SingleOrDefaultAsync(e => e.Id == id, cancellationToken) ?? throw new NotFoundException("Example", id);
        if (!caller.CanReview && !(example.Status == ExampleStatus.Draft && example.CreatedById == caller.Actor.UserId))
        {
            throw new StudioValidationException("status", "labelers may delete only their own drafts; ask a reviewer to remove this example");
        }

        db.Examples.Remove(example);
        AuditLog.Record(db, caller.Actor, Now, "example.delete", nameof(Example), id, $"dataset {example.DatasetId}, {example.Status}");
        await db.SaveChangesAsync(cancellationToken);
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private static ExampleContent Content(ExampleInput valid) =>
        new(valid.Messages, valid.Label, valid.Tags, valid.PreferredCompletion, valid.RejectedCompletion,
            string.IsNullOrWhiteSpace(valid.ToolsJson) ? null : valid.ToolsJson);

    private static void Save(Example example, ExampleContent content, ExampleInput valid, DateTime now)
    {
        example.Edit(content, valid.Rating, valid.CorrectedOutput, valid.Notes ?? "", valid.Split, now);
        if (valid.Submit)
        {
            example.Submit(now);
        }
    }
}
