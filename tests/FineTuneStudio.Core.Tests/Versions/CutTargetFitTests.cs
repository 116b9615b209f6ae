using Microsoft.Extensions.Logging.Abstractions;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Versions;

/// <summary>A cut whose target cannot hold what the examples carry: refused once per feature, or dropped and recorded.</summary>
public sealed class CutTargetFitTests : IAsyncLifetime
{
    private const string Tools = """[{"type":"function","function":{"name":"lookup_order","parameters":{"type":"object"}}}]""";
    private static readonly Actor Lead = new("lead-1", "Lead");
    private readonly string _root = Directory.CreateTempSubdirectory("fts-cut-fit-").FullName;
    private TestDatabase _db = default!;
    private VersionCutter _cutter = default!;
    private VersionCatalog _catalog = default!;
    private int _datasetId;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var clock = new ManualClock(new DateTime(2026, 12, 2, 9, 0, 0, DateTimeKind.Utc));
        var storage = new VersionStorage(_root);
        _cutter = new VersionCutter(_db, clock, storage, new JobLeaseService(_db, clock, NullLogger<JobLeaseService>.Instance));
        _catalog = new VersionCatalog(_db, storage);
        await using var db = _db.CreateDbContext();
        var dataset = new Dataset { Name = "Orders", Project = new Project { Name = "Support" } };
        // 30 examples, 12 with tool definitions; examples 0 and 1 differ only in their tools, so dropping them makes a duplicate pair.
        for (var i = 0; i < 30; i++)
        {
            var example = new Example { Status = ExampleStatus.Approved };
            var text = i == 1 ? "Where is order 0?" : $"Where is order {i}?";
            new ExampleContent(
                [new(MessageRole.System, "Help with orders."), new(MessageRole.User, text), new(MessageRole.Assistant, "Let me check.")],
                ToolsJson: i < 12 ? Tools.Replace("lookup_order", i == 1 ? "find_order" : "lookup_order") : null).ApplyTo(example);
            dataset.Examples.Add(example);
        }

        db.Datasets.Add(dataset);
        await db.SaveChangesAsync();
        _datasetId = dataset.Id;
    }

    public async Task DisposeAsync()
    {
        await _db.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private CutRequest Request(string target, bool drop = false) => new(_datasetId, target, ValidationShare: 0.1, DropUnsupported: drop);

    [Fact]
    public async Task CutAsync_ToolsToPromptCompletion_RefusesWithOneErrorAndCreatesNothing()
    {
        var error = await Should.ThrowAsync<StudioValidationException>(() => _cutter.CutAsync(Request(TrainingTargets.HfPromptCompletion), Lead, null, default));

        error.TotalCount.ShouldBe(1);
        error.Errors.ShouldHaveSingleItem().Message.ShouldStartWith("12 examples (ids ");
        error.Errors[0].Message.ShouldContain("have tool definitions, which hf-prompt-completion cannot carry; openai-chat, hf-messages, axolotl-chat or vertex-gemini keep them");
        await using var check = _db.CreateDbContext();
        (await check.DatasetVersions.CountAsync()).ShouldBe(0);
        Directory.Exists(Path.Combine(_root, "datasets")).ShouldBeFalse();
    }

    [Fact]
    public async Task CutAsync_DropUnsupported_RecordsDroppedToolsAndNewDuplicatesInManifestAndCard()
    {
        var version = await _cutter.CutAsync(Request(TrainingTargets.HfPromptCompletion, drop: true), Lead, null, default);

        var detail = await _catalog.GetAsync(version.Id, default);
        using var manifest = JsonDocument.Parse(detail.ManifestJson);
        var dropped = manifest.RootElement.GetProperty("dropped");
        dropped.EnumerateObject().Select(p => (p.Name, p.Value.GetInt32())).ShouldBe([("tools", 12)]);
        manifest.RootElement.GetProperty("duplicates_after_drop").GetInt32().ShouldBe(2);
        detail.Card.ShouldNotBeNull();
        detail.Card.ShouldContain("**Left out:** hf-prompt-completion cannot carry everything these examples hold, so 12 examples lost their tool definitions.");
        detail.Card.ShouldContain("2 examples became exact duplicates of another once that was left out.");
        version.Total.ShouldBe(30);
    }

    [Fact]
    public async Task CutAsync_TargetThatCarriesTools_WritesNoDroppedSection()
    {
        var version = await _cutter.CutAsync(Request(TrainingTargets.HfMessages), Lead, null, default);

        var detail = await _catalog.GetAsync(version.Id, default);
        detail.ManifestJson.ShouldNotContain("dropped");
        detail.Card!.ShouldNotContain("Left out");
    }

    [Fact]
    public async Task CutAsync_ChatExamplesToPreferenceTarget_RefusesWithOneMessage()
    {
        var error = await Should.ThrowAsync<StudioValidationException>(() => _cutter.CutAsync(Request(TrainingTargets.HfPreference, drop: true), Lead, null, default));

        error.TotalCount.ShouldBe(1);
        error.Errors.ShouldHaveSingleItem().Message.ShouldContain("30 examples (ids ");
        error.Errors[0].Message.ShouldContain("have no preference pair");
    }
}
