using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Tests.Projects;

public sealed class ProjectServiceTests
{
    private static readonly Actor Alice = new("user-alice", "alice@example.test");
    private readonly ManualClock _clock = new(new DateTime(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc));

    [Fact]
    public async Task CreateUpdateDelete_WritesAnAuditEventForEachChange()
    {
        await using var database = await TestDatabase.CreateAsync();
        var projects = new ProjectService(database, _clock);

        var created = await projects.CreateAsync(new ProjectInput("  Refund triage ", "Sort refund requests"), Alice, default);
        created.Name.ShouldBe("Refund triage");
        await projects.UpdateAsync(created.Id, new ProjectInput("Refund routing", null), Alice, default);
        await projects.DeleteAsync(created.Id, Alice, default);

        await using var db = database.CreateDbContext();
        var audit = await db.AuditEvents.OrderBy(a => a.Id).ToListAsync();
        audit.Select(a => a.Action).ShouldBe(["project.create", "project.update", "project.delete"]);
        audit.ShouldAllBe(a => a.UserId == "user-alice" && a.UserName == "alice@example.test" && a.EntityId == created.Id.ToString());
        audit[0].At.ShouldBe(_clock.UtcNow);
        (await db.Projects.CountAsync()).ShouldBe(0);
    }

    [Theory]
    [InlineData("", "name")]
    [InlineData("   ", "name")]
    public async Task Create_WithoutName_FailsNamingTheFieldAndStoresNothing(string name, string field)
    {
        await using var database = await TestDatabase.CreateAsync();
        var projects = new ProjectService(database, _clock);

        var error = await Should.ThrowAsync<StudioValidationException>(() => projects.CreateAsync(new ProjectInput(name, null), Alice, default));

        error.Errors.Single().Field.ShouldBe(field);
        await using var db = database.CreateDbContext();
        (await db.Projects.CountAsync()).ShouldBe(0);
        (await db.AuditEvents.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Create_WithTakenName_IsRejected()
    {
        await using var database = await TestDatabase.CreateAsync();
        var projects = new ProjectService(database, _clock);
        await projects.CreateAsync(new ProjectInput("Triage", null), Alice, default);

        var error = await Should.ThrowAsync<StudioValidationException>(() => projects.CreateAsync(new ProjectInput("Triage", null), Alice, default));
        error.Errors.Single().Message.ShouldContain("already exists");
    }

    [Fact]
    public async Task DatasetCreate_ClassificationWithOneLabel_ListsEveryProblem()
    {
        await using var database = await TestDatabase.CreateAsync();
        var project = await new ProjectService(database, _clock).CreateAsync(new ProjectInput("Triage", null), Alice, default);
        var datasets = new DatasetService(database, _clock);

        var error = await Should.ThrowAsync<StudioValidationException>(() =>
            datasets.CreateAsync(project.Id, new DatasetInput("", TaskKind.Classification, Labels: ["only"], RequiredAnnotations: 0), Alice, default));

        error.Errors.Select(e => e.Field).ShouldBe(["name", "requiredAnnotations", "labels"], ignoreOrder: true);
    }

    [Fact]
    public async Task DatasetCreate_InUnknownProject_IsNotFound()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasets = new DatasetService(database, _clock);
        await Should.ThrowAsync<NotFoundException>(() => datasets.CreateAsync(404, new DatasetInput("Chat", TaskKind.Chat), Alice, default));
    }

    [Fact]
    public async Task DatasetCreate_ThenList_ShowsLabelsAndCounts()
    {
        await using var database = await TestDatabase.CreateAsync();
        var project = await new ProjectService(database, _clock).CreateAsync(new ProjectInput("Triage", null), Alice, default);
        var datasets = new DatasetService(database, _clock);

        await datasets.CreateAsync(project.Id, new DatasetInput("Urgency", TaskKind.Classification, "Classify.", "# Rules", ["high", "low"], 2), Alice, default);

        var listed = (await datasets.ListAsync(project.Id, default)).Single();
        listed.Labels.ShouldBe(["high", "low"]);
        listed.RequiredAnnotations.ShouldBe(2);
        listed.ExampleCount.ShouldBe(0);
        listed.CanonicalSystemPrompt.ShouldBe("Classify.");
    }
}
