using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Judges;
using FineTuneStudio.Core.Projects;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Web.Tests.Support;

/// <summary>Intent helpers for LLM judges.</summary>
public partial class StudioAppFactory
{
    /// <summary>A project of its own (the demo team in it) with a blind comparison of two runs and people's reviews of it.</summary>
    public sealed record ReviewedComparison(int ProjectId, int SetId, int BaselineRunId, int CandidateRunId, int ComparisonId);

    /// <summary>
    /// Twelve items "question i"; the candidate gives the longer answer on q1–q8, the baseline on q9–q12; two
    /// reviewers judged every pair blind, each preferring the longer answer.
    /// </summary>
    public async Task<ReviewedComparison> CreateReviewedComparisonAsync()
    {
        var project = await Services.GetRequiredService<ProjectService>().CreateAsync(new ProjectInput($"Judging {Guid.NewGuid():N}", null), Actor.System, default);
        await JoinDemoTeamAsync(project.Id);
        var items = string.Join('\n', Enumerable.Range(1, 12).Select(i => $$"""{"id":"q{{i}}","input":"question {{i}}","expected":"refund in 14 days"}"""));
        var setId = await CreateEvalSetAsync(project.Id, "Refund questions", items, ["exact"]);
        string Outputs(Func<int, string> output) => "id,output\n" + string.Concat(Enumerable.Range(1, 12).Select(i => $"q{i},{output(i)}\n"));
        var baseline = await ImportRunOfVersionAsync(setId, "Prompted", Outputs(i => i <= 8 ? "no" : "a refund takes 14 days from the request"), "a.csv", null, baseline: true);
        var candidate = await ImportRunAsync(setId, "Tuned v1", Outputs(i => i <= 8 ? "your refund arrives within 14 days" : "no"), "b.csv");
        var comparisons = Services.GetRequiredService<ComparisonService>();
        var comparison = (await comparisons.CreateAsync(baseline, candidate, "Tuned v1 vs prompted", Actor.System, default)).Id;
        foreach (var reviewer in new[] { "reviewer-1", "reviewer-2" })
        {
            while (await comparisons.NextAsync(comparison, reviewer, default) is { } pair)
            {
                var pick = pair.LeftOutput.Length > pair.RightOutput.Length ? BlindPick.Left : BlindPick.Right;
                await comparisons.JudgeAsync(comparison, pair.ItemId, reviewer, pick, null, Actor.System, default);
            }
        }

        return new ReviewedComparison(project.Id, setId, baseline, candidate, comparison);
    }

    /// <summary>A pairwise judge at an endpoint added with <see cref="AddGenerationEndpoint"/>, as the judges page would create it.</summary>
    public async Task<int> CreateJudgeAsync(int projectId, string name, string endpoint) =>
        (await Services.GetRequiredService<JudgeService>().CreateAsync(projectId,
            new JudgeRequest { Name = name, Rubric = "- Names the refund period\n- Says how long it takes", Endpoint = endpoint, Model = "fake-model" }, Actor.System, default)).Judge.Id;

    /// <summary>Runs a judge over a comparison to the end, as the judge page's button would; returns the run's id.</summary>
    public async Task<int> RunJudgeAsync(int judgeId, int comparisonId)
    {
        var runner = Services.GetRequiredService<JudgeRunRunner>();
        var run = await runner.StartAsync(new JudgeRunRequest(judgeId, comparisonId, null), Actor.System, default);
        await runner.WaitAsync(run.Id);
        return run.Id;
    }

    /// <summary>Waits until this instance has finished a judge run.</summary>
    public Task WaitForJudgeRunAsync(int runId) => Services.GetRequiredService<JudgeRunRunner>().WaitAsync(runId);
}
