using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Tests.Support;
using FineTuneStudio.Core.Training;
using FineTuneStudio.Core.Versions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTuneStudio.Core.Tests.Versions;

/// <summary>
/// A sealed version's example list: every example of the version with the split it went to and its content hash at
/// the cut, written by one INSERT ... SELECT per slice of 2,000 ids (on SQLite, and on PostgreSQL in the CI run).
/// </summary>
public sealed class VersionExampleRowsTests : IAsyncLifetime
{
    private static readonly DateTime Now = new(2026, 12, 4, 9, 0, 0, DateTimeKind.Utc);
    private readonly string _root = Directory.CreateTempSubdirectory("fts-version-rows-").FullName;
    private TestDatabase _db = default!;

    public async Task InitializeAsync() => _db = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task CutAsync_RecordsEveryExampleWithItsSplitAndHash_AcrossSlices()
    {
        // 4,500 examples: three slices (2,000, 2,000, 500), each with examples of all three splits.
        var seed = new Seed(_db, Now);
        var dataset = await seed.DatasetAsync("Support", "Urgency", "high", "low");
        await seed.ExamplesAsync(dataset.DatasetId, ExampleStatus.Approved,
            Enumerable.Range(0, 4500).Select(i => Seed.Chat($"Ticket {i}: the printer on floor {i % 9} is jammed", i % 3 == 0 ? "high" : "low", i % 3 == 0 ? "high" : "low")));
        var cutter = new VersionCutter(_db, new ManualClock(Now), new VersionStorage(_root), new JobLeaseService(_db, new ManualClock(Now), NullLogger<JobLeaseService>.Instance));

        var version = await cutter.CutAsync(new CutRequest(dataset.DatasetId, TrainingTargets.OpenAiChat, ValidationShare: 0.1, TestShare: 0.1),
            new Actor("lead", "Lead"), null, CancellationToken.None);

        await using var db = _db.CreateDbContext();
        var rows = await db.DatasetVersionExamples.AsNoTracking().Where(r => r.DatasetVersionId == version.Id).ToListAsync();
        var hashes = await db.Examples.AsNoTracking().Where(e => e.DatasetId == dataset.DatasetId).ToDictionaryAsync(e => e.Id, e => e.ContentHash);
        rows.Count.ShouldBe(4500);
        rows.Select(r => r.ExampleId).Order().ShouldBe(hashes.Keys.Order());
        rows.ShouldAllBe(r => r.ContentHash == hashes[r.ExampleId]);
        // The splits recorded are the ones the manifest lists, example by example.
        var manifest = JsonDocument.Parse((await db.DatasetVersions.SingleAsync(v => v.Id == version.Id)).ManifestJson).RootElement.GetProperty("example_ids");
        foreach (var (split, name) in new[] { (SplitPin.Train, "train"), (SplitPin.Validation, "validation"), (SplitPin.Test, "test") })
        {
            var listed = manifest.GetProperty(name).EnumerateArray().Select(e => e.GetInt32()).Order().ToList();
            rows.Where(r => r.Split == split).Select(r => r.ExampleId).Order().ShouldBe(listed);
        }

        rows.Count(r => r.Split == SplitPin.Validation).ShouldBe(version.ValidationCount);
        rows.Count(r => r.Split == SplitPin.Test).ShouldBe(version.TestCount);
        version.ValidationCount.ShouldBe(450);
    }

    [Fact]
    public async Task InsertAsync_AnExampleGone_IsAConflict_AndTheTransactionKeepsNothing()
    {
        var seed = new Seed(_db, Now);
        var dataset = await seed.DatasetAsync("Support", "Urgency");
        var ids = await seed.ExamplesAsync(dataset.DatasetId, ExampleStatus.Approved,
            Enumerable.Range(0, 3).Select(i => Seed.Chat($"Ticket {i}", "ok")));
        await using var db = _db.CreateDbContext();
        var version = new DatasetVersion { DatasetId = dataset.DatasetId, Number = 1, Target = "openai-chat", CreatedAt = Now, StoragePath = "x" };
        db.DatasetVersions.Add(version);
        await db.SaveChangesAsync();

        await using (var transaction = await db.Database.BeginTransactionAsync())
        {
            var gone = ids.Max() + 1000;
            var error = await Should.ThrowAsync<ConflictException>(() => VersionExampleRows.InsertAsync(db, version.Id,
                [(ids[0], SplitPin.Train), (gone, SplitPin.Train), (ids[1], SplitPin.Validation)], CancellationToken.None));
            error.Message.ShouldContain("1 example(s) of this version were deleted");
        }

        (await db.DatasetVersionExamples.CountAsync()).ShouldBe(0);
    }
}
