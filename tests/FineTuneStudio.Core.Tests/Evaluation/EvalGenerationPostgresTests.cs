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
        var evaluation = new EvaluationService(database, TimeProvider.System);
        var set = await evaluation.CreateSetAsync(project.Id, new EvalSetInput("Held-out", "", ["exact"]), actor, default);
        await evaluation.ImportItemsAsync(set.Id, string.Join('\n', Enumerable.Range(1, 5).Select(i => $$"""{"id":"t{{i}}","input":"ticket {{i}}","expected":"high"}""")), "items.jsonl", actor, default);
        await using var server = ScriptedChatServer.Start((_, _) => FakeReply.Text("high"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Studio:Evaluation:Generation:Endpoints:fake:BaseUrl"] = server.BaseUrl,
        }).Build();
        EvalGenerationService Instance() => new(database, TimeProvider.System, new EvalEndpointCatalog(TestSettings.Monitor<EvalGenerationOptions>(configuration, EvalGenerationOptions.Section)), evaluation, NullLogger<EvalGenerationService>.Instance, new JobLeaseService(database, TimeProvider.System));
        var run = await Instance().CreateAsync(set.Id, new GenerateRunRequest { Name = "Candidate", Endpoint = "fake", Model = "m" }, actor, default);

        var claimed = await Task.WhenAll(Instance().ExecuteAsync(run.Id, actor, null, default), Instance().ExecuteAsync(run.Id, actor, null, default));

        claimed.Count(c => c).ShouldBe(1);
        server.TotalRequests.ShouldBe(5);
        var summary = await evaluation.GetRunAsync(run.Id, default);
        summary.Status.ShouldBe(EvalRunStatus.Completed);
        summary.Summary!.Correct.ShouldBe(5);
        await using var db = database.CreateDbContext();
        (await db.EvalResults.CountAsync(r => r.EvalRunId == run.Id)).ShouldBe(5);
    }
}
