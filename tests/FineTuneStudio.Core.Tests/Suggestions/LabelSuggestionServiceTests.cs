using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Suggestions;
using FineTuneStudio.Core.Tests.Evaluation;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTuneStudio.Core.Tests.Suggestions;

/// <summary>A classification dataset (urgent, normal, low) with six queued tickets "ticket 1" … "ticket 6".</summary>
public sealed class LabelSuggestionServiceTests : IAsyncLifetime
{
    private static readonly Actor Lead = new("lead", "Lead");
    private readonly ManualClock _clock = new(Seed.DefaultNow);
    private TestDatabase _database = null!;
    private LabelSuggestionService _service = null!;
    private SeededDataset _dataset = null!;
    private IReadOnlyList<int> _ids = [];

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _service = new LabelSuggestionService(_database, _clock, NullLogger<LabelSuggestionService>.Instance);
        var seed = new Seed(_database);
        _dataset = await seed.DatasetAsync("Triage", "Tickets", "urgent", "normal", "low");
        _ids = await seed.ExamplesAsync(_dataset.DatasetId, ExampleStatus.Draft, Enumerable.Range(1, 6).Select(i => Seed.Chat($"ticket {i}", "reply")));
        await using var db = _database.CreateDbContext();
        db.Users.AddRange(new StudioUser { Id = "ann", UserName = "ann@test", Email = "ann@test", DisplayName = "Ann" },
            new StudioUser { Id = "bob", UserName = "bob@test", Email = "bob@test", DisplayName = "Bob" });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    private async Task<Dictionary<int, (string Label, string Source, double? Confidence)>> StoredAsync()
    {
        await using var db = _database.CreateDbContext();
        return await db.LabelSuggestions.AsNoTracking().ToDictionaryAsync(s => s.ExampleId, s => (s.Label, s.Source, s.Confidence));
    }

    [Fact]
    public async Task ImportAsync_Predictions_ReplaceEachExamplesSuggestion()
    {
        await _service.ImportAsync(_dataset.DatasetId, $$"""{"example_id": {{_ids[0]}}, "label": "low"}""", "old.jsonl", Lead, default);

        var result = await _service.ImportAsync(_dataset.DatasetId,
            $"example_id,label,confidence\n{_ids[0]},URGENT,0.9\n{_ids[1]},normal,\n", "mine.csv", Lead, default);

        result.ShouldBe(new SuggestionResult(_dataset.DatasetId, "file mine.csv", 2));
        var stored = await StoredAsync();
        stored.Count.ShouldBe(2);
        stored[_ids[0]].ShouldBe(("urgent", "file mine.csv", 0.9)); // the label as the dataset spells it
        stored[_ids[1]].ShouldBe(("normal", "file mine.csv", (double?)null));
        (await _service.ForExampleAsync(_ids[0], default))!.Label.ShouldBe("urgent");
        (await _service.ForExampleAsync(_ids[2], default)).ShouldBeNull();
    }

    [Fact]
    public async Task ImportAsync_AnUnknownLabelOrAnExampleOfAnotherDataset_FailsTheFileWithItsLinesAndStoresNothing()
    {
        var other = await new Seed(_database).DatasetAsync("Triage", "Other", "urgent");
        var foreign = await new Seed(_database).ExampleAsync(other.DatasetId, ExampleStatus.Draft, Seed.Chat("elsewhere", ""));

        var error = await Should.ThrowAsync<StudioValidationException>(() => _service.ImportAsync(_dataset.DatasetId, $$"""
            {"example_id": {{_ids[0]}}, "label": "urgent"}
            {"example_id": {{foreign}}, "label": "urgent"}
            {"example_id": {{_ids[1]}}, "label": "banana"}
            """, "p.jsonl", Lead, default));

        error.Errors.Select(e => (e.Line, e.Field)).ShouldBe([(2, "example_id"), (3, "label")]);
        (await StoredAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task FromRunAsync_MapsOutputsToTheExamplesItemsCameFromOrMatchByUserText_AndCountsTheRest()
    {
        var sets = new EvalSets(_database, _clock);
        var runs = new EvalRuns(_database, _clock);
        // Items 1-3 made from examples 1-3; items t4, t5 imported with the text of tickets 4 and 5; t9 matches nothing.
        var set = await sets.CreateFromExamplesAsync(_dataset.ProjectId, new EvalSetInput("Held-out", "", ["exact"]), _dataset.DatasetId, [_ids[0], _ids[1], _ids[2]], Lead, default);
        await sets.ImportItemsAsync(set.Id, """
            {"id":"t4","input":"ticket 4","expected":"low"}
            {"id":"t5","input":[{"role":"user","content":"ticket 5"}],"expected":"low"}
            {"id":"t9","input":"ticket 9","expected":"low"}
            """, "more.jsonl", Lead, default);
        var items = await sets.ListItemsAsync(set.Id, 0, 100, default);
        string Output(EvalItemView item) => item.SourceExampleId == _ids[0] ? "Urgent." : item.SourceExampleId == _ids[1] ? "maybe urgent?" : item.ExternalId switch
        {
            "t4" => "low",
            "t5" => "normal",
            "t9" => "urgent",
            _ => "normal",
        };
        var outputs = string.Join('\n', items.Select(i => $$"""{"id":"{{i.ExternalId}}","output":"{{Output(i)}}"}"""));
        var run = await runs.ImportRunAsync(set.Id, new EvalRunInput("Baseline"), outputs, "out.jsonl", Lead, default);

        var result = await _service.FromRunAsync(_dataset.DatasetId, run.Id, Lead, default);

        // Stored: example 1 (urgent), 3 (normal), 4 (low), 5 (normal); example 2's answer is no label; t9 matches no example.
        result.ShouldBe(new SuggestionResult(_dataset.DatasetId, $"eval run {run.Id}", 4, NotALabel: 1, Unmatched: 1));
        var stored = await StoredAsync();
        stored.Keys.Order().ShouldBe([_ids[0], _ids[2], _ids[3], _ids[4]]);
        stored[_ids[0]].Label.ShouldBe("urgent");
        stored[_ids[3]].Label.ShouldBe("low");
        stored[_ids[4]].Label.ShouldBe("normal");
    }

    [Fact]
    public async Task FromRunAsync_ARunOfAnotherProject_IsNotFound()
    {
        var otherProject = await new Seed(_database).ProjectAsync("Elsewhere");
        var set = await new EvalSets(_database, _clock).CreateSetAsync(otherProject, new EvalSetInput("Theirs", "", ["exact"]), Lead, default);
        await new EvalSets(_database, _clock).ImportItemsAsync(set.Id, """{"id":"x","input":"ticket 1","expected":"urgent"}""", "i.jsonl", Lead, default);
        var run = await new EvalRuns(_database, _clock).ImportRunAsync(set.Id, new EvalRunInput("Theirs"), """{"id":"x","output":"urgent"}""", "o.jsonl", Lead, default);

        await Should.ThrowAsync<NotFoundException>(() => _service.FromRunAsync(_dataset.DatasetId, run.Id, Lead, default));
        (await StoredAsync()).ShouldBeEmpty();
    }

    private EndpointSuggester Suggester(string baseUrl, int retries = 0)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Studio:Evaluation:Generation:MaxConcurrency"] = "2",
            ["Studio:Evaluation:Generation:MaxRetries"] = retries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Studio:Evaluation:Generation:Endpoints:fake:BaseUrl"] = baseUrl,
            ["Studio:Evaluation:Generation:Endpoints:fake:Models:0"] = "fake-model",
        }).Build();
        var catalog = new EvalEndpointCatalog(TestSettings.Monitor<EvalGenerationOptions>(configuration, EvalGenerationOptions.Section));
        return new EndpointSuggester(_database, catalog, _service, NullLogger<EndpointSuggester>.Instance);
    }

    [Fact]
    public async Task SuggestAsync_AsksForQueuedExamplesWithoutASuggestion_KeepsOnlyAnswersThatAreLabels()
    {
        // Example 6 has a suggestion already and is not asked again.
        await _service.ImportAsync(_dataset.DatasetId, $$"""{"example_id": {{_ids[5]}}, "label": "low"}""", "p.jsonl", Lead, default);
        await using var server = ScriptedChatServer.Start((text, _) => text switch
        {
            "ticket 1" => FakeReply.Text("urgent"),
            "ticket 2" => FakeReply.Text(" Normal.\n"),
            "ticket 3" => FakeReply.Text("I think it is a banana"),
            "ticket 4" => FakeReply.Status(400),
            _ => FakeReply.Text("low"),
        });
        var progress = new List<SuggestionProgress>();

        var result = await Suggester(server.BaseUrl).SuggestAsync(_dataset.DatasetId, new EndpointSuggestionRequest("fake"), Lead,
            new SyncProgress<SuggestionProgress>(p => { lock (progress) { progress.Add(p); } }), default);

        result.ShouldBe(new SuggestionResult(_dataset.DatasetId, "endpoint fake", 3, NotALabel: 1, Failed: 1));
        server.TotalRequests.ShouldBe(5);
        server.RequestsFor("ticket 6").ShouldBe(0);
        progress.Max(p => p.Done).ShouldBe(5);
        progress.ShouldAllBe(p => p.Total == 5);
        var stored = await StoredAsync();
        stored[_ids[0]].ShouldBe(("urgent", "endpoint fake", (double?)null));
        stored[_ids[1]].Label.ShouldBe("normal");
        stored[_ids[4]].Label.ShouldBe("low");
        stored.ContainsKey(_ids[2]).ShouldBeFalse();
        // The label set goes in the prompt.
        server.Bodies[0].ShouldContain("- urgent\\n- normal\\n- low");
    }

    [Fact]
    public async Task SuggestAsync_WithALimit_AsksThatManyInIdOrder_AndUnknownEndpointsAreNamed()
    {
        await using var server = ScriptedChatServer.Start((_, _) => FakeReply.Text("low"));

        var result = await Suggester(server.BaseUrl).SuggestAsync(_dataset.DatasetId, new EndpointSuggestionRequest("fake", Limit: 2), Lead, null, default);

        result.Stored.ShouldBe(2);
        (await StoredAsync()).Keys.Order().ShouldBe([_ids[0], _ids[1]]);
        var error = await Should.ThrowAsync<StudioValidationException>(() =>
            Suggester(server.BaseUrl).SuggestAsync(_dataset.DatasetId, new EndpointSuggestionRequest("nowhere"), Lead, null, default));
        error.Errors.ShouldHaveSingleItem().Message.ShouldContain("configured: fake");
    }

    [Fact]
    public async Task SuggestAsync_Cancelled_KeepsTheAnswersAlreadyIn()
    {
        using var cancel = new CancellationTokenSource();
        // Ticket 1 answers; every other request hangs until the cancel.
        await using var server = ScriptedChatServer.Start((text, _) => text == "ticket 1" ? FakeReply.Text("urgent") : FakeReply.Hang);
        var progress = new SyncProgress<SuggestionProgress>(p =>
        {
            if (p.Done == 1)
            {
                cancel.Cancel();
            }
        });

        var result = await Suggester(server.BaseUrl).SuggestAsync(_dataset.DatasetId, new EndpointSuggestionRequest("fake"), Lead, progress, cancel.Token);

        result.Cancelled.ShouldBeTrue();
        result.Stored.ShouldBe(1);
        (await StoredAsync()).Keys.ShouldBe([_ids[0]]);
    }

    [Fact]
    public async Task SaveMyAnnotation_RecordsTheSuggestionStandingWhenTheLabelerFirstChose()
    {
        await _service.ImportAsync(_dataset.DatasetId, $$"""{"example_id": {{_ids[0]}}, "label": "urgent"}""", "p.jsonl", Lead, default);
        var annotations = new Annotations(_database, _clock);
        var ann = new ExampleCaller(new Actor("ann", "Ann"), CanReview: false);

        var first = await annotations.SaveMyAnnotationAsync(_ids[0], new AnnotationInput("normal"), ann, default);
        // A later suggestion is not what Ann saw when she chose.
        await _service.ImportAsync(_dataset.DatasetId, $$"""{"example_id": {{_ids[0]}}, "label": "low"}""", "p2.jsonl", Lead, default);
        var submitted = await annotations.SaveMyAnnotationAsync(_ids[0], new AnnotationInput("urgent", Submit: true), ann, default);
        var without = await annotations.SaveMyAnnotationAsync(_ids[1], new AnnotationInput("low", Submit: true), ann, default);

        (first.SuggestedLabel, first.SuggestionSource).ShouldBe(("urgent", "file p.jsonl"));
        (submitted.SuggestedLabel, submitted.SuggestionSource).ShouldBe(("urgent", "file p.jsonl"));
        (without.SuggestedLabel, without.SuggestionSource).ShouldBe((null, null));
    }
}
