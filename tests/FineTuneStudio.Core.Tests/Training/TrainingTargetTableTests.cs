using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Tests.Support;
using FineTuneStudio.Core.Training;
using FineTuneStudio.Core.Versions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTuneStudio.Core.Tests.Training;

/// <summary>
/// One table of targets: what an admin edits or adds reaches the cut, its manifest and card, the cut estimate, file
/// validation, the trainable preview and the version diff, not only readiness.
/// </summary>
public sealed class TrainingTargetTableTests : IAsyncLifetime
{
    private static readonly Actor Admin = new("admin-1", "Admin");
    private static readonly DateTime Now = new(2026, 12, 4, 9, 0, 0, DateTimeKind.Utc);
    private readonly string _root = Directory.CreateTempSubdirectory("fts-targets-").FullName;
    private TestDatabase _db = default!;
    private TrainingTargetService _table = default!;
    private VersionCutter _cutter = default!;
    private VersionCatalog _catalog = default!;
    private int _datasetId;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var clock = new ManualClock(Now);
        var storage = new VersionStorage(_root);
        _table = new TrainingTargetService(_db, clock);
        _cutter = new VersionCutter(_db, clock, storage, new JobLeaseService(_db, clock, NullLogger<JobLeaseService>.Instance));
        _catalog = new VersionCatalog(_db, storage);
        var seed = new Seed(_db);
        var dataset = await seed.DatasetAsync("Greetings", "Replies");
        _datasetId = dataset.DatasetId;
        // Each "hello" -> "world" chat is 13 tokens (o200k_base, counted as the cookbook counts them).
        await seed.ExamplesAsync(_datasetId, ExampleStatus.Approved, Enumerable.Range(0, 20).Select(i => Seed.Chat("hello", i % 2 == 0 ? "world" : "earth")));
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private static TrainingTargetNew Together(int minExamples = 10, double price = 5) =>
        new("together-chat", TrainingTargets.OpenAiChat, "Together chat", minExamples, 4_096, price, TrainingTargetService.Available);

    [Fact]
    public async Task AnUneditedBuiltInTarget_ReadsFromTheTableExactlyAsTheCatalogHasIt()
    {
        await _table.SeedAsync(default);

        var profiles = await _table.ProfilesAsync(default);

        // Same wording and figures, so versions cut before the table was read are unchanged.
        profiles.Select(p => p.Key).ShouldBe(TrainingTargets.All.Select(p => p.Key));
        foreach (var (read, built) in profiles.Zip(TrainingTargets.All))
        {
            (read.DisplayName, read.PriceNote, read.Notice, read.PricePerMillionTrainingTokens, read.TokenLimitPerExample, read.MinimumExamples, read.Status, read.NewJobsEndOn)
                .ShouldBe((built.DisplayName, built.PriceNote, built.Notice, built.PricePerMillionTrainingTokens, built.TokenLimitPerExample, built.MinimumExamples, built.Status, built.NewJobsEndOn));
        }
    }

    [Fact]
    public async Task AnAdminsPrice_ReachesTheCutEstimate_TheManifest_TheCard_AndTheDiff()
    {
        var before = await _cutter.CutAsync(new CutRequest(_datasetId, TrainingTargets.OpenAiChat, ValidationShare: 0.1), Admin, null, default);
        var chat = (await _table.ListAsync(default)).Single(t => t.Key == TrainingTargets.OpenAiChat);
        await _table.UpdateAsync(chat.Key, new TrainingTargetInput(chat.Name, 18, chat.TokenLimitPerExample, 100, chat.Status, chat.ClosesOn, chat.Notice, chat.Alternatives), Admin, default);

        var estimate = await new CutEstimates(_db).EstimateAsync(_datasetId, TrainingTargets.OpenAiChat, CutStatusFilter.Approved, [], 0.1, 0, default);
        var after = await _cutter.CutAsync(new CutRequest(_datasetId, TrainingTargets.OpenAiChat, ValidationShare: 0.1), Admin, null, default);
        var detail = await _catalog.GetAsync(after.Id, default);
        var diff = await new VersionDiffs(_db, new VersionStorage(_root)).DiffAsync(before.Id, after.Id, default);

        // 18 training examples × 13 tokens × 5 epochs (100 / 18 rounded down) = 1,170 tokens at $100 per million = $0.117 → $0.12.
        estimate.Cost.EstimatedCost.ShouldBe(0.12m);
        using var manifest = JsonDocument.Parse(detail.ManifestJson);
        var cost = manifest.RootElement.GetProperty("cost_estimate");
        (cost.GetProperty("price_per_million_tokens").GetDecimal(), cost.GetProperty("estimated_cost").GetDecimal()).ShouldBe((100m, 0.12m));
        cost.GetProperty("price_note").GetString().ShouldBe("Price from the targets table, set on 2026-12-04.");
        detail.Card.ShouldNotBeNull().ShouldContain("$0.12");
        // Both versions are priced at today's table price, so the same examples cost the same.
        diff.Diff.CostDelta.ShouldBe(0m);
    }

    [Fact]
    public async Task AnAddedTarget_IsCutWithItsFormatsRules_AndItsOwnLimits()
    {
        await _table.AddAsync(Together(minExamples: 25), Admin, default);

        // 18 training examples, the new target needs 25: the validator's minimum comes from the row.
        var refused = await Should.ThrowAsync<StudioValidationException>(() =>
            _cutter.CutAsync(new CutRequest(_datasetId, "together-chat", ValidationShare: 0.1), Admin, null, default));
        refused.Errors.ShouldContain(e => e.Message.Contains("Together chat needs at least 25", StringComparison.Ordinal));

        var row = (await _table.ListAsync(default)).Single(t => t.Key == "together-chat");
        await _table.UpdateAsync(row.Key, new TrainingTargetInput(row.Name, 10, row.TokenLimitPerExample, 5, row.Status, null, "", ""), Admin, default);
        var version = await _cutter.CutAsync(new CutRequest(_datasetId, "together-chat", ValidationShare: 0.1), Admin, null, default);
        var detail = await _catalog.GetAsync(version.Id, default);

        version.Target.ShouldBe("together-chat");
        using var manifest = JsonDocument.Parse(detail.ManifestJson);
        manifest.RootElement.GetProperty("target_name").GetString().ShouldBe("Together chat");
        detail.Card.ShouldNotBeNull().ShouldContain("**Together chat** (`together-chat`)");
        // The lines follow OpenAI chat's rules: one {"messages": [...]} object per line.
        await using var file = (await new VersionFiles(_db, new VersionStorage(_root)).OpenFileAsync(version.Id, version.Files.First(f => f.Name.StartsWith("train", StringComparison.Ordinal)).Name, default)).Stream;
        using var reader = new StreamReader(file);
        using var line = JsonDocument.Parse(await reader.ReadLineAsync() ?? "");
        line.RootElement.EnumerateObject().Select(p => p.Name).ShouldBe(["messages"]);
    }

    [Fact]
    public async Task FileValidation_AndThePreview_UseTheRowsLimit()
    {
        await _table.AddAsync(Together() with { TokenLimitPerExample = 10 }, Admin, default);
        var target = await _table.ProfileAsync("together-chat", default);
        var line = """{"messages":[{"role":"user","content":"hello"},{"role":"assistant","content":"world"}]}""" + "\n";

        var report = await JsonlFileValidation.ValidateAsync(new MemoryStream(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(line, 12)))), target, null, null, default);

        // 13 tokens against a limit of 10: every line is over it.
        target.Format.ShouldBe(TrainingTargets.OpenAiChat);
        report.OverTokenLimitCount.ShouldBe(12);
        report.Warnings.ShouldContain(i => i.Message.Contains("13 tokens, over the limit of 10", StringComparison.Ordinal));
        await using var db = _db.CreateDbContext();
        var exampleId = await db.Examples.Where(e => e.DatasetId == _datasetId).Select(e => e.Id).FirstAsync();
        (await new VersionPreview(_db).PreviewAsync(exampleId, "together-chat", default)).ShouldNotBeNull();
        await Should.ThrowAsync<StudioValidationException>(() => new VersionPreview(_db).PreviewAsync(exampleId, "no-such-target", default));
    }

    [Theory]
    [InlineData("Together Chat!", "openai-chat", "Name", "key")]
    [InlineData("together-chat", "csv", "Name", "format")]
    [InlineData("together-chat", "openai-chat", "", "name")]
    public async Task AddAsync_RefusesBadInput_NamingTheField_AndAddsNothing(string key, string format, string name, string field)
    {
        var error = await Should.ThrowAsync<StudioValidationException>(() =>
            _table.AddAsync(Together() with { Key = key, Format = format, Name = name }, Admin, default));

        error.Errors.Select(e => e.Field).ShouldContain(field);
        (await _table.ListAsync(default)).Count.ShouldBe(TrainingTargets.All.Count);
    }

    [Fact]
    public async Task AddAsync_ASecondTargetWithTheSameKey_IsRefused()
    {
        await _table.AddAsync(Together(), Admin, default);

        var error = await Should.ThrowAsync<StudioValidationException>(() => _table.AddAsync(Together(price: 9), Admin, default));

        error.Errors.Single().Field.ShouldBe("key");
        (await _table.ProfileAsync("together-chat", default)).PricePerMillionTrainingTokens.ShouldBe(5m);
        await using var db = _db.CreateDbContext();
        (await db.AuditEvents.CountAsync(a => a.Action == "training-target.add")).ShouldBe(1);
    }

    [Fact]
    public async Task AClosedTarget_WarnsWithTheAdminsNoticeAndAlternatives()
    {
        await _table.AddAsync(Together() with { Status = TrainingTargetService.Closed, ClosesOn = new DateOnly(2026, 11, 30), Notice = "Contract ended.", Alternatives = "Use hf-messages." }, Admin, default);

        var target = await _table.ProfileAsync("together-chat", default);

        (target.Status, target.NewJobsEndOn, target.Notice).ShouldBe((TargetStatus.Closed, new DateOnly(2026, 11, 30), "Contract ended. Use hf-messages."));
    }
}
