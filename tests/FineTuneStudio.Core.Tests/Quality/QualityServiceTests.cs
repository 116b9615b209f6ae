using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Quality;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Tests.Quality;

/// <summary>
/// A six-example dataset with planted problems:
/// 1 and 2 exact copies; 3 and 4 the same ticket with different labels; 5 holds an e-mail address;
/// 6 has another system prompt. Two labelers annotate 1-4.
/// </summary>
public sealed class QualityServiceTests : IAsyncLifetime
{
    private const string Canonical = "You sort support tickets by urgency.";
    private static readonly Actor Lead = new("lead-id", "Lead");

    private readonly ManualClock _clock = new(new DateTime(2026, 3, 2, 10, 0, 0, DateTimeKind.Utc));
    private TestDatabase _database = null!;
    private QualityService _service = null!;
    private QualityFixes _fixes = null!;
    private int _datasetId;
    private int _projectId;
    private readonly int[] _ids = new int[7];

    public async Task InitializeAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _service = new QualityService(_database, _clock, Options.Create(new QualityThresholds()));
        _fixes = new QualityFixes(_database, _clock);
        await using var db = _database.CreateDbContext();
        var now = _clock.UtcNow;
        var project = new Project { Name = "Triage", CreatedAt = now, UpdatedAt = now };
        var dataset = new Dataset { Name = "Urgency", Project = project, TaskKind = TaskKind.Classification, CanonicalSystemPrompt = Canonical, Labels = ["a", "b"], CreatedAt = now, UpdatedAt = now };
        db.Datasets.Add(dataset);
        var texts = new (string Prompt, string User, string Label)[]
        {
            (Canonical, "The checkout page shows an error after I enter my card details", "a"),
            (Canonical, "The checkout page shows an error after I enter my card details", "a"),
            (Canonical, "My parcel arrived with a broken lid and missing screws inside", "a"),
            (Canonical, "My parcel arrived with a broken lid and missing screws inside", "b"),
            (Canonical, "Please send the new invoice to kim.larsen@example.com before Friday morning", "b"),
            ("You are a friendly helper for everything.", "How do I change the language of the mobile app settings menu", "b"),
        };
        var examples = texts.Select(t =>
        {
            var example = new Example { Dataset = dataset, Status = ExampleStatus.Approved, CreatedAt = now, UpdatedAt = now, Version = Guid.NewGuid() };
            new ExampleContent([new MessageContent(MessageRole.System, t.Prompt), new MessageContent(MessageRole.User, t.User)], t.Label).ApplyTo(example);
            return example;
        }).ToList();
        db.Examples.AddRange(examples);
        var ann = new StudioUser { Id = "ann", UserName = "ann@test", Email = "ann@test", DisplayName = "Ann" };
        var bob = new StudioUser { Id = "bob", UserName = "bob@test", Email = "bob@test", DisplayName = "Bob" };
        db.Users.AddRange(ann, bob);
        await db.SaveChangesAsync();
        _projectId = project.Id;
        _datasetId = dataset.Id;
        for (var i = 0; i < examples.Count; i++)
        {
            _ids[i + 1] = examples[i].Id;
        }

        // Ann: a a a b (10, 20, 30, 40 s); Bob: a a b b (5, 5, 5, 100 s).
        string[] annLabels = ["a", "a", "a", "b"], bobLabels = ["a", "a", "b", "b"];
        int[] annSeconds = [10, 20, 30, 40], bobSeconds = [5, 5, 5, 100];
        for (var i = 0; i < 4; i++)
        {
            db.Annotations.Add(new Annotation { ExampleId = _ids[i + 1], LabelerId = "ann", Label = annLabels[i], SecondsSpent = annSeconds[i], Submitted = true, CreatedAt = now, UpdatedAt = now });
            db.Annotations.Add(new Annotation { ExampleId = _ids[i + 1], LabelerId = "bob", Label = bobLabels[i], SecondsSpent = bobSeconds[i], Submitted = true, CreatedAt = now, UpdatedAt = now });
        }

        // A draft annotation must not count.
        db.Annotations.Add(new Annotation { ExampleId = _ids[5], LabelerId = "bob", Label = "a", SecondsSpent = 1, Submitted = false, CreatedAt = now, UpdatedAt = now });
        await db.SaveChangesAsync();
    }

    public async Task DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task RunAsync_PlantedProblems_AreFoundAndLinkedToExampleIds()
    {
        var result = await _service.RunAsync(_datasetId, Lead, null, CancellationToken.None);
        var report = result.Report;

        report.ExamplesAnalyzed.ShouldBe(6);
        report.Find(FindingType.ExactDuplicate)!.Groups!.ShouldBe([new[] { _ids[1], _ids[2] }]);
        report.Find(FindingType.ExactDuplicate)!.Count.ShouldBe(1);
        report.Find(FindingType.ConflictingAnswers)!.Groups!.ShouldBe([new[] { _ids[3], _ids[4] }]);
        report.Findings.Single(f => f.Type == FindingType.PersonalData).ExampleIds.ShouldBe([_ids[5]]);
        report.Find(FindingType.SystemPromptDrift)!.ExampleIds.ShouldBe([_ids[6]]);
        result.Run.Status.ShouldBe(QualityRunStatus.Completed);
        result.Run.ExamplesAnalyzed.ShouldBe(6);
        result.IsStale.ShouldBeFalse();
        result.Trend.ShouldAllBe(t => t.PreviousCount == null);
    }

    [Fact]
    public async Task RunAsync_Annotations_GiveAgreementPerPairAndPerLabelerFigures()
    {
        var result = await _service.RunAsync(_datasetId, Lead, null, CancellationToken.None);

        // Ann a,a,a,b vs Bob a,a,b,b: observed 3/4; chance 3/4·2/4 + 1/4·2/4 = 1/2; kappa (0.75-0.5)/0.5 = 0.5.
        var pair = result.Report.Agreement!.Pairs.Single();
        (pair.RaterA, pair.RaterB).ShouldBe(("Ann", "Bob"));
        pair.SharedItems.ShouldBe(4);
        pair.Kappa!.Value.ShouldBe(0.5, 1e-9);

        // Final labels a,a,a,b. Ann matches 4/4, median of 10,20,30,40 is 25; Bob matches 3/4, median of 5,5,5,100 is 5.
        result.Labelers.ShouldBe([
            new LabelerFigures("Ann", 4, 25, 4, 1.0),
            new LabelerFigures("Bob", 4, 5, 4, 0.75),
        ]);
    }

    [Fact]
    public async Task LatestAsync_AfterAnExampleChanges_IsStale()
    {
        (await _service.LatestAsync(_datasetId, CancellationToken.None)).ShouldBeNull();
        await _service.RunAsync(_datasetId, Lead, null, CancellationToken.None);
        (await _service.LatestAsync(_datasetId, CancellationToken.None))!.IsStale.ShouldBeFalse();

        _clock.Advance(TimeSpan.FromMinutes(5));
        await using (var db = _database.CreateDbContext())
        {
            var example = await db.Examples.SingleAsync(e => e.Id == _ids[6]);
            example.Notes = "checked";
            example.UpdatedAt = _clock.UtcNow;
            await db.SaveChangesAsync();
        }

        (await _service.LatestAsync(_datasetId, CancellationToken.None))!.IsStale.ShouldBeTrue();
    }

    [Fact]
    public async Task LatestAsync_AfterAnExampleIsDeleted_IsStale()
    {
        await _service.RunAsync(_datasetId, Lead, null, CancellationToken.None);
        await using (var db = _database.CreateDbContext())
        {
            await db.Examples.Where(e => e.Id == _ids[6]).ExecuteDeleteAsync();
        }

        // The remaining examples are older than the run; only the count (5 instead of 6) shows the change.
        (await _service.LatestAsync(_datasetId, CancellationToken.None))!.IsStale.ShouldBeTrue();
    }

    [Fact]
    public async Task RejectDuplicates_RejectsWithReasonAndAudits_AndTheNextRunShowsTheTrend()
    {
        await _service.RunAsync(_datasetId, Lead, null, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(1));

        (await _fixes.RejectDuplicatesAsync(_datasetId, [_ids[2]], null, Lead, CancellationToken.None)).ShouldBe(1);

        await using (var db = _database.CreateDbContext())
        {
            var example = await db.Examples.SingleAsync(e => e.Id == _ids[2]);
            example.Status.ShouldBe(ExampleStatus.Rejected);
            example.RejectionReason!.ShouldContain("Duplicate");
            example.ReviewedById.ShouldBe("lead-id");
            var audit = await db.AuditEvents.SingleAsync(a => a.Action == "example.reject");
            audit.EntityId.ShouldBe(_ids[2].ToString());
            audit.UserName.ShouldBe("Lead");
        }

        (await _service.LatestAsync(_datasetId, CancellationToken.None))!.IsStale.ShouldBeTrue();
        _clock.Advance(TimeSpan.FromMinutes(1));
        var second = await _service.RunAsync(_datasetId, Lead, null, CancellationToken.None);

        // Rejected examples are left out, so the exact duplicate is gone: 1 before, 0 now.
        second.Report.ExamplesSkipped.ShouldBe(1);
        var trend = second.Trend.Single(t => t.Type == FindingType.ExactDuplicate);
        (trend.Count, trend.PreviousCount, trend.Change).ShouldBe((0, 1, -1));
        second.IsStale.ShouldBeFalse();
    }

    [Fact]
    public async Task SendToAdjudication_SetsSubmittedAndAuditsEachExample()
    {
        (await _fixes.SendToAdjudicationAsync(_datasetId, [_ids[3], _ids[4]], Lead, CancellationToken.None)).ShouldBe(2);

        await using var db = _database.CreateDbContext();
        (await db.Examples.Where(e => e.Id == _ids[3] || e.Id == _ids[4]).Select(e => e.Status).ToListAsync()).ShouldAllBe(s => s == ExampleStatus.Submitted);
        (await db.AuditEvents.CountAsync(a => a.Action == "example.adjudicate")).ShouldBe(2);
    }

    [Fact]
    public async Task ApplyCanonicalPrompt_ReplacesTheSystemTurnAndRefreshesTheHash()
    {
        string before;
        await using (var db = _database.CreateDbContext())
        {
            before = await db.Examples.Where(e => e.Id == _ids[6]).Select(e => e.ContentHash).SingleAsync();
        }

        await _fixes.ApplyCanonicalPromptAsync(_datasetId, [_ids[6]], Lead, CancellationToken.None);

        await using (var db = _database.CreateDbContext())
        {
            var example = await db.Examples.Include(e => e.Messages).SingleAsync(e => e.Id == _ids[6]);
            example.Messages.OrderBy(m => m.Position).Select(m => (m.Role, m.Content)).ShouldBe([
                (MessageRole.System, Canonical),
                (MessageRole.User, "How do I change the language of the mobile app settings menu"),
            ]);
            example.ContentHash.ShouldNotBe(before);
            example.ContentHash.ShouldBe(ExampleContent.FromEntity(example).ComputeHash());
            (await db.AuditEvents.CountAsync(a => a.Action == "example.update" && a.EntityId == _ids[6].ToString())).ShouldBe(1);
        }

        var result = await _service.RunAsync(_datasetId, Lead, null, CancellationToken.None);
        result.Report.Find(FindingType.SystemPromptDrift).ShouldBeNull();
    }

    [Fact]
    public async Task Actions_WithAnExampleOfAnotherDataset_ChangeNothing()
    {
        var error = await Should.ThrowAsync<StudioValidationException>(() =>
            _fixes.RejectDuplicatesAsync(_datasetId, [_ids[2], 99_999], null, Lead, CancellationToken.None));

        error.Errors.Single().Field.ShouldBe("exampleIds");
        error.Errors.Single().Message.ShouldContain("99999");
        await using var db = _database.CreateDbContext();
        (await db.Examples.CountAsync(e => e.Status == ExampleStatus.Rejected)).ShouldBe(0);
        (await db.AuditEvents.CountAsync(a => a.Action == "example.reject")).ShouldBe(0);
    }

    [Fact]
    public async Task EvidenceAsync_SharesAndKappaFromTheLatestRun()
    {
        (await _service.EvidenceAsync(_projectId, CancellationToken.None)).DuplicateShare.ShouldBeNull();
        await _service.RunAsync(_datasetId, Lead, null, CancellationToken.None);

        var evidence = await _service.EvidenceAsync(_projectId, CancellationToken.None);

        // Duplicates: 2 repeats 1 exactly, and 4 nearly repeats 3 (same ticket, other label) = 2 of 6.
        evidence.ExamplesAnalyzed.ShouldBe(6);
        evidence.DuplicateShare!.Value.ShouldBe(2.0 / 6, 1e-9);
        // Conflicts: 3 and 4 = 2 of 6.
        evidence.ConflictShare!.Value.ShouldBe(2.0 / 6, 1e-9);
        // Every item has two ratings, so Fleiss: pooled a 5/8, b 3/8, chance 34/64; mean agreement 3/4;
        // (0.75 - 0.53125) / (1 - 0.53125) = 7/15.
        evidence.AgreementKappa!.Value.ShouldBe(7.0 / 15, 1e-9);
    }

    [Fact]
    public async Task ReadinessEvidence_UsesTheSharesOfTheLatestQualityRun()
    {
        var readiness = new FineTuneStudio.Core.Readiness.ReadinessEvidenceReader(_database, _service, Judging.For(_database, _clock).Calibration);
        (await readiness.GatherEvidenceAsync(_projectId, CancellationToken.None)).DuplicateShare.ShouldBeNull();

        await _service.RunAsync(_datasetId, Lead, null, CancellationToken.None);

        var evidence = await readiness.GatherEvidenceAsync(_projectId, CancellationToken.None);
        // Same fixture as above: 2 of 6 examples duplicate another, 2 of 6 conflict.
        evidence.DuplicateShare!.Value.ShouldBe(2.0 / 6, 1e-9);
        evidence.ConflictShare!.Value.ShouldBe(2.0 / 6, 1e-9);
    }

    [Fact]
    public async Task ReadinessEvidence_FromTheContainer_HonoursTheConfiguredThresholds()
    {
        // A seventh example shares 8 of 12 word shingles with the first (Jaccard 2/3): below the
        // default near-duplicate threshold (0.8), above the configured one (0.5).
        await using (var db = _database.CreateDbContext())
        {
            var now = _clock.UtcNow;
            var example = new Example { DatasetId = _datasetId, Status = ExampleStatus.Approved, CreatedAt = now, UpdatedAt = now, Version = Guid.NewGuid() };
            new ExampleContent([new MessageContent(MessageRole.System, Canonical), new MessageContent(MessageRole.User, "The checkout page shows an error after I enter my bank code")], "a").ApplyTo(example);
            db.Examples.Add(example);
            await db.SaveChangesAsync();
        }

        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Quality:NearDuplicateThreshold"] = "0.5" })
            .Build();
        var services = new ServiceCollection().AddLogging().AddStudioCore(configuration);
        services.AddSingleton<IDbContextFactory<StudioDbContext>>(_database);
        services.AddSingleton<TimeProvider>(_clock);
        await using var provider = services.BuildServiceProvider();
        var readiness = provider.GetRequiredService<FineTuneStudio.Core.Readiness.ReadinessEvidenceReader>();

        await _service.RunAsync(_datasetId, Lead, null, CancellationToken.None);
        var byDefault = await readiness.GatherEvidenceAsync(_projectId, CancellationToken.None);
        await provider.GetRequiredService<QualityService>().RunAsync(_datasetId, Lead, null, CancellationToken.None);
        var configured = await readiness.GatherEvidenceAsync(_projectId, CancellationToken.None);

        // Default: 2 repeats 1, 4 nearly repeats 3 = 2 of 7. Configured: 7 nearly repeats 1 as well.
        byDefault.DuplicateShare!.Value.ShouldBe(2.0 / 7, 1e-9);
        configured.DuplicateShare!.Value.ShouldBe(3.0 / 7, 1e-9);
    }

    [Fact]
    public async Task JobRunner_RunsInTheBackground_ReportsCompletionAndStoresTheRun()
    {
        using var runner = new QualityJobRunner(_service, NullLogger<QualityJobRunner>.Instance, new JobLeaseService(_database, _clock, NullLogger<JobLeaseService>.Instance));
        var seen = new List<QualityProgress>();
        runner.Changed += p => { lock (seen) { seen.Add(p); } };

        var started = await runner.StartAsync(_datasetId, Lead, CancellationToken.None);
        var again = await runner.StartAsync(_datasetId, Lead, CancellationToken.None);
        await runner.WaitAsync(_datasetId);

        // One run per dataset: the second start joined the first (unless it had already finished).
        if (again.RunId != started.RunId)
        {
            seen.ShouldContain(p => p.RunId == started.RunId && p.Status == QualityRunStatus.Completed);
        }

        lock (seen)
        {
            seen.ShouldContain(p => p.RunId == started.RunId && p.Status == QualityRunStatus.Completed && p.Processed == 6);
        }

        runner.Current(_datasetId).ShouldBeNull();
        (await _service.GetRunAsync(_datasetId, started.RunId, CancellationToken.None)).Status.ShouldBe(QualityRunStatus.Completed);
    }

    [Fact]
    public async Task ExecuteAsync_Cancelled_MarksTheRunCancelled()
    {
        var run = await _service.BeginAsync(_datasetId, Lead, CancellationToken.None);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => _service.ExecuteAsync(run.Id, null, cancelled.Token));

        var stored = await _service.GetRunAsync(_datasetId, run.Id, CancellationToken.None);
        stored.Status.ShouldBe(QualityRunStatus.Cancelled);
        (await _service.LatestAsync(_datasetId, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task RunAsync_StoresTheThresholdsOfTheSettings_WithTheRun()
    {
        var service = new QualityService(_database, _clock, Options.Create(new QualityThresholds { NearDuplicateThreshold = 0.9, OutlierScore = 6 }));

        await service.RunAsync(_datasetId, Lead, null, CancellationToken.None);
        var stored = (await new QualityService(_database, _clock, Options.Create(new QualityThresholds())).LatestAsync(_datasetId, CancellationToken.None))!;

        stored.Report.Thresholds.ShouldBe(new QualityThresholds { NearDuplicateThreshold = 0.9, OutlierScore = 6 });
    }

    [Fact]
    public async Task ExampleList_WithFindingsFilter_ShowsOnlyExamplesWithThatFindingInTheLatestRun()
    {
        var examples = new ExampleList(_database, new StoredFindings(_database));
        var clean = await AddExampleAsync("Can I pay the invoice in two parts next month", "a");
        await _service.RunAsync(_datasetId, Lead, null, CancellationToken.None);

        async Task<int[]> IdsAsync(ExampleQuery query) => (await examples.ListAsync(query, CancellationToken.None)).Items.Select(r => r.Id).Order().ToArray();

        (await IdsAsync(new ExampleQuery(_datasetId, Finding: FindingType.ConflictingAnswers))).ShouldBe([_ids[3], _ids[4]]);
        (await IdsAsync(new ExampleQuery(_datasetId, Finding: FindingType.PersonalData))).ShouldBe([_ids[5]]);
        (await IdsAsync(new ExampleQuery(_datasetId, Finding: FindingType.SystemPromptDrift))).ShouldBe([_ids[6]]);
        var any = await IdsAsync(new ExampleQuery(_datasetId, HasFindings: true));
        any.ShouldBeSubsetOf(_ids[1..7]);
        any.ShouldContain(_ids[2]);
        any.ShouldNotContain(clean);
        // Combined with the other filters: label b among the examples with any finding.
        (await IdsAsync(new ExampleQuery(_datasetId, Label: "b", Finding: FindingType.ConflictingAnswers))).ShouldBe([_ids[4]]);
    }

    [Fact]
    public async Task ExampleList_WithFindingsFilter_BeforeAnyAnalysis_IsEmpty()
    {
        var page = await new ExampleList(_database, new StoredFindings(_database)).ListAsync(new ExampleQuery(_datasetId, HasFindings: true), CancellationToken.None);

        page.Total.ShouldBe(0);
        page.Items.ShouldBeEmpty();
    }

    [Fact]
    public void StoredReport_FromBeforeIdsWereStored_FiltersByTheListedIds()
    {
        var report = new QualityReport(3, 0,
            [new QualityFinding(FindingType.ExactDuplicate, FindingSeverity.Warning, "Exact duplicates", "", 1, [7, 9], [[7, 9]], 1),
             new QualityFinding(FindingType.EmptyTurn, FindingSeverity.Error, "Empty turns", "", 1, [4])],
            new LabelBalance([], 0, null), null, [], [], null);
        var json = new StoredQualityReport(report, []).ToJson();

        var stored = StoredQualityReport.FromJson(json);

        stored.ExampleIds.ShouldBeNull();
        stored.Report.Thresholds.ShouldBeNull();
        stored.ExampleIdsWith(null).ShouldBe([4, 7, 9]);
        stored.ExampleIdsWith(FindingType.ExactDuplicate).ShouldBe([7, 9]);
    }

    private async Task<int> AddExampleAsync(string user, string label)
    {
        await using var db = _database.CreateDbContext();
        var now = _clock.UtcNow;
        var example = new Example { DatasetId = _datasetId, Status = ExampleStatus.Approved, CreatedAt = now, UpdatedAt = now, Version = Guid.NewGuid() };
        new ExampleContent([new MessageContent(MessageRole.System, Canonical), new MessageContent(MessageRole.User, user)], label).ApplyTo(example);
        db.Examples.Add(example);
        await db.SaveChangesAsync();
        return example.Id;
    }
}
