using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTuneStudio.Core.Tests.Evaluation;

public sealed class EvalGenerationPostgresTests
{
    [PostgresFact]
    public async Task Execute_TwoInstancesOnPostgres_OnlyOneClaimsTheRun()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var actor = new Actor("user-lead", "lead@example.test");
        var project = await new ProjectService(database, TimeProvider.System).CreateAsync(new ProjectInput("Triage", null), actor, default);
        var sets = new EvalSets(database, TimeProvider.System);
        var runs = new EvalRuns(database, TimeProvider.System);
        var set = await sets.CreateSetAsync(project.Id, new EvalSetInput("Held-out", "", ["exact"]), actor, default);
        await sets.ImportItemsAsync(set.Id, string.Join('\n', Enumerable.Range(1, 5).Select(i => $$"""{"id":"t{{i}}","input":"ticket {{i}}","expected":"high"}""")), "items.jsonl", actor, default);
        await using var server = ScriptedChatServer.Start((_, _) => FakeReply.Text("high"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Studio:Evaluation:Generation:Endpoints:fake:BaseUrl"] = server.BaseUrl,
        }).Build();
        var catalog = new EvalEndpointCatalog(TestSettings.Monitor<EvalGenerationOptions>(configuration, EvalGenerationOptions.Section));
        EvalGenerationService Instance() => new(database, TimeProvider.System, catalog, runs, new EvalRunGenerator(database, TimeProvider.System, catalog, runs, NullLogger<EvalGenerationService>.Instance), NullLogger<EvalGenerationService>.Instance, new JobLeaseService(database, TimeProvider.System, NullLogger<JobLeaseService>.Instance));
        var run = await Instance().CreateAsync(set.Id, new GenerateRunRequest { Name = "Candidate", Endpoint = "fake", Model = "m" }, actor, default);

        var claimed = await Task.WhenAll(Instance().ExecuteAsync(run.Id, actor, null, default), Instance().ExecuteAsync(run.Id, actor, null, default));

        claimed.Count(c => c).ShouldBe(1);
        server.TotalRequests.ShouldBe(5);
        var summary = await runs.GetRunAsync(run.Id, default);
        summary.Status.ShouldBe(EvalRunStatus.Completed);
        summary.Summary!.Correct.ShouldBe(5);
        await using var db = database.CreateDbContext();
        (await db.EvalResults.CountAsync(r => r.EvalRunId == run.Id)).ShouldBe(5);
    }
}
