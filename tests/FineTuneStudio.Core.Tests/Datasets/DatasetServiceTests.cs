using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Tests.Datasets;

public sealed class DatasetServiceTests : IAsyncLifetime
{
    private static readonly Actor Lead = new("lead", "lead@example.test");
    private readonly ManualClock _clock = new(new DateTime(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc));
    private TestDatabase _database = default!;
    private DatasetService _datasets = default!;
    private int _projectId;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _datasets = new DatasetService(_database, _clock);
        _projectId = await new Seed(_database, _clock.UtcNow).ProjectAsync("Tickets");
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private static DatasetInput Urgency(IReadOnlyList<string>? labels = null, IReadOnlyDictionary<string, LabelGuide>? guides = null) =>
        new("Urgency", TaskKind.Classification, Labels: labels ?? ["urgent", "normal", "low"], LabelGuides: guides);

    [Fact]
    public async Task Create_WithLabelGuides_StoresThemUnderTheLabelsSpelling()
    {
        var created = await _datasets.CreateAsync(_projectId, Urgency(guides: new Dictionary<string, LabelGuide>
        {
            ["URGENT"] = new(" Money or safety is at stake today. ", "My card was charged twice"),
            ["low"] = new("", ""),
        }), Lead, default);

        var stored = await _datasets.GetAsync(created.Id, default);
        stored.LabelGuides!.Keys.ShouldBe(["urgent"]);
        stored.GuideOf("urgent").ShouldBe(new LabelGuide("Money or safety is at stake today.", "My card was charged twice"));
        stored.GuideOf("low").ShouldBeNull();
    }

    [Fact]
    public async Task Create_GuideForUnknownLabelOrTooLong_FailsNamingTheGuideAndStoresNothing()
    {
        var error = await Should.ThrowAsync<StudioValidationException>(() => _datasets.CreateAsync(_projectId, Urgency(guides: new Dictionary<string, LabelGuide>
        {
            ["critical"] = new("Not a label", ""),
            ["normal"] = new(new string('d', DatasetService.MaxGuideDescription + 1), ""),
            ["low"] = new("Can wait", new string('e', DatasetService.MaxGuideExample + 1)),
        }), Lead, default));

        error.Errors.Select(e => e.Field).ShouldBe(["labelGuides.critical", "labelGuides.normal", "labelGuides.low"], ignoreOrder: true);
        error.Errors.Single(e => e.Field == "labelGuides.normal").Message.ShouldContain("description");
        error.Errors.Single(e => e.Field == "labelGuides.low").Message.ShouldContain("example");
        (await _datasets.ListAsync(_projectId, default)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Update_RenamingOrRemovingALabel_DropsItsGuideAndKeepsTheOthers()
    {
        var created = await _datasets.CreateAsync(_projectId, Urgency(guides: new Dictionary<string, LabelGuide>
        {
            ["urgent"] = new("Today", ""),
            ["normal"] = new("This week", ""),
            ["low"] = new("Whenever", ""),
        }), Lead, default);

        // No guides sent: "urgent" became "critical" and "low" went; only "normal" keeps its guide.
        var updated = await _datasets.UpdateAsync(created.Id, Urgency(["critical", "normal"]), Lead, default);

        updated.LabelGuides!.Keys.ShouldBe(["normal"]);
        updated.GuideOf("normal")!.Description.ShouldBe("This week");
    }

    [Fact]
    public async Task ArchiveThenRestore_HidesFromTheListUnlessAskedAndAuditsBoth()
    {
        var created = await _datasets.CreateAsync(_projectId, Urgency(), Lead, default);
        await _datasets.CreateAsync(_projectId, new DatasetInput("Chat", TaskKind.Chat), Lead, default);

        var archived = await _datasets.ArchiveAsync(created.Id, Lead, default);
        await _datasets.ArchiveAsync(created.Id, Lead, default);

        archived.ArchivedAt.ShouldBe(_clock.UtcNow);
        (await _datasets.ListAsync(_projectId, default)).Select(d => d.Name).ShouldBe(["Chat"]);
        (await _datasets.ListAsync(_projectId, includeArchived: true, default)).Select(d => d.Name).ShouldBe(["Chat", "Urgency"]);

        var restored = await _datasets.RestoreAsync(created.Id, Lead, default);
        restored.Archived.ShouldBeFalse();
        (await _datasets.ListAsync(_projectId, default)).Count.ShouldBe(2);
        await using var db = _database.CreateDbContext();
        var audit = await db.AuditEvents.Where(a => a.EntityId == created.Id.ToString()).OrderBy(a => a.Id).Select(a => a.Action).ToListAsync();
        audit.ShouldBe(["dataset.create", "dataset.archive", "dataset.restore"]);
    }

    [Fact]
    public async Task Archive_UnknownDataset_IsNotFound() =>
        await Should.ThrowAsync<NotFoundException>(() => _datasets.ArchiveAsync(404, Lead, default));

    [Fact]
    public async Task ArchivedDataset_RefusesNewExamplesAndImportsSayingWhy()
    {
        var created = await _datasets.CreateAsync(_projectId, Urgency(), Lead, default);
        await _datasets.ArchiveAsync(created.Id, Lead, default);
        var caller = new ExampleCaller(Lead, CanReview: true);
        var example = new ExampleInput([new MessageContent(MessageRole.User, "Card charged twice"), new MessageContent(MessageRole.Assistant, "urgent")], Label: "urgent");

        var create = await Should.ThrowAsync<ConflictException>(() => new ExampleEditor(_database, _clock).CreateAsync(created.Id, example, caller, default));
        using var file = new MemoryStream("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"low\"}]}\n"u8.ToArray());
        var import = await Should.ThrowAsync<ConflictException>(() =>
            new ImportService(_database, _clock).ImportAsync(created.Id, file, new ImportOptions(), Lead, null, default));

        create.Message.ShouldContain("'Urgency' is archived");
        import.Message.ShouldContain("takes no imports");
        await using var db = _database.CreateDbContext();
        (await db.Examples.CountAsync()).ShouldBe(0);
    }
}
