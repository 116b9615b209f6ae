using FineTuneStudio.Core.Quality;
using System.Text;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace FineTuneStudio.Core.Tests.Examples;

/// <summary>
/// The example list's search: case-insensitive substrings over every turn, served by the trigram index.
/// Each scenario runs on the test database (SQLite, or PostgreSQL with FTS_TEST_PROVIDER=postgres) and, when a
/// PostgreSQL server is available, on PostgreSQL as well.
/// </summary>
public sealed class ExampleSearchTests
{
    private static readonly DateTime Now = new(2026, 11, 30, 9, 0, 0, DateTimeKind.Utc);
    private static readonly ExampleCaller Lead = new(new Actor("lead", "lead@example.test"), CanReview: true);

    [Fact]
    public async Task ListAsync_Search_FindsSubstringsInEveryRoleIgnoringCase()
    {
        await using var database = await TestDatabase.CreateAsync();
        await FindsSubstringsInEveryRoleIgnoringCaseAsync(database);
    }

    [PostgresFact]
    public async Task ListAsync_SearchOnPostgres_FindsSubstringsInEveryRoleIgnoringCase()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await FindsSubstringsInEveryRoleIgnoringCaseAsync(database);
    }

    [Fact]
    public async Task ListAsync_Search_TreatsQuotesWildcardsAndOperatorsLiterally()
    {
        await using var database = await TestDatabase.CreateAsync();
        await TreatsQuotesWildcardsAndOperatorsLiterallyAsync(database);
    }

    [PostgresFact]
    public async Task ListAsync_SearchOnPostgres_TreatsQuotesWildcardsAndOperatorsLiterally()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await TreatsQuotesWildcardsAndOperatorsLiterallyAsync(database);
    }

    [Fact]
    public async Task ListAsync_Search_FollowsUpdatesAndDeletes()
    {
        await using var database = await TestDatabase.CreateAsync();
        await FollowsUpdatesAndDeletesAsync(database);
    }

    [PostgresFact]
    public async Task ListAsync_SearchOnPostgres_FollowsUpdatesAndDeletes()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await FollowsUpdatesAndDeletesAsync(database);
    }

    [Fact]
    public async Task ListAsync_Search_FindsImportedExamples()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var lines = string.Concat(Enumerable.Range(0, 5).Select(i =>
            $"{{\"messages\": [{{\"role\": \"user\", \"content\": \"Ticket {i}: the Webhook fires twice\"}}, {{\"role\": \"assistant\", \"content\": \"{(i % 2 == 0 ? "high" : "low")}\"}}]}}\n"));
        await using var file = new MemoryStream(Encoding.UTF8.GetBytes(lines));
        var result = await new ImportService(database, new ManualClock(Now)).ImportAsync(datasetId, file, new ImportOptions(), Lead.Actor, null, CancellationToken.None);
        result.Succeeded.ShouldBeTrue();

        var list = new ExampleList(database, new StoredFindings(database));
        (await SearchAsync(list, datasetId, "webhook FIRES")).Count.ShouldBe(5);
        // "ticket 3" occurs in one example only; the assistant turns "high" appear in tickets 0, 2 and 4.
        (await SearchAsync(list, datasetId, "Ticket 3")).Count.ShouldBe(1);
        (await SearchAsync(list, datasetId, "HIGH")).Count.ShouldBe(3);
    }

    [Fact]
    public async Task ImportAsync_IndexesEveryNewExampleOnce_AndLeavesTheTriggerForLaterWrites()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var otherId = await CreateDatasetAsync(database);
        var editor = new ExampleEditor(database, new ManualClock(Now));
        var list = new ExampleList(database, new StoredFindings(database));
        // Examples stored before the import, indexed by the trigger, in the dataset imported into and in another one.
        var before = await editor.CreateAsync(datasetId, Chat("Webhook retried before the import", "low"), Lead, default);
        var elsewhere = await editor.CreateAsync(otherId, Chat("Webhook in another dataset", "low"), Lead, default);

        var service = new ImportService(database, new ManualClock(Now));
        var first = await service.ImportAsync(datasetId, Utf8(Tickets(0, 40)), new ImportOptions(), Lead.Actor, null, default);
        first.Imported.ShouldBe(40);
        // A second import into the other dataset indexes only its own new rows.
        (await service.ImportAsync(otherId, Utf8(Tickets(40, 10)), new ImportOptions(), Lead.Actor, null, default)).Imported.ShouldBe(10);

        (await SearchAsync(list, datasetId, "webhook")).Count.ShouldBe(41);
        (await SearchAsync(list, datasetId, "Ticket 7:")).Count.ShouldBe(1);
        (await SearchAsync(list, datasetId, "Ticket 45:")).ShouldBeEmpty();
        (await SearchAsync(list, otherId, "webhook")).Count.ShouldBe(11);
        (await SearchAsync(list, otherId, "Ticket 45:")).Count.ShouldBe(1);
        (await SearchAsync(list, datasetId, "before the import")).ShouldBe([before.Id]);
        (await SearchAsync(list, otherId, "another dataset")).ShouldBe([elsewhere.Id]);
        await ShouldBeConsistentAsync(database);

        // The trigger is back: an example written after the import is found, an edit and a delete are followed.
        var after = await editor.CreateAsync(datasetId, Chat("Scanner jammed after the import", "high"), Lead, default);
        (await SearchAsync(list, datasetId, "scanner jammed")).ShouldBe([after.Id]);
        await editor.DeleteAsync(after.Id, Lead, default);
        (await SearchAsync(list, datasetId, "scanner jammed")).ShouldBeEmpty();
        await ShouldHaveSearchTriggerAsync(database);
        await ShouldBeConsistentAsync(database);
    }

    [Fact]
    public async Task ImportAsync_CancelledWhileWriting_LeavesTheIndexAndItsTriggerAsTheyWere()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var editor = new ExampleEditor(database, new ManualClock(Now));
        var list = new ExampleList(database, new StoredFindings(database));
        var kept = await editor.CreateAsync(datasetId, Chat("Webhook kept from before", "low"), Lead, default);
        using var cancellation = new CancellationTokenSource();
        var progress = new SyncProgress<ImportProgress>(p =>
        {
            if (p.Phase == ImportPhase.Writing)
            {
                cancellation.Cancel();
            }
        });

        await Should.ThrowAsync<OperationCanceledException>(() => new ImportService(database, new ManualClock(Now)).ImportAsync(
            datasetId, Utf8(Tickets(0, 50)), new ImportOptions { BatchSize = 10 }, Lead.Actor, progress, cancellation.Token));

        (await SearchAsync(list, datasetId, "webhook")).ShouldBe([kept.Id]);
        await ShouldHaveSearchTriggerAsync(database);
        await ShouldBeConsistentAsync(database);
        var later = await editor.CreateAsync(datasetId, Chat("Webhook added after the cancel", "low"), Lead, default);
        (await SearchAsync(list, datasetId, "webhook")).ShouldBe([kept.Id, later.Id]);
    }

    [Fact]
    public async Task ListAsync_BroadSearch_CountsUpToTheCap_AndPagesInIdOrder()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var otherId = await CreateDatasetAsync(database);
        var editor = new ExampleEditor(database, new ManualClock(Now));
        // 12 matches in the dataset, interleaved by id with matches of another dataset and with non-matching examples.
        var matches = new List<int>();
        for (var i = 0; i < 12; i++)
        {
            matches.Add((await editor.CreateAsync(datasetId, Chat($"Webhook {i} fires twice", "low"), Lead, default)).Id);
            await editor.CreateAsync(otherId, Chat($"Webhook {i} elsewhere", "low"), Lead, default);
            if (i % 4 == 0)
            {
                await editor.CreateAsync(datasetId, Chat($"Printer {i} jammed", "high"), Lead, default);
            }
        }

        var list = new ExampleList(database, new StoredFindings(database)) { SearchCountCap = 5 };
        async Task<ExamplePage> Page(int page, bool descending = false, ExampleStatus? status = null) =>
            await list.ListAsync(new ExampleQuery(datasetId, Status: status, Search: "WEBHOOK", Descending: descending, Page: page, PageSize: 2), default);

        await using var db = database.CreateDbContext();
        if (db.Database.IsSqlite())
        {
            // Counted up to the cap: "more than 5", and the pages hold the first 5 matches in id order.
            var first = await Page(0);
            (first.Total, first.TotalIsLowerBound).ShouldBe((5, true));
            first.Items.Select(r => r.Id).ShouldBe(matches.Take(2));
            (await Page(1)).Items.Select(r => r.Id).ShouldBe(matches.Skip(2).Take(2));
            (await Page(2)).Items.Select(r => r.Id).ShouldBe([matches[4]]);
            (await Page(3)).Items.ShouldBeEmpty();
            (await Page(0, descending: true)).Items.Select(r => r.Id).ShouldBe([matches[11], matches[10]]);
            (await Page(2, descending: true)).Items.Select(r => r.Id).ShouldBe([matches[7]]);
        }
        else
        {
            // PostgreSQL counts every match.
            (await Page(0)).Total.ShouldBe(12);
        }

        // Below the cap the count is exact; any other filter counts exactly too, however many match.
        var wide = new ExampleList(database, new StoredFindings(database)) { SearchCountCap = 100 };
        var all = await wide.ListAsync(new ExampleQuery(datasetId, Search: "webhook", PageSize: 50), default);
        (all.Total, all.TotalIsLowerBound).ShouldBe((12, false));
        all.Items.Select(r => r.Id).ShouldBe(matches);
        var filtered = await Page(0, status: ExampleStatus.Draft);
        (filtered.Total, filtered.TotalIsLowerBound).ShouldBe((12, false));
        filtered.Items.Select(r => r.Id).ShouldBe(matches.Take(2));
        if (db.Database.IsSqlite())
        {
            (await list.ListAsync(new ExampleQuery(otherId, Search: "elsewhere", PageSize: 50), default)).Items.Count.ShouldBe(5);
        }
    }

    [Fact]
    public async Task Migration_IndexesExamplesStoredBeforeIt()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        string searchMigration;
        await using (var db = database.CreateDbContext())
        {
            var migrations = db.Database.GetMigrations().ToList();
            searchMigration = migrations.Single(m => m.EndsWith("_ExampleSearchIndex", StringComparison.Ordinal));
            // Back to the schema before the search index, store examples, then apply it again.
            await db.GetService<IMigrator>().MigrateAsync(migrations[migrations.IndexOf(searchMigration) - 1]);
        }

        // Rows written straight to the old schema: today's services read columns that later migrations add.
        await using (var db = database.CreateDbContext())
        {
            foreach (var text in new[] { "Scanner shows a paper jam", "Printer out of toner" })
            {
                var example = new Example { DatasetId = datasetId, CreatedAt = Now, UpdatedAt = Now, Version = Guid.NewGuid() };
                new ExampleContent([new MessageContent(MessageRole.User, text), new MessageContent(MessageRole.Assistant, "low")]).ApplyTo(example);
                db.Examples.Add(example);
            }

            await db.SaveChangesAsync();
        }

        var list = new ExampleList(database, new StoredFindings(database));
        await using (var db = database.CreateDbContext())
        {
            await db.Database.MigrateAsync();
            (await db.Database.GetAppliedMigrationsAsync()).ShouldContain(searchMigration);
        }

        (await SearchAsync(list, datasetId, "paper jam")).Count.ShouldBe(1);
        (await SearchAsync(list, datasetId, "toner")).Count.ShouldBe(1);
        (await SearchAsync(list, datasetId, "out of")).Count.ShouldBe(1);
        await ShouldBeConsistentAsync(database);
    }

    private static async Task FindsSubstringsInEveryRoleIgnoringCaseAsync(IDbContextFactory<StudioDbContext> database)
    {
        var datasetId = await CreateDatasetAsync(database);
        var editor = new ExampleEditor(database, new ManualClock(Now));
        var list = new ExampleList(database, new StoredFindings(database));
        var system = await editor.CreateAsync(datasetId, new ExampleInput(
            [new MessageContent(MessageRole.System, "You triage INVOICES for Contoso."), new MessageContent(MessageRole.User, "hello"), new MessageContent(MessageRole.Assistant, "low")]), Lead, default);
        var user = await editor.CreateAsync(datasetId, Chat("My invoice total is wrong", "high"), Lead, default);
        var assistant = await editor.CreateAsync(datasetId, Chat("Where is my parcel?", "Refunded the Shipping fee"), Lead, default);
        var tool = await editor.CreateAsync(datasetId, new ExampleInput(
        [
            new MessageContent(MessageRole.User, "Status of order 1234?"),
            new MessageContent(MessageRole.Assistant, null, ToolCallsJson: """[{"id":"c1","type":"function","function":{"name":"lookup","arguments":"{}"}}]"""),
            new MessageContent(MessageRole.Tool, "Order 1234: shipped via Müller Logistik", ToolCallId: "c1"),
            new MessageContent(MessageRole.Assistant, "It shipped."),
        ]), Lead, default);
        var other = await CreateOtherDatasetExampleAsync(database, editor, "invoice in another dataset");

        // Inside words, any case, in the system, user, assistant and tool turns.
        (await SearchAsync(list, datasetId, "VOIC")).ShouldBe([system.Id, user.Id]);
        (await SearchAsync(list, datasetId, "shipping FEE")).ShouldBe([assistant.Id]);
        (await SearchAsync(list, datasetId, "müller")).ShouldBe([tool.Id]);
        (await SearchAsync(list, datasetId, "MÜLLER log")).ShouldBe([tool.Id]);
        (await SearchAsync(list, datasetId, "ship")).ShouldBe([assistant.Id, tool.Id]);
        // Terms shorter than three characters still search (without the index).
        (await SearchAsync(list, datasetId, "Ü")).ShouldBe([tool.Id]);
        (await SearchAsync(list, datasetId, "12")).ShouldBe([tool.Id]);
        (await SearchAsync(list, datasetId, "  parcel  ")).ShouldBe([assistant.Id]);
        (await SearchAsync(list, datasetId, "nowhere to be found")).ShouldBeEmpty();
        // Search stays within the dataset listed.
        (await SearchAsync(list, other.DatasetId, "invoice")).ShouldBe([other.Id]);
        (await list.ListAsync(new ExampleQuery(datasetId, Search: "invoice"), default)).Total.ShouldBe(2);
        await ShouldBeConsistentAsync(database);
    }

    private static async Task TreatsQuotesWildcardsAndOperatorsLiterallyAsync(IDbContextFactory<StudioDbContext> database)
    {
        var datasetId = await CreateDatasetAsync(database);
        var editor = new ExampleEditor(database, new ManualClock(Now));
        var list = new ExampleList(database, new StoredFindings(database));
        async Task<int> Add(string text) => (await editor.CreateAsync(datasetId, Chat(text, "ok"), Lead, default)).Id;
        // Each literal text has a neighbour that a wildcard or operator reading of the term would also match.
        var quoted = await Add("He said \"refund me\" twice");
        var unquoted = await Add("He said refund me twice");
        var percent = await Add("Disk 100% done");
        await Add("Disk 1000 done");
        var underscore = await Add("Field file_name is empty");
        await Add("Field file name is empty");
        var star = await Add("Compute a*b please");
        await Add("Compute axb please");
        var and = await Add("cats AND dogs allowed");
        var or = await Add("cats OR dogs allowed");
        var near = await Add("NEAR(cats dogs) is literal");
        var path = await Add("Saved in C:\\temp\\x");

        (await SearchAsync(list, datasetId, "\"refund me\"")).ShouldBe([quoted]);
        (await SearchAsync(list, datasetId, "d \"r")).ShouldBe([quoted]);
        (await SearchAsync(list, datasetId, "\"")).ShouldBe([quoted]);
        (await SearchAsync(list, datasetId, "refund")).ShouldBe([quoted, unquoted]);
        (await SearchAsync(list, datasetId, "0% d")).ShouldBe([percent]);
        (await SearchAsync(list, datasetId, "%")).ShouldBe([percent]);
        (await SearchAsync(list, datasetId, "e_n")).ShouldBe([underscore]);
        (await SearchAsync(list, datasetId, "_")).ShouldBe([underscore]);
        (await SearchAsync(list, datasetId, "a*b")).ShouldBe([star]);
        (await SearchAsync(list, datasetId, "comp*")).ShouldBeEmpty();
        (await SearchAsync(list, datasetId, "cats AND dogs")).ShouldBe([and]);
        (await SearchAsync(list, datasetId, "cats OR dogs")).ShouldBe([or]);
        (await SearchAsync(list, datasetId, "NEAR(cats dogs)")).ShouldBe([near]);
        (await SearchAsync(list, datasetId, "cats NOT dogs")).ShouldBeEmpty();
        (await SearchAsync(list, datasetId, "^cats")).ShouldBeEmpty();
        (await SearchAsync(list, datasetId, "c:\\temp\\")).ShouldBe([path]);
        (await SearchAsync(list, datasetId, "\\")).ShouldBe([path]);
    }

    private static async Task FollowsUpdatesAndDeletesAsync(IDbContextFactory<StudioDbContext> database)
    {
        var datasetId = await CreateDatasetAsync(database);
        var clock = new ManualClock(Now);
        var editor = new ExampleEditor(database, clock);
        var list = new ExampleList(database, new StoredFindings(database));
        var printer = await editor.CreateAsync(datasetId, Chat("The printer is on fire", "high"), Lead, default);
        var keeper = await editor.CreateAsync(datasetId, Chat("Printer driver crashed", "low"), Lead, default);
        (await SearchAsync(list, datasetId, "printer")).ShouldBe([printer.Id, keeper.Id]);

        clock.Advance(TimeSpan.FromMinutes(1));
        var edited = await editor.UpdateAsync(printer.Id, ExampleInput.From(printer) with
        {
            Messages = [new MessageContent(MessageRole.User, "The scanner is on fire"), new MessageContent(MessageRole.Assistant, "high")],
        }, Lead, default);
        (await SearchAsync(list, datasetId, "printer")).ShouldBe([keeper.Id]);
        (await SearchAsync(list, datasetId, "scanner")).ShouldBe([printer.Id]);
        (await SearchAsync(list, datasetId, "on fire")).ShouldBe([printer.Id]);

        // A change that leaves the text alone (a note) keeps the example findable.
        clock.Advance(TimeSpan.FromMinutes(1));
        await editor.UpdateAsync(printer.Id, ExampleInput.From(edited) with { Notes = "checked" }, Lead, default);
        (await SearchAsync(list, datasetId, "scanner")).ShouldBe([printer.Id]);

        await editor.DeleteAsync(printer.Id, Lead, default);
        (await SearchAsync(list, datasetId, "scanner")).ShouldBeEmpty();
        (await SearchAsync(list, datasetId, "on fire")).ShouldBeEmpty();
        (await SearchAsync(list, datasetId, "driver")).ShouldBe([keeper.Id]);

        // Deleting a whole dataset removes its examples by cascade; examples added afterwards are found, the old ones not.
        await using (var db = database.CreateDbContext())
        {
            await db.Datasets.Where(d => d.Id == datasetId).ExecuteDeleteAsync();
        }

        var next = await CreateDatasetAsync(database);
        var fresh = await editor.CreateAsync(next, Chat("Printer driver crashed again", "low"), Lead, default);
        (await SearchAsync(list, next, "printer driver")).ShouldBe([fresh.Id]);
        await ShouldBeConsistentAsync(database);
    }

    /// <summary>On SQLite, FTS5's own check that the index matches the Examples rows it was built from.</summary>
    private static async Task ShouldBeConsistentAsync(IDbContextFactory<StudioDbContext> database)
    {
        await using var db = await database.CreateDbContextAsync();
        if (db.Database.IsSqlite())
        {
            // Throws (SQLITE_CORRUPT_VTAB) when the index and the content table disagree.
            await db.Database.ExecuteSqlRawAsync("INSERT INTO \"ExampleSearch\"(\"ExampleSearch\", rank) VALUES ('integrity-check', 1)");
        }
    }

    private static async Task<List<int>> SearchAsync(ExampleList list, int datasetId, string term)
    {
        var page = await list.ListAsync(new ExampleQuery(datasetId, Search: term, PageSize: ExampleList.MaxPageSize), default);
        page.Total.ShouldBe(page.Items.Count);
        return page.Items.Select(r => r.Id).ToList();
    }

    private static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    /// <summary>Chat lines "Ticket i: the Webhook fires twice" for i from <paramref name="from"/> on.</summary>
    private static string Tickets(int from, int count) => string.Concat(Enumerable.Range(from, count).Select(i =>
        $"{{\"messages\": [{{\"role\": \"user\", \"content\": \"Ticket {i}: the Webhook fires twice\"}}, {{\"role\": \"assistant\", \"content\": \"{(i % 2 == 0 ? "high" : "low")}\"}}]}}\n"));

    /// <summary>On SQLite, the insert trigger that keeps the index in step is in place (PostgreSQL's GIN index needs none).</summary>
    private static async Task ShouldHaveSearchTriggerAsync(IDbContextFactory<StudioDbContext> database)
    {
        await using var db = await database.CreateDbContextAsync();
        if (db.Database.IsSqlite())
        {
            (await db.Database.SqlQueryRaw<int>(
                "SELECT count(*) AS \"Value\" FROM sqlite_master WHERE type = 'trigger' AND name = 'Examples_SearchInsert'").SingleAsync()).ShouldBe(1);
        }
    }

    private static ExampleInput Chat(string user, string assistant) =>
        new([new MessageContent(MessageRole.User, user), new MessageContent(MessageRole.Assistant, assistant)]);

    private static async Task<(int DatasetId, int Id)> CreateOtherDatasetExampleAsync(IDbContextFactory<StudioDbContext> database, ExampleEditor editor, string text)
    {
        var datasetId = await CreateDatasetAsync(database);
        var example = await editor.CreateAsync(datasetId, Chat(text, "low"), Lead, default);
        return (datasetId, example.Id);
    }

    private static async Task<int> CreateDatasetAsync(IDbContextFactory<StudioDbContext> database)
    {
        await using var db = await database.CreateDbContextAsync();
        if (!await db.Users.AnyAsync(u => u.Id == Lead.UserId))
        {
            db.Users.Add(new StudioUser { Id = Lead.UserId, UserName = "lead@example.test", Email = "lead@example.test", DisplayName = "lead", CreatedAt = Now });
        }

        await db.SaveChangesAsync();
        return (await new Seed(database, Now).DatasetAsync($"Tickets {Guid.NewGuid():N}", "Triage")).DatasetId;
    }
}
