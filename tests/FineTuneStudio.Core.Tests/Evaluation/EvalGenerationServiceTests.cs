using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTuneStudio.Core.Tests.Evaluation;

public sealed class EvalGenerationServiceTests : IAsyncLifetime
{
    private static readonly Actor Lead = new("user-lead", "lead@example.test");
    private readonly ManualClock _clock = new(new DateTime(2026, 11, 30, 8, 0, 0, DateTimeKind.Utc));
    private TestDatabase _db = default!;
    private EvalSets _sets = default!;
    private EvalRuns _runs = default!;
    private int _setId;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateOnFileAsync();
        var project = await new ProjectService(_db, _clock).CreateAsync(new ProjectInput("Triage", null), Lead, default);
        _sets = new EvalSets(_db, _clock);
        _runs = new EvalRuns(_db, _clock);
        _setId = (await _sets.CreateSetAsync(project.Id, new EvalSetInput("Held-out", "", ["exact", "accuracy"]), Lead, default)).Id;
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    /// <summary>Items t1..tN whose input is "ticket i" and whose expected answer is "high" for odd i, "low" for even i.</summary>
    private async Task AddItemsAsync(int count)
    {
        var lines = Enumerable.Range(1, count).Select(i => $$"""{"id":"t{{i}}","input":"ticket {{i}}","expected":"{{Expected(i)}}","label":"{{Expected(i)}}"}""");
        await _sets.ImportItemsAsync(_setId, string.Join('\n', lines), "items.jsonl", Lead, default);
    }

    private static string Expected(int i) => i % 2 == 1 ? "high" : "low";

    private static FakeReply RightAnswer(string text) => FakeReply.Text(Expected(int.Parse(text["ticket ".Length..], System.Globalization.CultureInfo.InvariantCulture)));

    private EvalGenerationService Service(ScriptedChatServer server, int concurrency = 4, int retries = 3, int timeoutSeconds = 30, string key = "sk-test-secret",
        EvalRuns? scoring = null) => Service(server.BaseUrl, concurrency, retries, timeoutSeconds, key, scoring);

    private EvalGenerationService Service(string baseUrl, int concurrency = 4, int retries = 3, int timeoutSeconds = 30, string key = "sk-test-secret",
        EvalRuns? scoring = null, ILogger<EvalGenerationService>? logger = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Studio:Evaluation:Generation:MaxConcurrency"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Studio:Evaluation:Generation:MaxRetries"] = retries.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Studio:Evaluation:Generation:TimeoutSeconds"] = timeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Studio:Evaluation:Generation:RetryDelayMilliseconds"] = "10",
            ["Studio:Evaluation:Generation:Endpoints:fake:BaseUrl"] = baseUrl,
            ["Studio:Evaluation:Generation:Endpoints:fake:ApiKey"] = key,
            ["Studio:Evaluation:Generation:Endpoints:fake:Provider"] = "local",
        }).Build();
        // A lease service of its own: each service stands for one app instance.
        var catalog = new EvalEndpointCatalog(TestSettings.Monitor<EvalGenerationOptions>(configuration, EvalGenerationOptions.Section));
        var runs = scoring ?? _runs;
        var log = logger ?? NullLogger<EvalGenerationService>.Instance;
        return new EvalGenerationService(_db, _clock, catalog, runs, new EvalRunGenerator(_db, _clock, catalog, runs, log), log, new JobLeaseService(_db, _clock, NullLogger<JobLeaseService>.Instance));
    }

    private async Task<int> GenerateAsync(EvalGenerationService service, IProgress<GenerationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var run = await service.CreateAsync(_setId, new GenerateRunRequest { Name = "Candidate", Endpoint = "fake", Model = "fake-model" }, Lead, default);
        run.Status.ShouldBe(EvalRunStatus.Pending);
        (await service.ExecuteAsync(run.Id, Lead, progress, cancellationToken)).ShouldBeTrue();
        return run.Id;
    }

    private async Task<List<(string ExternalId, EvalResult Result)>> ResultsAsync(int runId)
    {
        await using var db = _db.CreateDbContext();
        var rows = await db.EvalResults.AsNoTracking().Where(r => r.EvalRunId == runId)
            .Join(db.EvalItems, r => r.EvalItemId, i => i.Id, (r, i) => new { i.ExternalId, Result = r }).ToListAsync();
        return rows.Select(r => (r.ExternalId, r.Result)).OrderBy(r => r.ExternalId, StringComparer.Ordinal).ToList();
    }

    private async Task<EvalRun> RunAsync(int runId)
    {
        await using var db = _db.CreateDbContext();
        return await db.EvalRuns.AsNoTracking().SingleAsync(r => r.Id == runId);
    }

    [Fact]
    public async Task Execute_EveryItemAnswers_RecordsOutputsTokensLatencyAndScores()
    {
        await AddItemsAsync(3);
        // t2 gets the wrong answer: 2 of 3 right.
        await using var server = ScriptedChatServer.Start((text, _) => text == "ticket 2" ? FakeReply.Text("high", 17, 5) : RightAnswer(text));

        var runId = await GenerateAsync(Service(server));

        var results = await ResultsAsync(runId);
        results.Select(r => r.Result.Output).ShouldBe(["high", "high", "high"]);
        results.ShouldAllBe(r => !r.Result.Failed && r.Result.LatencyMs >= 0);
        results[0].Result.PromptTokens.ShouldBe(11);
        results[0].Result.CompletionTokens.ShouldBe(3);
        results[1].Result.PromptTokens.ShouldBe(17);
        results[1].Result.CompletionTokens.ShouldBe(5);
        var run = await _runs.GetRunAsync(runId, default);
        run.Status.ShouldBe(EvalRunStatus.Completed);
        run.Summary!.Correct.ShouldBe(2);
        run.Summary.Metrics["exact"].ShouldBe(0.6667);
        run.Summary.Failed.ShouldBe(0);
        server.TotalRequests.ShouldBe(3);
    }

    [Fact]
    public async Task Execute_StoresOnlyTheEndpointNameAndModel_NeverTheKeyOrAddress()
    {
        await AddItemsAsync(1);
        await using var server = ScriptedChatServer.Start((text, _) => RightAnswer(text));

        var runId = await GenerateAsync(Service(server, key: "sk-never-in-db"));

        var run = await RunAsync(runId);
        (run.Endpoint, run.Model, run.Provider).ShouldBe(("fake", "fake-model", "local"));
        await using var db = _db.CreateDbContext();
        var stored = string.Join("|", await db.EvalRuns.Select(r => r.Endpoint + r.SettingsJson + r.Notes + r.SystemPrompt).ToListAsync())
            + string.Join("|", await db.AuditEvents.Select(a => a.Summary).ToListAsync());
        stored.ShouldNotContain("sk-never-in-db");
        stored.ShouldNotContain(server.BaseUrl);
    }

    [Fact]
    public async Task Execute_ItemAlwaysAnswering500_IsRecordedFailedWithItsError_OthersSucceed()
    {
        await AddItemsAsync(4);
        await using var server = ScriptedChatServer.Start((text, _) => text == "ticket 3" ? FakeReply.Status(500) : RightAnswer(text));

        var runId = await GenerateAsync(Service(server, retries: 2));

        var results = await ResultsAsync(runId);
        results.Count.ShouldBe(4);
        var failed = results.Single(r => r.Result.Failed);
        failed.ExternalId.ShouldBe("t3");
        failed.Result.Output.ShouldBeNull();
        failed.Result.Error.ShouldNotBeNull();
        failed.Result.Error.ShouldStartWith("HTTP 500");
        failed.Result.Error.ShouldEndWith("(after 3 attempts)");
        server.RequestsFor("ticket 3").ShouldBe(3); // the first try and two retries
        results.Where(r => r.ExternalId != "t3").ShouldAllBe(r => !r.Result.Failed);
        var run = await _runs.GetRunAsync(runId, default);
        run.Status.ShouldBe(EvalRunStatus.Completed);
        run.Summary!.Failed.ShouldBe(1);
        run.Summary.Correct.ShouldBe(3);
    }

    [Fact]
    public async Task Execute_ScoringFails_RunEndsFailedWithItsOutputsKept_AndIsNotResumedAgain()
    {
        await AddItemsAsync(2);
        await using var server = ScriptedChatServer.Start((text, _) => RightAnswer(text));
        var service = Service(server, scoring: new EvalRuns(new ScoresRefused(_db), _clock));
        var progress = new SyncProgress(_ => { });

        var runId = await GenerateAsync(service, progress);

        var run = await RunAsync(runId);
        run.Status.ShouldBe(EvalRunStatus.Failed);
        run.Error.ShouldBe("every item has an output, but scoring them failed; the error was logged");
        run.CompletedAt.ShouldNotBeNull();
        (await ResultsAsync(runId)).Select(r => r.Result.Output).ShouldBe(["high", "low"]);
        progress.Last!.Status.ShouldBe(EvalRunStatus.Failed);
        (await service.GetProgressAsync(runId, default)).Orphaned.ShouldBeFalse();
        (await service.OrphanedRunIdsAsync(default)).ShouldNotContain(runId);
    }

    [Fact]
    public async Task Execute_EndpointRefusesTheConnection_StoresWhatHappenedWithoutTheAddress_AndLogsTheDetail()
    {
        await AddItemsAsync(1);
        var port = ClosedPort();
        var log = new ListLogger();

        var runId = await GenerateAsync(Service($"http://127.0.0.1:{port}/v1", retries: 1, logger: log));

        var result = (await ResultsAsync(runId)).Single().Result;
        result.Failed.ShouldBeTrue();
        result.Error.ShouldBe("the endpoint 'fake' refused the connection (after 2 attempts)");
        var run = await RunAsync(runId);
        (run.Status, run.Error).ShouldBe((EvalRunStatus.Failed, "every item failed; see the item errors"));
        var stored = result.Error + run.Error + (await _runs.GetResultsAsync(runId, null, null, default)).Items.Single().Error;
        stored.ShouldNotContain("127.0.0.1");
        stored.ShouldNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        stored.ShouldNotContain("http");
        // The full detail, address included, is for whoever runs the instance.
        log.Entries.ShouldContain(e => e.Exception != null && e.Exception.ToString().Contains($"127.0.0.1:{port}"));
    }

    /// <summary>A port on 127.0.0.1 nothing listens on: connecting is refused at once.</summary>
    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class ListLogger : ILogger<EvalGenerationService>
    {
        public List<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((logLevel, formatter(state, exception), exception));
            }
        }
    }

    /// <summary>A database that refuses a run's scores (a full disk, say): the scoring step fails once every item has its output.</summary>
    private sealed class ScoresRefused(IDbContextFactory<StudioDbContext> inner) : IDbContextFactory<StudioDbContext>
    {
        public StudioDbContext CreateDbContext()
        {
            var db = inner.CreateDbContext();
            db.SavingChanges += (_, _) =>
            {
                if (db.ChangeTracker.Entries<AuditEvent>().Any(e => e.State == EntityState.Added && e.Entity.Action == "evalrun.score"))
                {
                    throw new IOException("disk full");
                }
            };
            return db;
        }
    }

    [Fact]
    public async Task Execute_EndpointThatNeverAnswers_IsRetriedThenRecordedAsTimedOut()
    {
        await AddItemsAsync(2);
        await using var server = ScriptedChatServer.Start((text, _) => text == "ticket 1" ? FakeReply.Hang : RightAnswer(text));

        var runId = await GenerateAsync(Service(server, retries: 1, timeoutSeconds: 1));

        var results = await ResultsAsync(runId);
        results[0].Result.Failed.ShouldBeTrue();
        results[0].Result.Error.ShouldBe("no answer within 1 s (after 2 attempts)");
        server.RequestsFor("ticket 1").ShouldBe(2);
        results[1].Result.Failed.ShouldBeFalse();
        results[1].Result.Output.ShouldBe("low");
    }

    [Fact]
    public async Task Execute_Transient500ThenAnswer_IsRetriedAndSucceeds()
    {
        await AddItemsAsync(2);
        await using var server = ScriptedChatServer.Start((text, attempt) => text == "ticket 2" && attempt == 1 ? FakeReply.Status(503) : RightAnswer(text));

        var runId = await GenerateAsync(Service(server));

        var results = await ResultsAsync(runId);
        results.ShouldAllBe(r => !r.Result.Failed);
        results[1].Result.Output.ShouldBe("low");
        server.RequestsFor("ticket 2").ShouldBe(2);
        (await _runs.GetRunAsync(runId, default)).Summary!.Correct.ShouldBe(2);
    }

    [Fact]
    public async Task Execute_BadRequest_IsNotRetried()
    {
        await AddItemsAsync(1);
        await using var server = ScriptedChatServer.Start((_, _) => FakeReply.Status(400));

        var runId = await GenerateAsync(Service(server));

        server.RequestsFor("ticket 1").ShouldBe(1);
        (await ResultsAsync(runId)).Single().Result.Error.ShouldNotBeNull().ShouldStartWith("HTTP 400");
        var run = await RunAsync(runId);
        run.Status.ShouldBe(EvalRunStatus.Failed); // every item failed
    }

    [Fact]
    public async Task Execute_Cancelled_StopsTheRunAndKeepsWhatWasDone()
    {
        await AddItemsAsync(20);
        // The first three answer at once; later ones wait until cancelled, like a slow model.
        await using var server = ScriptedChatServer.Start((text, _) =>
            int.Parse(text["ticket ".Length..], System.Globalization.CultureInfo.InvariantCulture) <= 3 ? RightAnswer(text) : FakeReply.Hang);
        using var cancel = new CancellationTokenSource();
        var progress = new SyncProgress(p =>
        {
            if (p.Done == 3)
            {
                cancel.Cancel();
            }
        });

        var runId = await GenerateAsync(Service(server, concurrency: 1), progress, cancel.Token);

        var run = await RunAsync(runId);
        run.Status.ShouldBe(EvalRunStatus.Cancelled);
        run.Error.ShouldBe("cancelled after 3 of 20 items");
        (await ResultsAsync(runId)).Count.ShouldBe(3);
        server.TotalRequests.ShouldBeLessThanOrEqualTo(4);
        progress.Last!.Status.ShouldBe(EvalRunStatus.Cancelled);
    }

    [Fact]
    public async Task RequestCancel_FromAnotherInstance_StopsTheRunAfterItsCurrentItem()
    {
        await AddItemsAsync(10);
        var service = default(EvalGenerationService)!;
        var runId = 0;
        // Item 2's request arrives after the cancel was recorded, as if another instance asked; later items take
        // as long as a slow model, so the run can only end by noticing the cancel.
        await using var server = ScriptedChatServer.Start(async (text, _) =>
        {
            if (text == "ticket 2")
            {
                (await service.RequestCancelAsync(runId, Lead, default)).ShouldBeTrue();
            }

            return int.Parse(text["ticket ".Length..], System.Globalization.CultureInfo.InvariantCulture) <= 2 ? RightAnswer(text) : FakeReply.Hang;
        });
        service = Service(server, concurrency: 1);
        var run = await service.CreateAsync(_setId, new GenerateRunRequest { Name = "Candidate", Endpoint = "fake", Model = "fake-model" }, Lead, default);
        runId = run.Id;

        await service.ExecuteAsync(runId, Lead, null, default);

        (await RunAsync(runId)).Status.ShouldBe(EvalRunStatus.Cancelled);
        (await ResultsAsync(runId)).Count.ShouldBe(2);
        // Item 3 may have been asked before the cancel was seen; its request is abandoned, never stored.
        server.TotalRequests.ShouldBeLessThanOrEqualTo(3);
        await using var db = _db.CreateDbContext();
        (await db.AuditEvents.CountAsync(e => e.Action == "evalrun.cancel" && e.EntityId == runId.ToString() && e.UserId == Lead.UserId)).ShouldBe(1);
    }

    [Fact]
    public async Task Execute_ManyItems_NeverHasMoreRequestsInFlightThanTheBound()
    {
        await AddItemsAsync(12);
        await using var server = ScriptedChatServer.Start(async (text, _) =>
        {
            await Task.Delay(100); // the model's thinking time, so requests overlap
            return RightAnswer(text);
        });

        var runId = await GenerateAsync(Service(server, concurrency: 3));

        server.MaxInFlight.ShouldBeLessThanOrEqualTo(3);
        server.MaxInFlight.ShouldBeGreaterThan(1);
        (await ResultsAsync(runId)).Count.ShouldBe(12);
    }

    [Fact]
    public async Task Execute_TwoInstancesOnOneRun_OnlyOneClaimsIt()
    {
        await AddItemsAsync(6);
        await using var server = ScriptedChatServer.Start((text, _) => RightAnswer(text));
        var first = Service(server);
        var second = Service(server);
        var run = await first.CreateAsync(_setId, new GenerateRunRequest { Name = "Candidate", Endpoint = "fake", Model = "fake-model" }, Lead, default);

        var claimed = await Task.WhenAll(first.ExecuteAsync(run.Id, Lead, null, default), second.ExecuteAsync(run.Id, Lead, null, default));

        claimed.Count(c => c).ShouldBe(1);
        server.TotalRequests.ShouldBe(6);
        (await ResultsAsync(run.Id)).Count.ShouldBe(6);
        (await RunAsync(run.Id)).Status.ShouldBe(EvalRunStatus.Completed);
    }

    [Fact]
    public async Task Create_UnknownEndpointAndNoModel_NamesBothFields()
    {
        await AddItemsAsync(1);
        await using var server = ScriptedChatServer.Start((text, _) => RightAnswer(text));

        var error = await Should.ThrowAsync<StudioValidationException>(() =>
            Service(server).CreateAsync(_setId, new GenerateRunRequest { Name = "x", Endpoint = "nowhere", Model = " " }, Lead, default));

        error.Errors.Select(e => e.ToString()).ShouldBe(["endpoint: choose one of the configured endpoints: fake", "model: name the model the endpoint should answer with"]);
    }

    [Fact]
    public async Task Execute_SystemPromptGiven_IsSentBeforeTheItem()
    {
        await AddItemsAsync(1);
        await using var server = ScriptedChatServer.Start((text, _) => RightAnswer(text));
        var service = Service(server);
        var run = await service.CreateAsync(_setId, new GenerateRunRequest { Name = "Prompted", Endpoint = "fake", Model = "fake-model", SystemPrompt = "Answer with one word." }, Lead, default);

        await service.ExecuteAsync(run.Id, Lead, null, default);

        server.Bodies.Single().ShouldContain("\"role\":\"system\",\"content\":\"Answer with one word.\"");
    }

    /// <summary>
    /// What an instance that stopped while generating leaves behind: the run Running, results for the items
    /// it finished (each answered "high"), and its lease, taken now and never renewed.
    /// </summary>
    private async Task<int> OrphanedRunAsync(EvalGenerationService service, params int[] finished)
    {
        var run = await service.CreateAsync(_setId, new GenerateRunRequest { Name = "Candidate", Endpoint = "fake", Model = "fake-model" }, Lead, default);
        await using var db = _db.CreateDbContext();
        await db.EvalRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, EvalRunStatus.Running));
        foreach (var i in finished)
        {
            var itemId = await db.EvalItems.Where(x => x.EvalSetId == _setId && x.ExternalId == $"t{i}").Select(x => x.Id).SingleAsync();
            db.EvalResults.Add(new EvalResult { EvalRunId = run.Id, EvalItemId = itemId, Output = "high", LatencyMs = 40, PromptTokens = 11, CompletionTokens = 3 });
        }

        db.JobLeases.Add(new JobLease
        {
            Kind = EvalGenerationService.LeaseKind, Key = run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), Owner = "gone:4242:0000",
            Token = Guid.NewGuid(), AcquiredAt = _clock.UtcNow, ExpiresAt = _clock.UtcNow + JobLeaseService.Duration,
        });
        await db.SaveChangesAsync();
        return run.Id;
    }

    [Fact]
    public async Task Resume_WorkerVanishedAndItsLeaseRanOut_GeneratesOnlyTheMissingItems()
    {
        await AddItemsAsync(5);
        await using var server = ScriptedChatServer.Start((text, _) => RightAnswer(text));
        var survivor = Service(server);
        // t1 (expected high) and t2 (expected low) were answered "high" before the instance stopped.
        var runId = await OrphanedRunAsync(Service(server), 1, 2);
        using var runner = new EvalGenerationRunner(survivor, NullLogger<EvalGenerationRunner>.Instance);

        // A minute later the stopped instance's lease still looks live.
        _clock.Advance(TimeSpan.FromMinutes(1));
        (await survivor.GetProgressAsync(runId, default)).Orphaned.ShouldBeFalse();
        await Should.ThrowAsync<ConflictException>(() => runner.ResumeAsync(runId, Lead, default));

        _clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        var before = await survivor.GetProgressAsync(runId, default);
        (before.Orphaned, before.Status, before.Done, before.Total).ShouldBe((true, EvalRunStatus.Running, 2, 5));
        var started = await runner.ResumeAsync(runId, Lead, default);
        started.Done.ShouldBe(2);
        await runner.WaitAsync(runId);

        server.TotalRequests.ShouldBe(3);
        server.RequestsFor("ticket 1").ShouldBe(0);
        server.RequestsFor("ticket 2").ShouldBe(0);
        var results = await ResultsAsync(runId);
        results.Select(r => (r.ExternalId, r.Result.Output)).ShouldBe([("t1", "high"), ("t2", "high"), ("t3", "high"), ("t4", "low"), ("t5", "high")]);
        var run = await _runs.GetRunAsync(runId, default);
        run.Status.ShouldBe(EvalRunStatus.Completed);
        run.Summary!.Items.ShouldBe(5);
        run.Summary.Correct.ShouldBe(4); // every item but t2, whose kept answer was wrong
        var after = await survivor.GetProgressAsync(runId, default);
        (after.Orphaned, after.Done, after.Total).ShouldBe((false, 5, 5));
        await using var db = _db.CreateDbContext();
        (await db.AuditEvents.CountAsync(e => e.Action == "evalrun.resume" && e.EntityId == runId.ToString() && e.UserId == Lead.UserId)).ShouldBe(1);
        (await db.JobLeases.CountAsync(l => l.Kind == EvalGenerationService.LeaseKind)).ShouldBe(0); // released when done
    }

    [Fact]
    public async Task Resume_RunAnotherInstanceIsGenerating_IsAConflictAndSendsNothing()
    {
        await AddItemsAsync(4);
        var secondItemAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // t1 answers; t2 keeps the generating instance busy until it is cancelled.
        await using var server = ScriptedChatServer.Start((text, _) =>
        {
            if (text == "ticket 1")
            {
                return RightAnswer(text);
            }

            secondItemAsked.TrySetResult();
            return FakeReply.Hang;
        });
        using var busy = new EvalGenerationRunner(Service(server, concurrency: 1), NullLogger<EvalGenerationRunner>.Instance);
        var other = Service(server);
        var run = await busy.StartAsync(_setId, new GenerateRunRequest { Name = "Candidate", Endpoint = "fake", Model = "fake-model" }, Lead, default);
        await secondItemAsked.Task.WaitAsync(TimeSpan.FromSeconds(30));

        (await other.GetProgressAsync(run.Id, default)).Orphaned.ShouldBeFalse();
        var conflict = await Should.ThrowAsync<ConflictException>(() => other.ClaimOrphanAsync(run.Id, Lead, default));
        conflict.Message.ShouldContain("being generated");
        // The generating instance itself cannot start it a second time either.
        await Should.ThrowAsync<ConflictException>(() => busy.ResumeAsync(run.Id, Lead, default));
        server.TotalRequests.ShouldBe(2);

        (await busy.CancelAsync(run.Id, Lead, default)).ShouldBeTrue();
        await busy.WaitAsync(run.Id);
        // A run that has ended is not resumed either.
        (await Should.ThrowAsync<ConflictException>(() => other.ClaimOrphanAsync(run.Id, Lead, default))).Message.ShouldContain("has ended");
    }

    [Fact]
    public async Task Resume_TwoInstancesAtOnce_OneWinsAndEachMissingItemIsAskedOnce()
    {
        await AddItemsAsync(6);
        await using var server = ScriptedChatServer.Start((text, _) => RightAnswer(text));
        var runId = await OrphanedRunAsync(Service(server), 1);
        _clock.Advance(JobLeaseService.Duration + TimeSpan.FromSeconds(1));
        var first = Service(server);
        var second = Service(server);

        async Task<JobLeaseHandle?> TryAsync(EvalGenerationService instance)
        {
            try
            {
                return await instance.ClaimOrphanAsync(runId, Lead, default);
            }
            catch (ConflictException)
            {
                return null;
            }
        }

        var claims = await Task.WhenAll(TryAsync(first), TryAsync(second));

        claims.Count(c => c is not null).ShouldBe(1);
        var winner = claims[0] is not null ? first : second;
        await winner.GenerateClaimedAsync(claims.Single(c => c is not null)!, Lead, null, default);
        server.TotalRequests.ShouldBe(5);
        Enumerable.Range(2, 5).ShouldAllBe(i => server.RequestsFor($"ticket {i}") == 1);
        (await ResultsAsync(runId)).Count.ShouldBe(6);
        (await RunAsync(runId)).Status.ShouldBe(EvalRunStatus.Completed);
    }

    [Fact]
    public async Task Shutdown_WhileGenerating_LeavesTheRunResumable_AndAnotherInstanceFinishesIt()
    {
        await AddItemsAsync(4);
        var secondItemAsked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // t2's first request is still waiting when the instance shuts down; later ones answer.
        await using var server = ScriptedChatServer.Start((text, attempt) =>
        {
            if (text == "ticket 2" && attempt == 1)
            {
                secondItemAsked.TrySetResult();
                return FakeReply.Hang;
            }

            return RightAnswer(text);
        });
        var stopping = new EvalGenerationRunner(Service(server, concurrency: 1), NullLogger<EvalGenerationRunner>.Instance);
        var run = await stopping.StartAsync(_setId, new GenerateRunRequest { Name = "Candidate", Endpoint = "fake", Model = "fake-model" }, Lead, default);
        await secondItemAsked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var ended = stopping.WaitAsync(run.Id);

        stopping.Dispose();
        await ended;

        var survivor = Service(server);
        var left = await survivor.GetProgressAsync(run.Id, default);
        // Still Running, 1 of 4 done, and no lease: resumable at once, without waiting for a lease to run out.
        (left.Status, left.Done, left.Total, left.Orphaned).ShouldBe((EvalRunStatus.Running, 1, 4, true));
        using var runner = new EvalGenerationRunner(survivor, NullLogger<EvalGenerationRunner>.Instance);
        await runner.ResumeAsync(run.Id, Lead, default);
        await runner.WaitAsync(run.Id);

        (await RunAsync(run.Id)).Status.ShouldBe(EvalRunStatus.Completed);
        (await ResultsAsync(run.Id)).Select(r => r.Result.Output).ShouldBe(["high", "low", "high", "low"]);
        server.RequestsFor("ticket 1").ShouldBe(1);
        server.RequestsFor("ticket 2").ShouldBe(2); // the one cut off by the shutdown, then the resumed one
    }

    [Fact]
    public async Task ResumeOrphans_AtStartUp_FinishesRunsNoInstanceHolds_AndLeavesHeldOnesAlone()
    {
        await AddItemsAsync(3);
        await using var server = ScriptedChatServer.Start((text, _) => RightAnswer(text));
        var stopped = Service(server);
        var orphan = await OrphanedRunAsync(stopped, 1);
        // Created, then the instance stopped before it claimed the run.
        var neverStarted = (await stopped.CreateAsync(_setId, new GenerateRunRequest { Name = "Never started", Endpoint = "fake", Model = "fake-model" }, Lead, default)).Id;
        _clock.Advance(JobLeaseService.Duration + TimeSpan.FromSeconds(1));
        // Taken by an instance that is still alive: its lease is fresh.
        var held = await OrphanedRunAsync(stopped, 1);
        using var runner = new EvalGenerationRunner(Service(server), NullLogger<EvalGenerationRunner>.Instance);

        var resumed = await runner.ResumeOrphansAsync(default);

        resumed.ShouldBe([orphan, neverStarted]);
        (await RunAsync(orphan)).Status.ShouldBe(EvalRunStatus.Completed);
        (await RunAsync(neverStarted)).Status.ShouldBe(EvalRunStatus.Completed);
        (await RunAsync(held)).Status.ShouldBe(EvalRunStatus.Running);
        server.TotalRequests.ShouldBe(2 + 3); // the orphan's two missing items, all three of the other
        (await ResultsAsync(held)).Count.ShouldBe(1);
        await using var db = _db.CreateDbContext();
        (await db.AuditEvents.CountAsync(e => e.Action == "evalrun.resume" && e.UserId == null)).ShouldBe(2);
    }

    private sealed class SyncProgress(Action<GenerationProgress> onReport) : IProgress<GenerationProgress>
    {
        public GenerationProgress? Last { get; private set; }

        public void Report(GenerationProgress value)
        {
            Last = value;
            onReport(value);
        }
    }
}

public sealed class RunUsageTests
{
    private static FineTuneStudio.Core.Evaluation.EvalResultView Result(int? latency, int? prompt, int? completion, bool failed = false) =>
        new(1, "x", "e", null, failed ? null : "o", failed, failed ? "HTTP 500" : null, null, new Dictionary<string, double?>(), latency, prompt, completion);

    [Fact]
    public void From_MixedResults_AveragesOnlyTimedItemsAndSumsTokens()
    {
        // Latencies 100, 300, 250, 50 → sorted 50, 100, 250, 300: mean 175, median (100 + 250)/2 = 175, max 300.
        var usage = FineTuneStudio.Core.Evaluation.RunUsage.From([Result(100, 10, 2), Result(300, 12, 4), Result(250, 8, 1), Result(50, 9, 3), Result(null, null, null, failed: true)]);

        usage.ShouldBe(new FineTuneStudio.Core.Evaluation.RunUsage(5, 1, 4, 175, 175, 300, 39, 10));
    }

    [Fact]
    public void Parse_StoredMessages_KeepsRolesInOrder()
    {
        var turns = FineTuneStudio.Core.Evaluation.EvalInputTurn.Parse("""[{"role":"system","content":"Be brief."},{"role":"user","content":"Site down"}]""");

        turns.ShouldBe([new("system", "Be brief."), new("user", "Site down")]);
        FineTuneStudio.Core.Evaluation.EvalInputTurn.Parse("not json").Single().Content.ShouldBe("not json");
    }
}
