using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Projects;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Web.Tests.Support;

/// <summary>Intent helpers for evaluation tests, over the demo's "Urgency held-out" set.</summary>
public partial class StudioAppFactory
{
    public sealed record DemoEvaluation(int ProjectId, int SetId, int BaselineRunId);

    public Task<DemoEvaluation> DemoEvaluationAsync() => QueryAsync(async db =>
    {
        var set = await db.EvalSets.Where(s => s.Name == "Urgency held-out").Select(s => new { s.Id, s.ProjectId }).SingleAsync();
        var baseline = await db.EvalRuns.Where(r => r.EvalSetId == set.Id && r.IsBaseline).Select(r => r.Id).FirstAsync();
        return new DemoEvaluation(set.ProjectId, set.Id, baseline);
    });

    /// <summary>
    /// Outputs for the demo set, right except at every 7th item from the 4th (indices 3, 10, 17,
    /// 24, 31, 38: 6 wrong), so the candidate is right on 34 of 40.
    /// </summary>
    public async Task<string> CandidateOutputsCsvAsync()
    {
        var demo = await DemoEvaluationAsync();
        var items = await QueryAsync(db => db.EvalItems.Where(i => i.EvalSetId == demo.SetId).OrderBy(i => i.Id).Select(i => new { i.ExternalId, i.Label }).ToListAsync());
        var lines = items.Select((item, index) => $"{item.ExternalId},{(index % 7 == 3 ? (item.Label == "normal" ? "low" : "normal") : item.Label)}");
        return "id,output\n" + string.Join("\n", lines) + "\n";
    }

    public async Task<int> ImportCandidateRunAsync(string name)
    {
        var demo = await DemoEvaluationAsync();
        var run = await Services.GetRequiredService<EvalRuns>().ImportRunAsync(demo.SetId, new EvalRunInput(name, Model: "tuned-secret-model-x"),
            await CandidateOutputsCsvAsync(), "candidate.csv", Actor.System, default);
        return run.Id;
    }

    /// <summary>Imports a run of outputs (CSV "id,output") into a set, as an ML lead's upload would, and returns its id.</summary>
    public async Task<int> ImportRunAsync(int setId, string name, string outputsCsv, string fileName)
    {
        var run = await Services.GetRequiredService<EvalRuns>().ImportRunAsync(setId, new EvalRunInput(name), outputsCsv, fileName, Actor.System, default);
        return run.Id;
    }

    /// <summary>The names of the project's runs, oldest first.</summary>
    public async Task<IReadOnlyList<string>> RunNamesAsync(int projectId) =>
        (await Services.GetRequiredService<EvalRuns>().ListRunsAsync(projectId, null, default)).Select(r => r.Name).ToList();

    /// <summary>An empty eval set, as the New set form makes it; returns its id.</summary>
    public async Task<int> CreateEmptyEvalSetAsync(int projectId, string name, IReadOnlyList<string> metrics) =>
        (await Services.GetRequiredService<EvalSets>().CreateSetAsync(projectId, new EvalSetInput(name, "", metrics), Actor.System, default)).Id;

    /// <summary>A held-out set in a project, filled from items JSONL, as an ML lead's import would; returns its id.</summary>
    public async Task<int> CreateEvalSetAsync(int projectId, string name, string itemsJsonl, IReadOnlyList<string> metrics)
    {
        var sets = Services.GetRequiredService<EvalSets>();
        var set = await sets.CreateSetAsync(projectId, new EvalSetInput(name, "", metrics), Actor.System, default);
        await sets.ImportItemsAsync(set.Id, itemsJsonl, "items.jsonl", Actor.System, default);
        return set.Id;
    }

    /// <summary>A run of a model trained on a version (or the baseline), from an outputs file; returns its id.</summary>
    public async Task<int> ImportRunOfVersionAsync(int setId, string name, string outputs, string fileName, int? versionId, bool baseline = false)
    {
        var run = await Services.GetRequiredService<EvalRuns>().ImportRunAsync(setId, new EvalRunInput(name, DatasetVersionId: versionId, IsBaseline: baseline),
            outputs, fileName, Actor.System, default);
        return run.Id;
    }

    /// <summary>A trainer's log of a model trained on a version, as the training page's import would store it.</summary>
    public async Task<int> ImportTrainingLogAsync(int projectId, int versionId, string name, string log) =>
        (await Services.GetRequiredService<TrainingCurveService>().ImportAsync(projectId, name, versionId, log, Actor.System, default)).Id;

    /// <summary>Waits until this instance has finished generating the run's outputs.</summary>
    public Task WaitForGenerationAsync(int runId) => Services.GetRequiredService<EvalGenerationRunner>().WaitAsync(runId);

    /// <summary>Starts generating a run against an endpoint added with <see cref="AddGenerationEndpoint"/>; returns the run's id.</summary>
    public async Task<int> StartGenerationRunAsync(int setId, string name, string endpoint, string model)
    {
        var run = await Services.GetRequiredService<EvalGenerationService>()
            .CreateAsync(setId, new GenerateRunRequest { Name = name, Endpoint = endpoint, Model = model }, Actor.System, default);
        return run.Id;
    }

    /// <summary>
    /// Leaves a generation run as an instance that crashed mid-run would: Running, the given results stored (by
    /// item external id), and its lease held by a gone owner and run out minutes ago.
    /// </summary>
    public Task MarkRunStoppedWithItsInstanceAsync(int runId, int setId, IEnumerable<(string ExternalId, string Output)> done) => QueryAsync(async db =>
    {
        await db.EvalRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, EvalRunStatus.Running));
        foreach (var (externalId, output) in done)
        {
            var itemId = await db.EvalItems.Where(i => i.EvalSetId == setId && i.ExternalId == externalId).Select(i => i.Id).SingleAsync();
            db.EvalResults.Add(new EvalResult { EvalRunId = runId, EvalItemId = itemId, Output = output });
        }

        db.JobLeases.Add(new JobLease
        {
            Kind = EvalGenerationService.LeaseKind, Key = runId.ToString(System.Globalization.CultureInfo.InvariantCulture), Owner = "gone:1:0000",
            Token = Guid.NewGuid(), AcquiredAt = DateTime.UtcNow.AddMinutes(-10), ExpiresAt = DateTime.UtcNow.AddMinutes(-8),
        });
        return await db.SaveChangesAsync();
    });

    public async Task<int> CreateComparisonAsync(int baselineRunId, int candidateRunId)
    {
        var comparison = await Services.GetRequiredService<ComparisonService>().CreateAsync(baselineRunId, candidateRunId, null, Actor.System, default);
        return comparison.Id;
    }

    /// <summary>
    /// Adds a generation endpoint to the running app's configuration (read on every use, as an edit of
    /// appsettings.json would be) and returns its name.
    /// </summary>
    public string AddGenerationEndpoint(string baseUrl, string apiKey = "sk-test-key", string? name = null)
    {
        name ??= $"fake-{Guid.NewGuid():N}"[..13];
        var configuration = (IConfigurationRoot)Services.GetRequiredService<IConfiguration>();
        configuration[$"Studio:Evaluation:Generation:Endpoints:{name}:BaseUrl"] = baseUrl;
        configuration[$"Studio:Evaluation:Generation:Endpoints:{name}:ApiKey"] = apiKey;
        configuration[$"Studio:Evaluation:Generation:Endpoints:{name}:Provider"] = "local";
        configuration[$"Studio:Evaluation:Generation:Endpoints:{name}:Models:0"] = "fake-model";
        configuration["Studio:Evaluation:Generation:RetryDelayMilliseconds"] = "10";
        // As an edit of appsettings.json does, so options read through IOptionsMonitor see it.
        configuration.Reload();
        return name;
    }

    /// <summary>
    /// A project of its own with a set of <paramref name="items"/> tickets: "ticket i" expects "high" for
    /// odd i and "low" for even i, so generated runs do not change the demo's figures.
    /// </summary>
    public async Task<(int ProjectId, int SetId)> CreateGenerationSetAsync(int items)
    {
        var project = await Services.GetRequiredService<ProjectService>().CreateAsync(new ProjectInput($"Generation {Guid.NewGuid():N}", null), Actor.System, default);
        var evaluation = Services.GetRequiredService<EvalSets>();
        var set = await evaluation.CreateSetAsync(project.Id, new EvalSetInput("Tickets held-out", null, ["exact", "accuracy"]), Actor.System, default);
        var lines = Enumerable.Range(1, items).Select(i => $$"""{"id":"t{{i}}","input":"ticket {{i}}","expected":"{{(i % 2 == 1 ? "high" : "low")}}","label":"{{(i % 2 == 1 ? "high" : "low")}}"}""");
        await evaluation.ImportItemsAsync(set.Id, string.Join('\n', lines), "items.jsonl", Actor.System, default);
        await JoinDemoTeamAsync(project.Id);
        return (project.Id, set.Id);
    }
}
