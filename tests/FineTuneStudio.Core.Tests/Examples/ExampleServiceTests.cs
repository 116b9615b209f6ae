using FineTuneStudio.Core.Quality;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Examples;

public sealed class ExampleServiceTests : IAsyncLifetime
{
    private static readonly ExampleCaller Lead = new(new Actor("lead", "lead@example.test"), CanReview: true);
    private static readonly ExampleCaller Ana = new(new Actor("ana", "ana@example.test"), CanReview: false);
    private static readonly ExampleCaller Ben = new(new Actor("ben", "ben@example.test"), CanReview: false);
    private static readonly ExampleCaller Cat = new(new Actor("cat", "cat@example.test"), CanReview: false);

    private readonly ManualClock _clock = new(new DateTime(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc));
    private TestDatabase _database = default!;
    private ExampleList _list = default!;
    private ExampleEditor _editor = default!;
    private ExampleReview _review = default!;
    private Annotations _annotations = default!;
    private int _datasetId;

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _list = new ExampleList(_database, new StoredFindings(_database));
        _editor = new ExampleEditor(_database, _clock);
        _review = new ExampleReview(_database, _clock);
        _annotations = new Annotations(_database, _clock);
        await using var db = _database.CreateDbContext();
        foreach (var id in new[] { "lead", "ana", "ben", "cat" })
        {
            db.Users.Add(new StudioUser { Id = id, UserName = $"{id}@example.test", Email = $"{id}@example.test", DisplayName = id, CreatedAt = _clock.UtcNow });
        }

        await db.SaveChangesAsync();
        _datasetId = (await new Seed(_database, _clock.UtcNow)
            .DatasetAsync("Tickets", "Urgency", TaskKind.Classification, ["high", "low"], requiredAnnotations: 2, systemPrompt: "Classify.")).DatasetId;
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private static ExampleInput Ticket(string text, string? label = null, IReadOnlyList<string>? tags = null) => new(
        [new MessageContent(MessageRole.System, "Classify."), new MessageContent(MessageRole.User, text), new MessageContent(MessageRole.Assistant, label ?? "low")],
        Label: label, Tags: tags);

    private async Task<int> CreateAsync(string text, string? label = null, IReadOnlyList<string>? tags = null)
    {
        _clock.Advance(TimeSpan.FromMinutes(1));
        return (await _editor.CreateAsync(_datasetId, Ticket(text, label, tags), Ana, default)).Id;
    }

    [Fact]
    public async Task ListAsync_FiltersSearchesAndPages()
    {
        // 7 examples: 4 mention "printer", 3 of those labelled high; 2 tagged vip.
        var ids = new List<int>
        {
            await CreateAsync("The printer is on fire", "high", ["vip"]),
            await CreateAsync("Printer out of paper", "low"),
            await CreateAsync("PRINTER jammed, board meeting in 5 min", "high"),
            await CreateAsync("Password reset please", "low", ["vip"]),
            await CreateAsync("Network down on floor 3", "high"),
            await CreateAsync("printer driver 100% broken", "high"),
            await CreateAsync("Coffee machine empty", "low"),
        };

        var printers = await _list.ListAsync(new ExampleQuery(_datasetId, Search: "Printer", PageSize: 2), default);
        printers.Total.ShouldBe(4);
        printers.Items.Select(r => r.Id).ShouldBe([ids[0], ids[1]]);
        var second = await _list.ListAsync(new ExampleQuery(_datasetId, Search: "printer", PageSize: 2, Page: 1), default);
        second.Items.Select(r => r.Id).ShouldBe([ids[2], ids[5]]);

        (await _list.ListAsync(new ExampleQuery(_datasetId, Search: "printer", Label: "high"), default)).Total.ShouldBe(3);
        (await _list.ListAsync(new ExampleQuery(_datasetId, Tag: "vip"), default)).Items.Select(r => r.Id).ShouldBe([ids[0], ids[3]]);
        // "%" is matched literally, not as a wildcard: only "100% broken" contains it.
        (await _list.ListAsync(new ExampleQuery(_datasetId, Search: "0%"), default)).Items.Select(r => r.Id).ShouldBe([ids[5]]);
        // Ids from a quality finding: only those, in id order; an id of no example in this dataset shows nothing.
        (await _list.ListAsync(new ExampleQuery(_datasetId, Ids: [ids[4], ids[1], 999_999]), default)).Items.Select(r => r.Id).ShouldBe([ids[1], ids[4]]);

        var newestFirst = await _list.ListAsync(new ExampleQuery(_datasetId, Sort: ExampleSort.Updated, Descending: true, PageSize: 3), default);
        newestFirst.Total.ShouldBe(7);
        newestFirst.Items.Select(r => r.Id).ShouldBe([ids[6], ids[5], ids[4]]);
        newestFirst.Items[0].Preview.ShouldBe("Coffee machine empty");
    }

    [Fact]
    public async Task UpdateAsync_StaleVersion_ThrowsConflictWithBothVersionsAndKeepsTheStoredOne()
    {
        var created = await _editor.CreateAsync(_datasetId, Ticket("Server down", "high"), Ana, default);
        var mine = ExampleInput.From(created) with { Notes = "mine" };
        var theirs = ExampleInput.From(created) with { Notes = "theirs" };

        var saved = await _editor.UpdateAsync(created.Id, theirs, Ben, default);
        saved.Version.ShouldNotBe(created.Version);

        var conflict = await Should.ThrowAsync<ExampleConflictException>(() => _editor.UpdateAsync(created.Id, mine, Ana, default));
        conflict.Current.Notes.ShouldBe("theirs");
        conflict.Current.Version.ShouldBe(saved.Version);
        conflict.Yours.Notes.ShouldBe("mine");
        (await _editor.GetAsync(created.Id, Ana, default)).Notes.ShouldBe("theirs");

        // Keeping mine: save again on top of the version now stored.
        var kept = await _editor.UpdateAsync(created.Id, mine with { Version = conflict.Current.Version }, Ana, default);
        kept.Notes.ShouldBe("mine");
    }

    [Fact]
    public async Task UpdateAsync_NulOrBrokenCharacterPasted_IsRefusedNamingTheFieldAndKeepsTheStoredCopy()
    {
        // What the editor and the annotation form pass on when a user pastes from a binary-ish source: PostgreSQL
        // refuses the NUL mid-save and UTF-8 would quietly turn the lone surrogate into U+FFFD.
        var created = await _editor.CreateAsync(_datasetId, Ticket("Server down", "high"), Ana, default);
        var pasted = ExampleInput.From(created) with
        {
            Messages = [created.Messages[0], created.Messages[1] with { Content = "Server\0 down" }, created.Messages[2]],
            Notes = "see \ud83d",
        };

        var error = await Should.ThrowAsync<StudioValidationException>(() => _editor.UpdateAsync(created.Id, pasted, Ana, default));

        error.Errors.Select(e => e.ToString()).ShouldBe([
            "messages[2].content: contains a NUL character (\\u0000) at character 7, which cannot be stored; remove it",
            "notes: contains a broken character (a lone surrogate \\ud83d) at character 5; write the whole character or remove it",
        ]);
        var stored = await _editor.GetAsync(created.Id, Ana, default);
        (stored.Messages[1].Content, stored.Notes, stored.Version).ShouldBe(("Server down", "", created.Version));

        // A whole character (a surrogate pair) is text like any other.
        (await _editor.UpdateAsync(created.Id, ExampleInput.From(created) with { Notes = "see \ud83d\ude00" }, Ana, default)).Notes.ShouldBe("see \ud83d\ude00");

        var annotation = await Should.ThrowAsync<StudioValidationException>(() =>
            _annotations.SaveMyAnnotationAsync(created.Id, new AnnotationInput("high", Comment: "odd\0"), Ben, default));
        annotation.Errors.Single().Field.ShouldBe("comment");
    }

    [Fact]
    public async Task UpdateAsync_ReordersMessagesAndRefreshesHashAndTokens()
    {
        var created = await _editor.CreateAsync(_datasetId, Ticket("Server down", "high"), Ana, default);
        var reordered = ExampleInput.From(created) with
        {
            Messages = [created.Messages[0], created.Messages[1], created.Messages[2], new MessageContent(MessageRole.User, "Still down?"), new MessageContent(MessageRole.Assistant, "high", Weight: 0)],
        };
        var saved = await _editor.UpdateAsync(created.Id, reordered, Ana, default);
        saved.Messages.Count.ShouldBe(5);
        saved.Messages[4].Weight.ShouldBe(0);
        saved.MessageTokens.Count.ShouldBe(5);
        // Total = sum of message counts + 3 for the reply primer.
        saved.TotalTokens.ShouldBe(saved.MessageTokens.Sum() + 3);
        await using var db = _database.CreateDbContext();
        (await db.Examples.SingleAsync(e => e.Id == created.Id)).ContentHash.ShouldNotBe(
            new ExampleContent(created.Messages, created.Label, created.Tags).ComputeHash());
    }

    [Fact]
    public async Task CreateAsync_InvalidInput_ListsEveryProblemAndWritesNothing()
    {
        var input = new ExampleInput(
            [new MessageContent(MessageRole.User, "Hi", Weight: 1), new MessageContent(MessageRole.Assistant, null, ToolCallsJson: "{\"id\": 1}")],
            Label: "urgent", Rating: 6);
        var error = await Should.ThrowAsync<StudioValidationException>(() => _editor.CreateAsync(_datasetId, input, Ana, default));
        error.Errors.Select(e => e.Field).ShouldBe(["messages[1].weight", "messages[2].toolCalls", "label", "rating"]);
        error.Errors[2].Message.ShouldContain("high, low");
        await using var db = _database.CreateDbContext();
        (await db.Examples.CountAsync()).ShouldBe(0);
        (await db.AuditEvents.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task LabelOnlyExample_EditorCountsTheLearnedAnswer_QueueStaysBlindToIt()
    {
        var input = new ExampleInput([new MessageContent(MessageRole.User, "Checkout is down for every customer")], Label: "high");
        var created = await _editor.CreateAsync(_datasetId, input, Ana, default);
        var userOnly = ExampleTokens.Count(input.Messages).Total;

        // The editor (a reviewer's view) shows what the model learns and counts it.
        created.LearnedAnswer.ShouldBe("high");
        created.TotalTokens.ShouldBe(userOnly + ExampleTokens.CountAnswer("high"));

        // The queue must not hint at the stored label, not even through the token count.
        var queued = (await _annotations.NextForLabelerAsync(_datasetId, "ben", default))!;
        queued.Example.Id.ShouldBe(created.Id);
        queued.Example.LearnedAnswer.ShouldBeNull();
        queued.Example.TotalTokens.ShouldBe(userOnly);
    }

    [Fact]
    public async Task NextForLabelerAsync_HandsOutOnlyExamplesStillNeedingThisLabeler()
    {
        var first = await CreateAsync("one");
        var second = await CreateAsync("two");
        var third = await CreateAsync("three");

        (await _annotations.NextForLabelerAsync(_datasetId, "ana", default))!.Example.Id.ShouldBe(first);
        await _annotations.SaveMyAnnotationAsync(first, new AnnotationInput("high", Submit: true, SecondsSpent: 12), Ana, default);

        var next = (await _annotations.NextForLabelerAsync(_datasetId, "ana", default))!;
        next.Example.Id.ShouldBe(second);
        next.Remaining.ShouldBe(1); // second is handed out, third is left
        (await _annotations.NextForLabelerAsync(_datasetId, "ana", default, afterId: second))!.Example.Id.ShouldBe(third);

        // Ben still needs the first one; after Ben and Cat... the first has its 2 required, so Cat skips it.
        (await _annotations.NextForLabelerAsync(_datasetId, "ben", default))!.Example.Id.ShouldBe(first);
        await _annotations.SaveMyAnnotationAsync(first, new AnnotationInput("high", Submit: true), Ben, default);
        (await _annotations.NextForLabelerAsync(_datasetId, "cat", default))!.Example.Id.ShouldBe(second);

        var agreed = await _editor.GetAsync(first, Lead, default);
        agreed.Status.ShouldBe(ExampleStatus.Submitted);
        agreed.Label.ShouldBe("high");
        agreed.Annotations.Select(a => a.SecondsSpent).ShouldBe([12, 0]);
    }

    [Fact]
    public async Task AgreedLabel_TakenFromTheAnnotations_IsInTheContentHash()
    {
        var id = await CreateAsync("Checkout is down for everyone");
        await _annotations.SaveMyAnnotationAsync(id, new AnnotationInput("high", Submit: true), Ana, default);
        await _annotations.SaveMyAnnotationAsync(id, new AnnotationInput("high", Submit: true), Ben, default);

        await using var db = _database.CreateDbContext();
        var stored = await db.Examples.Include(e => e.Messages).SingleAsync(e => e.Id == id);
        stored.Label.ShouldBe("high");
        // Recomputed from the stored rows: duplicate and leakage checks compare these hashes.
        stored.ContentHash.ShouldBe(ExampleContent.FromEntity(stored).ComputeHash());
    }

    [Fact]
    public async Task Annotations_AreBlindUntilTheLabelerSubmitsTheirOwn()
    {
        var id = await CreateAsync("Server down");
        await _annotations.SaveMyAnnotationAsync(id, new AnnotationInput("high", Submit: true), Ben, default);

        (await _editor.GetAsync(id, Ana, default)).Annotations.ShouldBeEmpty();
        (await _annotations.AnnotationsAsync(id, Ana, default)).ShouldBeEmpty();
        (await _annotations.NextForLabelerAsync(_datasetId, "ana", default))!.Example.Annotations.ShouldBeEmpty();

        await _annotations.SaveMyAnnotationAsync(id, new AnnotationInput("low", Comment: "draft"), Ana, default);
        (await _annotations.AnnotationsAsync(id, Ana, default)).Select(a => a.LabelerId).ShouldBe(["ana"]);

        await _annotations.SaveMyAnnotationAsync(id, new AnnotationInput("low", Submit: true), Ana, default);
        (await _annotations.AnnotationsAsync(id, Ana, default)).Select(a => a.LabelerId).Order().ShouldBe(["ana", "ben"]);
        (await _annotations.AnnotationsAsync(id, Lead, default)).Count.ShouldBe(2);

        await Should.ThrowAsync<StudioValidationException>(() => _annotations.SaveMyAnnotationAsync(id, new AnnotationInput("high", Submit: true), Ana, default));
    }

    [Fact]
    public async Task Disagreement_GoesToReviewAndAdjudicationApprovesWithAudit()
    {
        var disputed = await CreateAsync("Printer on fire");
        var agreed = await CreateAsync("Coffee empty");
        await _annotations.SaveMyAnnotationAsync(disputed, new AnnotationInput("high", Submit: true), Ana, default);
        await _annotations.SaveMyAnnotationAsync(disputed, new AnnotationInput("low", Submit: true), Ben, default);
        await _annotations.SaveMyAnnotationAsync(agreed, new AnnotationInput("low", Rating: 2, Submit: true), Ana, default);
        await _annotations.SaveMyAnnotationAsync(agreed, new AnnotationInput("low", Rating: 3, Submit: true), Ben, default);

        var queue = await _review.DisagreementsAsync(_datasetId, Lead, 50, default);
        queue.Select(d => d.Example.Id).ShouldBe([disputed]);
        queue[0].Annotations.Select(a => a.Label).ShouldBe(["high", "low"]);
        (await _list.ListAsync(new ExampleQuery(_datasetId, NeedsAdjudication: true), default)).Total.ShouldBe(1);

        await Should.ThrowAsync<StudioValidationException>(() => _review.ReviewAsync(disputed, new ReviewInput(ReviewAction.Approve), Ana, default));
        await Should.ThrowAsync<StudioValidationException>(() => _review.DisagreementsAsync(_datasetId, Ana, 50, default));

        var final = await _review.ReviewAsync(disputed, new ReviewInput(ReviewAction.Adjudicate, Label: "high", Version: queue[0].Example.Version), Lead, default);
        final.Status.ShouldBe(ExampleStatus.Approved);
        final.Label.ShouldBe("high");
        final.ReviewedById.ShouldBe("lead");
        (await _review.DisagreementCountAsync(_datasetId, default)).ShouldBe(0);

        await using var db = _database.CreateDbContext();
        var audit = await db.AuditEvents.Where(a => a.EntityId == disputed.ToString()).OrderBy(a => a.Id).Select(a => a.Action).ToListAsync();
        audit.ShouldBe(["example.create", "annotation.submit", "annotation.submit", "example.adjudicate"]);
    }

    [Fact]
    public async Task Reject_NeedsAReason()
    {
        var id = await CreateAsync("x");
        var version = (await _editor.GetAsync(id, Lead, default)).Version;
        var error = await Should.ThrowAsync<StudioValidationException>(() => _review.ReviewAsync(id, new ReviewInput(ReviewAction.Reject, Reason: " ", Version: version), Lead, default));
        error.Errors[0].Field.ShouldBe("reason");
        var rejected = await _review.ReviewAsync(id, new ReviewInput(ReviewAction.Reject, Reason: "off topic", Version: version), Lead, default);
        rejected.Status.ShouldBe(ExampleStatus.Rejected);
        rejected.RejectionReason.ShouldBe("off topic");
    }

    [Fact]
    public async Task BulkAsync_UnknownIdChangesNothing_ValidIdsChangeTogether()
    {
        var a = await CreateAsync("a");
        var b = await CreateAsync("b");

        var versions = (await _list.ListAsync(new ExampleQuery(_datasetId), default)).Items.ToDictionary(r => r.Id, r => r.Version);
        var error = await Should.ThrowAsync<StudioValidationException>(() =>
            _review.BulkAsync(_datasetId, new BulkInput([a, b, 99999], BulkAction.Approve, Versions: new Dictionary<int, Guid>(versions) { [99999] = Guid.NewGuid() }), Lead, default));
        error.Errors[0].Field.ShouldBe("exampleIds");
        error.Errors[0].Message.ShouldContain("99999");
        (await _list.ListAsync(new ExampleQuery(_datasetId, Status: ExampleStatus.Approved), default)).Total.ShouldBe(0);

        await Should.ThrowAsync<StudioValidationException>(() => _review.BulkAsync(_datasetId, new BulkInput([a], BulkAction.Approve), Ana, default));

        (await _review.BulkAsync(_datasetId, new BulkInput([a, b], BulkAction.AddTag, Tag: "checked"), Lead, default)).Changed.ShouldBe(2);
        (await _review.BulkAsync(_datasetId, new BulkInput([a, b], BulkAction.PinSplit, Split: SplitPin.Test), Lead, default)).Changed.ShouldBe(2);
        versions = (await _list.ListAsync(new ExampleQuery(_datasetId), default)).Items.ToDictionary(r => r.Id, r => r.Version);
        (await _review.BulkAsync(_datasetId, new BulkInput([a, b], BulkAction.Reject, Reason: "duplicates", Versions: versions), Lead, default)).Changed.ShouldBe(2);

        var rows = (await _list.ListAsync(new ExampleQuery(_datasetId, Tag: "checked", Split: SplitPin.Test, Status: ExampleStatus.Rejected), default)).Items;
        rows.Select(r => r.Id).ShouldBe([a, b]);
        await using var db = _database.CreateDbContext();
        (await db.AuditEvents.CountAsync(e => e.Action.StartsWith("example.bulk."))).ShouldBe(6);
    }

    [Fact]
    public async Task DeleteAsync_LabelerMayDeleteOnlyOwnDrafts()
    {
        var id = await CreateAsync("mine");
        await Should.ThrowAsync<StudioValidationException>(() => _editor.DeleteAsync(id, Ben, default));
        await _editor.DeleteAsync(id, Ana, default);
        await Should.ThrowAsync<NotFoundException>(() => _editor.GetAsync(id, Ana, default));
    }
}
