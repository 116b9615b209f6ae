using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Core.Tests.Data;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Tests.Postgres;

public sealed class PostgresTests
{
    [PostgresFact]
    public async Task Migrations_ApplyOnARealServer_AndNothingIsPending()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        await using var db = database.CreateDbContext();
        (await db.Database.GetPendingMigrationsAsync()).ShouldBeEmpty();
        (await db.Database.GetAppliedMigrationsAsync()).ShouldNotBeEmpty();
    }

    [PostgresFact]
    public async Task Dataset_RoundTrips_ThroughServices()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var clock = TimeProvider.System;
        var project = await new ProjectService(database, clock).CreateAsync(new ProjectInput("Triage", "on postgres"), Actor.System, default);
        var datasets = new DatasetService(database, clock);

        var created = await datasets.CreateAsync(project.Id, new DatasetInput("Urgency", TaskKind.Classification, "Classify.", "# Guide", ["high", "low"], 2), Actor.System, default);
        var loaded = await datasets.GetAsync(created.Id, default);

        loaded.Labels.ShouldBe(["high", "low"]);
        loaded.Guidelines.ShouldBe("# Guide");
        loaded.TaskKind.ShouldBe(TaskKind.Classification);
        loaded.CreatedAt.Kind.ShouldBe(DateTimeKind.Utc);
    }

    [PostgresFact]
    public async Task EveryEntity_RoundTrips_AndStaleExampleSaveIsRejected()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var seeded = await StudioDbContextTests.SeedEverythingAsync(database);

        await using var first = database.CreateDbContext();
        await using var second = database.CreateDbContext();
        var mine = await first.Examples.Include(e => e.Messages).SingleAsync();
        mine.Messages.Count.ShouldBe(5);
        mine.CreatedAt.ShouldBe(seeded.At);
        var theirs = await second.Examples.SingleAsync();
        theirs.Notes = "first";
        await second.SaveChangesAsync();
        mine.Notes = "second";
        await Should.ThrowAsync<DbUpdateConcurrencyException>(() => first.SaveChangesAsync());
    }

    [PostgresFact]
    public async Task Import_WritesEveryRowOnTheServer_AndTheRowsSaveAgain()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var clock = TimeProvider.System;
        var project = await new ProjectService(database, clock).CreateAsync(new ProjectInput("Imports", "on postgres"), Actor.System, default);
        var dataset = await new DatasetService(database, clock).CreateAsync(project.Id, new DatasetInput("Chats", TaskKind.Chat, "", "", [], 1), Actor.System, default);
        var service = new FineTuneStudio.Core.Imports.ImportService(database, clock);
        var lines = string.Concat(Enumerable.Range(0, 2500).Select(i => $"{{\"prompt\": \"question {i}\", \"completion\": \"answer {i}\"}}\n"));

        var bulk = await service.ImportAsync(dataset.Id, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(lines)),
            new FineTuneStudio.Core.Imports.ImportOptions { Status = ExampleStatus.Approved }, Actor.System, null, default);
        await using var chat = Imports.ImportFixtures.Open("chat.jsonl");
        var withTools = await service.ImportAsync(dataset.Id, chat, new FineTuneStudio.Core.Imports.ImportOptions(), Actor.System, null, default);

        bulk.Imported.ShouldBe(2500);
        withTools.Imported.ShouldBe(3);
        await using var db = database.CreateDbContext();
        (await db.Examples.CountAsync(e => e.Status == ExampleStatus.Approved)).ShouldBe(2500);
        (await db.ExampleMessages.CountAsync()).ShouldBe(2 * 2500 + 3 + 4 + 4);
        var example = await db.Examples.Include(e => e.Messages).SingleAsync(e => e.ToolsJson != null);
        example.CreatedAt.Kind.ShouldBe(DateTimeKind.Utc);
        example.Notes = "checked";
        await db.SaveChangesAsync();
    }
}
