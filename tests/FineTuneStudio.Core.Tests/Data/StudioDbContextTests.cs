using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Tests.Data;

public sealed class StudioDbContextTests
{
    [Fact]
    public async Task Model_HasNoPendingChanges_ForSqliteMigrations()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var db = database.CreateDbContext();
        db.Database.HasPendingModelChanges().ShouldBeFalse("run scripts/add-migration.sh after changing the model");
    }

    [Fact]
    public void Model_HasNoPendingChanges_ForPostgresMigrations()
    {
        // Checking the model against the snapshot needs no server.
        using var db = StudioDbContextOptions.Create(new StudioDatabaseSettings(DatabaseProvider.Postgres, "Host=127.0.0.1;Database=unused"));
        db.Database.HasPendingModelChanges().ShouldBeFalse("run scripts/add-migration.sh after changing the model");
    }

    [Fact]
    public async Task EveryEntity_RoundTrips_ThroughSqlite()
    {
        await using var database = await TestDatabase.CreateAsync();
        var seeded = await SeedEverythingAsync(database);

        await using var db = database.CreateDbContext();
        var example = await db.Examples.Include(e => e.Messages).Include(e => e.Annotations).SingleAsync();
        example.Messages.OrderBy(m => m.Position).Select(m => m.Role).ShouldBe([MessageRole.System, MessageRole.User, MessageRole.Assistant, MessageRole.Tool, MessageRole.Assistant]);
        example.Messages.Single(m => m.Position == 2).ToolCallsJson.ShouldBe("""[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{}"}}]""");
        example.Messages.Single(m => m.Position == 3).ToolCallId.ShouldBe("call_1");
        example.Messages.Single(m => m.Position == 4).Weight.ShouldBe(0);
        example.Tags.ShouldBe(["billing", "urgent"]);
        example.Status.ShouldBe(ExampleStatus.Approved);
        example.Split.ShouldBe(SplitPin.Validation);
        example.PreferredCompletion.ShouldBe("better");
        example.CreatedAt.Kind.ShouldBe(DateTimeKind.Utc);
        example.CreatedAt.ShouldBe(seeded.At);
        example.Annotations.Single().Rating.ShouldBe(4);

        var dataset = await db.Datasets.SingleAsync();
        dataset.Labels.ShouldBe(["critical", "low"]);
        dataset.TaskKind.ShouldBe(TaskKind.Classification);

        (await db.Assessments.SingleAsync()).Verdict.ShouldBe("fine-tuning-pilot");
        var version = await db.DatasetVersions.Include(v => v.Files).Include(v => v.Examples).SingleAsync();
        version.Files.Single().Sha256.ShouldBe(new string('a', 64));
        version.Examples.Single().Split.ShouldBe(SplitPin.Train);
        var evalSet = await db.EvalSets.Include(s => s.Items).Include(s => s.Runs).ThenInclude(r => r.Results).SingleAsync();
        evalSet.Metrics.ShouldBe(["exact", "macro-f1"]);
        evalSet.Runs.Single(r => r.IsBaseline).Results.Single().Output.ShouldBe("low");
        (await db.Judgements.SingleAsync()).Choice.ShouldBe(JudgementChoice.Tie);
        (await db.TrainingMetricPoints.SingleAsync()).ValidLoss.ShouldBe(0.42);
        (await db.AuditEvents.SingleAsync()).Action.ShouldBe("test.seed");
        (await db.ApiTokens.SingleAsync()).Prefix.ShouldBe("fts_abcdef");
    }

    [Fact]
    public async Task SaveExample_WithStaleConcurrencyToken_IsRejected()
    {
        await using var database = await TestDatabase.CreateAsync();
        await SeedEverythingAsync(database);

        await using var first = database.CreateDbContext();
        await using var second = database.CreateDbContext();
        var mine = await first.Examples.SingleAsync();
        var theirs = await second.Examples.SingleAsync();

        theirs.Notes = "saved first";
        await second.SaveChangesAsync();

        mine.Notes = "saved second, from a stale copy";
        await Should.ThrowAsync<DbUpdateConcurrencyException>(() => first.SaveChangesAsync());

        await using var check = database.CreateDbContext();
        (await check.Examples.SingleAsync()).Notes.ShouldBe("saved first");
    }

    [Fact]
    public async Task SaveAnnotation_WithStaleConcurrencyToken_IsRejected()
    {
        await using var database = await TestDatabase.CreateAsync();
        await SeedEverythingAsync(database);

        await using var first = database.CreateDbContext();
        await using var second = database.CreateDbContext();
        var mine = await first.Annotations.SingleAsync();
        var theirs = await second.Annotations.SingleAsync();
        theirs.Label = "high";
        await second.SaveChangesAsync();
        mine.Label = "low";
        await Should.ThrowAsync<DbUpdateConcurrencyException>(() => first.SaveChangesAsync());
    }

    internal sealed record Seeded(DateTime At, int ProjectId, int DatasetId, int ExampleId);

    /// <summary>One row of every entity, linked the way the app links them.</summary>
    internal static async Task<Seeded> SeedEverythingAsync(IDbContextFactory<StudioDbContext> factory)
    {
        var at = new DateTime(2026, 11, 2, 9, 30, 0, DateTimeKind.Utc);
        await using var db = await factory.CreateDbContextAsync();
        var user = new StudioUser { UserName = "lena@example.test", Email = "lena@example.test", DisplayName = "Lena", CreatedAt = at };
        db.Users.Add(user);
        var project = new Project { Name = "Urgency", CreatedAt = at, UpdatedAt = at };
        var dataset = new Dataset { Name = "Tickets", TaskKind = TaskKind.Classification, Labels = ["critical", "low"], CreatedAt = at, UpdatedAt = at };
        project.Datasets.Add(dataset);
        project.Assessments.Add(new ReadinessAssessment { Status = AssessmentStatus.Submitted, Verdict = "fine-tuning-pilot", CreatedAt = at, SubmittedAt = at });
        var example = new Example
        {
            Status = ExampleStatus.Approved,
            Split = SplitPin.Validation,
            Source = ExampleSource.Manual,
            CreatedAt = at,
            UpdatedAt = at,
        };
        new ExampleContent(
            [
                new MessageContent(MessageRole.System, "Classify."),
                new MessageContent(MessageRole.User, "Site is down"),
                new MessageContent(MessageRole.Assistant, null, ToolCallsJson: """[{"id":"call_1","type":"function","function":{"name":"lookup","arguments":"{}"}}]"""),
                new MessageContent(MessageRole.Tool, "status: outage", ToolCallId: "call_1"),
                new MessageContent(MessageRole.Assistant, "critical", Weight: 0),
            ],
            Label: "critical",
            Tags: ["billing", "urgent"],
            PreferredCompletion: "better").ApplyTo(example);
        dataset.Examples.Add(example);
        var evalSet = new EvalSet { Name = "Held out", Metrics = ["exact", "macro-f1"], CreatedAt = at };
        var item = new EvalItem { ExternalId = "t-1", Expected = "low" };
        evalSet.Items.Add(item);
        project.EvalSets.Add(evalSet);
        db.Projects.Add(project);
        await db.SaveChangesAsync();

        example.Annotations.Add(new Annotation { LabelerId = user.Id, Label = "critical", Rating = 4, Submitted = true, CreatedAt = at, UpdatedAt = at });
        var version = new DatasetVersion { DatasetId = dataset.Id, Number = 1, Target = "openai-chat", CreatedAt = at };
        version.Files.Add(new DatasetVersionFile { Name = "train.jsonl", Sha256 = new string('a', 64), Bytes = 10, Lines = 1 });
        version.Examples.Add(new DatasetVersionExample { ExampleId = example.Id, Split = SplitPin.Train, ContentHash = example.ContentHash });
        db.DatasetVersions.Add(version);
        var runA = new EvalRun { EvalSetId = evalSet.Id, Name = "baseline", IsBaseline = true, CreatedAt = at, Status = EvalRunStatus.Completed };
        runA.Results.Add(new EvalResult { EvalItemId = item.Id, Output = "low" });
        var runB = new EvalRun { EvalSetId = evalSet.Id, Name = "candidate", CreatedAt = at };
        db.EvalRuns.AddRange(runA, runB);
        await db.SaveChangesAsync();

        var comparison = new Comparison { RunAId = runA.Id, RunBId = runB.Id, CreatedAt = at };
        comparison.Judgements.Add(new Judgement { EvalItemId = item.Id, ReviewerId = user.Id, Choice = JudgementChoice.Tie, AWasLeft = true, CreatedAt = at });
        db.Comparisons.Add(comparison);
        var metrics = new TrainingMetrics { ProjectId = project.Id, DatasetVersionId = version.Id, Name = "job-1", ImportedAt = at };
        metrics.Points.Add(new TrainingMetricPoint { Step = 1, TrainLoss = 0.9, ValidLoss = 0.42 });
        db.TrainingMetrics.Add(metrics);
        db.AuditEvents.Add(new AuditEvent { At = at, Action = "test.seed", EntityType = "Project", EntityId = project.Id.ToString() });
        db.ApiTokens.Add(new ApiToken { UserId = user.Id, Name = "script", Prefix = "fts_abcdef", SecretHash = new string('b', 64), CreatedAt = at });
        await db.SaveChangesAsync();
        return new Seeded(at, project.Id, dataset.Id, example.Id);
    }
}
