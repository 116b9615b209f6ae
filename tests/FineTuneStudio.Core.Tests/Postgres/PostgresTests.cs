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
}
