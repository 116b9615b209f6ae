using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Feedback;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Tests.Feedback;

public sealed class FeedbackServiceTests : IAsyncLifetime
{
    private static readonly DateTime Now = new(2026, 3, 20, 12, 0, 0, DateTimeKind.Utc);
    private static readonly Actor Lead = new("lead-id", "lead@example.test");
    private readonly ManualClock _clock = new(Now);
    private TestDatabase _db = default!;
    private int _projectId;
    private int _datasetId;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync();
        var seed = new Seed(_db, Now);
        (_projectId, _datasetId) = await seed.DatasetAsync("Tickets", "Urgency", "high", "low");
        await seed.ExamplesAsync(_datasetId, ExampleStatus.Approved,
            Enumerable.Range(0, 4).Select(i => Seed.Chat($"the login page times out for customer {i} again", "high", label: "high")));
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    /// <summary>The feedback services over one drift report cache, as the app registers them.</summary>
    private sealed record FeedbackServices(TrafficLogs Logs, DriftReports Drift, LogPromotion Promotion, SyntheticDrafts Synthetic, RetrainingSchedule Retraining);

    private FeedbackServices Service(GenerationOptions? generation = null, DriftReportCache? cache = null)
    {
        var drift = new DriftReports(_db, cache ?? new DriftReportCache(new MemoryCache(new MemoryCacheOptions())));
        return new FeedbackServices(new TrafficLogs(_db, _clock, drift), drift, new LogPromotion(_db, _clock, drift),
            new SyntheticDrafts(_db, _clock, Options.Create(generation ?? new GenerationOptions())), new RetrainingSchedule(_db, _clock, drift));
    }

    private static MemoryStream File(string text) => new(Encoding.UTF8.GetBytes(text));

    private const string GoodLog = """
        {"timestamp":"2026-03-16T08:00:00Z","prompt":"the login page times out for customer 9 again","response":"high","rating":5}
        {"timestamp":"2026-03-17T08:00:00Z","prompt":"write to me at ana.lopez@example.com about the refund","response":"low","rating":2}
        {"timestamp":"2026-03-18T08:00:00Z","messages":[{"role":"user","content":"the login page times out for customer 12 again"}],"response":"high","rating":4,"model":"ft:urgency"}
        """;

    [Fact]
    public async Task ImportLogsAsync_BadLines_ListsThemByLineAndWritesNothing()
    {
        var result = await Service().Logs.ImportLogsAsync(_projectId, File("""
            {"timestamp":"2026-03-16T08:00:00Z","prompt":"fine","response":"high"}
            {"timestamp":"yesterday","prompt":"bad time","response":"high"}
            {"timestamp":"2026-03-16T08:00:00Z","prompt":"no answer"}
            """), Lead, default);

        result.Succeeded.ShouldBeFalse();
        result.Errors.Select(e => e.ToString()).ShouldBe([
            "line 2: timestamp: \"yesterday\" is not an ISO 8601 time with Z or an offset (e.g. 2026-03-01T09:30:00Z)",
            "line 3: response: is missing",
        ]);
        (await Count(db => db.ProductionLogs)).ShouldBe(0);
    }

    [Fact]
    public async Task ImportLogsAsync_BadLinesSkipped_ImportsTheOthers_ListsTheLeftOut_AndAuditsThem()
    {
        // A log cut off mid-line by its rotation, and one line without an answer, among good ones.
        const string log = """
            {"timestamp":"2026-03-16T08:00:00Z","prompt":"fine","response":"high"}
            {"timestamp":"2026-03-16T08:01:00Z","prompt":"no answer"}
            {"timestamp":"2026-03-16T08:02:00Z","prompt":"also fine","response":"low"}
            {"timestamp":"2026-03-16T08:03:00Z","prompt":"cut o
            """;

        var refused = await Service().Logs.ImportLogsAsync(_projectId, File(log), Lead, default);
        var skipped = await Service().Logs.ImportLogsAsync(_projectId, File(log), Lead, default, skipInvalid: true);

        (refused.Succeeded, refused.CanSkipInvalid, refused.ProblemCounts).ShouldBe((false, true, "2 lines have problems and 2 have none"));
        (skipped.Imported, skipped.InvalidRecords, skipped.TotalLeftOut).ShouldBe((2, 2, 2));
        skipped.LeftOut.Select(e => e.Line).ShouldBe([2, 4]);
        (await Count(db => db.ProductionLogs)).ShouldBe(2);
        (await Query(db => db.AuditEvents.Where(a => a.Action == "logs.import").Select(a => a.Summary).SingleAsync()))
            .ShouldBe("2 logged requests imported, 0 already present, 0 with likely personal data, 2 lines with problems left out");
        // A file with no good line is refused even when skipping.
        (await Service().Logs.ImportLogsAsync(_projectId, File("not json\n"), Lead, default, skipInvalid: true)).Succeeded.ShouldBeFalse();
    }

    [Fact]
    public async Task ImportLogsAsync_GoodFile_FlagsPersonalDataMasksItAndSkipsARepeat()
    {
        var service = Service();

        var first = await service.Logs.ImportLogsAsync(_projectId, File(GoodLog), Lead, default);
        var again = await service.Logs.ImportLogsAsync(_projectId, File(GoodLog), Lead, default);

        (first.Imported, first.SkippedDuplicates, first.WithPersonalData).ShouldBe((3, 0, 1));
        (again.Imported, again.SkippedDuplicates).ShouldBe((0, 3));
        var page = await service.Logs.ListLogsAsync(_projectId, new LogFilter(), 0, 10, default);
        page.Total.ShouldBe(3);
        var flagged = page.Rows.Single(r => r.PersonalData.Count > 0);
        flagged.Input.ShouldBe("write to me at [email] about the refund");
        (await Count(db => db.AuditEvents.Where(a => a.Action == "logs.import"))).ShouldBe(2);
    }

    [Fact]
    public async Task PromoteAsync_RatedLogs_EnterAsDraftWithProductionLogSource()
    {
        var service = Service();
        await service.Logs.ImportLogsAsync(_projectId, File(GoodLog), Lead, default);

        var result = await service.Promotion.PromoteAsync(_projectId, new PromoteRequest { Filter = new LogFilter { MinRating = 4 } }, Lead, default);
        var again = await service.Promotion.PromoteAsync(_projectId, new PromoteRequest { Filter = new LogFilter { MinRating = 4 } }, Lead, default);

        (result.Promoted, again.Promoted, again.AlreadyPromoted).ShouldBe((2, 0, 2));
        await using var db = _db.CreateDbContext();
        var examples = await db.Examples.Include(e => e.Messages).Where(e => result.ExampleIds.Contains(e.Id)).ToListAsync();
        examples.ShouldAllBe(e => e.Status == ExampleStatus.Draft && e.Source == ExampleSource.ProductionLog && e.Label == "high" && e.Tags.Contains("production-log"));
        examples.ShouldAllBe(e => e.Messages.OrderBy(m => m.Position).Last().Role == MessageRole.Assistant);
        (await db.ProductionLogs.CountAsync(l => l.PromotedExampleId != null)).ShouldBe(2);
        (await db.AuditEvents.CountAsync(a => a.Action == "example.create" && a.Summary.StartsWith("Draft promoted"))).ShouldBe(2);
    }

    [Fact]
    public async Task GenerateSyntheticAsync_FakeEndpoint_StoresMarkedDrafts()
    {
        var answer = """
            {"input": "checkout freezes for every shop since the update", "output": "high", "label": "high"}
            not json
            {"input": "please change the invoice address", "output": "low", "label": "LOW"}
            """;
        await using var server = await FakeChatServer.StartAsync(answer);
        var seedIds = await Query(db => db.Examples.Select(e => e.Id).Take(2).ToListAsync());
        var service = Service(new GenerationOptions { BaseUrl = server.BaseUrl, Model = "fake-writer", ApiKey = "test-key" });

        var result = await service.Synthetic.GenerateSyntheticAsync(_projectId, new SyntheticRequest { Template = "Tickets from small shops", SeedExampleIds = seedIds, Count = 5 }, Lead, default);

        result.Created.ShouldBe(2);
        server.Requests.Single().ShouldContain("Tickets from small shops");
        server.Requests.Single().ShouldContain("\"model\":\"fake-writer\"");
        await using var db = _db.CreateDbContext();
        var drafts = await db.Examples.Where(e => result.ExampleIds.Contains(e.Id)).OrderBy(e => e.Id).ToListAsync();
        drafts.ShouldAllBe(e => e.Status == ExampleStatus.Draft && e.Source == ExampleSource.Synthetic && e.Tags.Contains("synthetic"));
        drafts.Select(e => e.Label).ShouldBe(["high", "low"]);
        drafts[0].Notes.ShouldContain("only once a person approves it");
    }

    [Fact]
    public async Task GenerateSyntheticAsync_EndpointRefusesTheConnection_SaysSoWithoutItsAddress()
    {
        // A port nothing listens on: bound, noted and released.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var seedIds = await Query(db => db.Examples.Select(e => e.Id).Take(1).ToListAsync());
        var service = Service(new GenerationOptions { BaseUrl = $"http://127.0.0.1:{port}/v1", Model = "fake-writer", ApiKey = "test-key" });

        var error = await Should.ThrowAsync<StudioValidationException>(() =>
            service.Synthetic.GenerateSyntheticAsync(_projectId, new SyntheticRequest { Template = "x", SeedExampleIds = seedIds }, Lead, default));

        error.Errors.Single().Field.ShouldBe("generation");
        error.Message.ShouldContain("refused the connection");
        error.Message.ShouldNotContain("127.0.0.1");
        error.Message.ShouldNotContain(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task GenerateSyntheticAsync_NotConfigured_SaysWhichSettings()
    {
        var error = await Should.ThrowAsync<StudioValidationException>(() =>
            Service().Synthetic.GenerateSyntheticAsync(_projectId, new SyntheticRequest { Template = "x", SeedExampleIds = [1] }, Lead, default));

        error.Errors.Single().Message.ShouldContain("Studio:Generation:BaseUrl");
    }

    [Fact]
    public async Task RetrainingDueAsync_ProjectCadenceAndAVersion_DueCadenceDaysAfterTheVersion()
    {
        await using (var db = _db.CreateDbContext())
        {
            db.DatasetVersions.Add(new DatasetVersion { DatasetId = _datasetId, Number = 1, Target = "openai-chat", CreatedAt = new DateTime(2026, 3, 1, 9, 0, 0, DateTimeKind.Utc) });
            await db.SaveChangesAsync();
        }

        await Service().Retraining.SetRetrainingSettingsAsync(_projectId, 30, null, Lead, default);
        var status = await Service().Retraining.RetrainingDueAsync(_projectId, default);

        // 2026-03-01 + 30 days = 2026-03-31; today is 2026-03-20, so not yet due.
        status.Due.DueDate.ShouldBe(new DateTime(2026, 3, 31, 0, 0, 0, DateTimeKind.Utc));
        status.Due.IsDue.ShouldBeFalse();
        status.CadenceSource.ShouldBe("project setting");
        status.Due.Checklist[2].Text.ShouldBe("Cut version 2 and export it");
    }

    [Fact]
    public async Task DriftAsync_NoVersionYet_UsesApprovedExamplesAndSaysSo()
    {
        var service = Service();
        await service.Logs.ImportLogsAsync(_projectId, File(GoodLog), Lead, default);

        var drift = await service.Drift.DriftAsync(_projectId, null, null, null, default);

        drift.VersionNumber.ShouldBeNull();
        drift.Basis.ShouldContain("compared with its 4 approved examples");
        drift.Report.LogCount.ShouldBe(3);
        // Logged answers are labels here: high, low, high against 4 × high → TVD = |1 - 2/3| = 1/3.
        drift.Report.LabelShift!.Value.ShouldBe(1.0 / 3, 1e-9);
    }

    [Fact]
    public async Task DriftAsync_SameDataTwice_ReusesTheReport_NewLogsOrANewVersionGiveAFreshOne()
    {
        var cache = new DriftReportCache(new MemoryCache(new MemoryCacheOptions()));
        var service = Service(cache: cache);
        await service.Logs.ImportLogsAsync(_projectId, File(GoodLog), Lead, default);

        var first = await service.Drift.DriftAsync(_projectId, null, null, null, default);
        var again = await service.Drift.DriftAsync(_projectId, null, null, null, default);

        again.ShouldBeSameAs(first);
        cache.Computed.ShouldBe(1);

        await service.Logs.ImportLogsAsync(_projectId, File("""
            {"timestamp":"2026-03-19T08:00:00Z","prompt":"the login page times out for customer 30 again","response":"high"}
            """), Lead, default);
        var afterImport = await service.Drift.DriftAsync(_projectId, null, null, null, default);
        afterImport.Report.LogCount.ShouldBe(4);

        // Version 1 trains on two of the four approved examples: the default basis moves to it.
        await AddVersionAsync(_datasetId, 1, Now.AddDays(-1), take: 2);
        var afterVersion = await service.Drift.DriftAsync(_projectId, null, null, null, default);
        afterVersion.VersionNumber.ShouldBe(1);
        afterVersion.Report.TrainingCount.ShouldBe(2);
        cache.Computed.ShouldBe(3);
    }

    [Fact]
    public async Task DriftAndPromote_NoDatasetChosen_UseTheNewestVersionOfTheDatasetLastExported()
    {
        var seed = new Seed(_db, Now);
        var topics = await seed.DatasetInAsync(_projectId, "Topics", TaskKind.Chat);
        await seed.ExamplesAsync(topics, ExampleStatus.Approved, Enumerable.Range(0, 3).Select(i => Seed.Chat($"where is parcel {i}", "on its way")));
        await AddVersionAsync(_datasetId, 1, Now.AddDays(-9), take: 4);
        await AddVersionAsync(topics, 1, Now.AddDays(-5), take: 3);
        await AddVersionAsync(topics, 2, Now.AddDays(-2), take: 2);
        var service = Service();
        await service.Logs.ImportLogsAsync(_projectId, File(GoodLog), Lead, default);

        var drift = await service.Drift.DriftAsync(_projectId, null, null, null, default);
        var choices = await service.Drift.DriftChoicesAsync(_projectId, default);
        var chosen = await service.Drift.DriftAsync(_projectId, _datasetId, null, null, default);
        var promoted = await service.Promotion.PromoteAsync(_projectId, new PromoteRequest { Filter = new LogFilter { MinRating = 5 } }, Lead, default);

        (drift.DatasetName, drift.VersionNumber, drift.Report.TrainingCount).ShouldBe(("Topics", (int?)2, 2));
        (choices.DefaultDatasetId, choices.DefaultVersion).ShouldBe((topics, (int?)2));
        choices.Datasets.Select(d => (d.Name, string.Join(",", d.Versions))).ShouldBe([("Topics", "2,1"), ("Urgency", "1")]);
        (chosen.DatasetName, chosen.VersionNumber, chosen.Report.TrainingCount).ShouldBe(("Urgency", (int?)1, 4));
        promoted.DatasetId.ShouldBe(topics);
    }

    [Fact]
    public async Task ListLogsAsync_ClusterFilter_ListsExactlyTheRequestsOfThatNewTopic()
    {
        var service = Service();
        await service.Logs.ImportLogsAsync(_projectId, File("""
            {"timestamp":"2026-03-16T08:00:00Z","prompt":"the warehouse robot dropped a pallet near the loading dock","response":"low"}
            {"timestamp":"2026-03-16T09:00:00Z","prompt":"the login page times out for customer 9 again","response":"high"}
            {"timestamp":"2026-03-17T08:00:00Z","prompt":"the warehouse robot dropped a pallet near the loading dock","response":"low"}
            {"timestamp":"2026-03-18T08:00:00Z","prompt":"the warehouse robot dropped a pallet near the loading dock","response":"low"}
            """), Lead, default);
        var robotIds = await Query(db => db.ProductionLogs.Where(l => l.InputText.Contains("robot")).Select(l => l.Id).OrderBy(id => id).ToListAsync());

        var cluster = await service.Logs.ListLogsAsync(_projectId, new LogFilter { Cluster = 1 }, 0, 50, default);
        var missing = await Should.ThrowAsync<StudioValidationException>(() => service.Logs.ListLogsAsync(_projectId, new LogFilter { Cluster = 2 }, 0, 50, default));

        cluster.Rows.Select(r => r.Id).Order().ShouldBe(robotIds);
        cluster.Total.ShouldBe(3);
        missing.Message.ShouldContain("has clusters 1 to 1, not 2");
    }

    private async Task AddVersionAsync(int datasetId, int number, DateTime cutAt, int take)
    {
        await using var db = _db.CreateDbContext();
        var examples = await db.Examples.Where(e => e.DatasetId == datasetId).OrderBy(e => e.Id).Take(take).Select(e => new { e.Id, e.ContentHash }).ToListAsync();
        var version = new DatasetVersion { DatasetId = datasetId, Number = number, Target = "openai-chat", TrainCount = examples.Count, CreatedAt = cutAt };
        version.Examples.AddRange(examples.Select(e => new DatasetVersionExample { ExampleId = e.Id, Split = SplitPin.Train, ContentHash = e.ContentHash }));
        db.DatasetVersions.Add(version);
        await db.SaveChangesAsync();
    }

    private async Task<int> Count<T>(Func<StudioDbContext, IQueryable<T>> query)
    {
        await using var db = _db.CreateDbContext();
        return await query(db).CountAsync();
    }

    private async Task<T> Query<T>(Func<StudioDbContext, Task<T>> query)
    {
        await using var db = _db.CreateDbContext();
        return await query(db);
    }
}

/// <summary>An OpenAI-compatible chat-completions endpoint on 127.0.0.1 that always answers with the same text.</summary>
internal sealed class FakeChatServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _answer;
    private readonly Task _loop;

    private FakeChatServer(string answer, int port)
    {
        _answer = answer;
        BaseUrl = $"http://127.0.0.1:{port}/v1";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string BaseUrl { get; }

    public List<string> Requests { get; } = [];

    public static Task<FakeChatServer> StartAsync(string answer)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return Task.FromResult(new FakeChatServer(answer, port));
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            lock (Requests)
            {
                Requests.Add(context.Request.Url!.AbsolutePath + " " + body);
            }

            var json = JsonSerializer.Serialize(new
            {
                id = "chatcmpl-1",
                @object = "chat.completion",
                created = 1_773_000_000,
                model = "fake-writer",
                choices = new[] { new { index = 0, message = new { role = "assistant", content = _answer }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 10, completion_tokens = 20, total_tokens = 30 },
            });
            var bytes = Encoding.UTF8.GetBytes(json);
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
