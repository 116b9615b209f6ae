using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Judges;
using FineTuneStudio.Core.Tests.Evaluation;
using FineTuneStudio.Core.Tests.Judges;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Bench;

/// <summary>
/// LLM judges on a blind review of N pairs: <c>judge-run</c> judges every pair in both orders against a scripted
/// endpoint on 127.0.0.1 that answers at once (it prefers the longer answer), so the figure is the studio's own cost
/// per request; <c>judge-floor</c> sends the same number of requests of the same size at the same concurrency with a
/// bare HttpClient, which is what the machine allows; <c>judge-calibrate</c> calibrates the judge against two
/// people's verdicts (kappa with its 2,000-resample bootstrap interval); <c>judge-trust</c> reads only whether it is trusted. Both
/// are timed on their second call, as a running server pays them. The endpoint runs in the parent process,
/// so a step's peak memory is the step's own.
/// </summary>
public static class JudgeBench
{
    public static readonly string[] Steps = ["judge-setup", "eval-generate", "eval-generate-floor", "judge-run", "judge-floor", "judge-calibrate", "judge-trust"];

    public const string Endpoint = "bench";

    private const string Rubric = "- Names the refund period\n- Says when it starts";

    /// <summary>The environment a child step needs to reach the parent's endpoint.</summary>
    public static ScriptedChatServer StartEndpoint(string folder, int items)
    {
        var server = ScriptedChatServer.Start(ScriptedJudges.PrefersLonger);
        var prefix = $"Studio__Evaluation__Generation__Endpoints__{Endpoint}__";
        Environment.SetEnvironmentVariable(prefix + "BaseUrl", server.BaseUrl);
        Environment.SetEnvironmentVariable(prefix + "ApiKey", "sk-bench");
        File.WriteAllText(Path.Combine(folder, "judge-items.txt"), items.ToString(CultureInfo.InvariantCulture));
        return server;
    }

    public static async Task<StepResult> RunStepAsync(string step, string folder, ServiceProvider provider, StudioDatabaseSettings settings, Stopwatch watch, CancellationToken ct)
    {
        var factory = provider.GetRequiredService<IDbContextFactory<StudioDbContext>>();
        var items = int.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "judge-items.txt"), ct), CultureInfo.InvariantCulture);
        var idsFile = Path.Combine(folder, "judge-ids.txt");
        switch (step)
        {
            case "judge-setup":
            {
                await StudioDatabaseMigrator.MigrateAsync(factory, settings, ct);
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                var (comparisonId, judgeId) = await SetUpAsync(provider, items, ct);
                watch.Stop();
                await File.WriteAllTextAsync(idsFile, $"{comparisonId} {judgeId}", ct);
                return StepResult.Of(step, watch, items, "pairs", $"{items:N0} items, two runs, a blind review with {2 * items:N0} human verdicts, a judge");
            }

            case "eval-generate":
            {
                var (comparisonId, _) = await ReadIdsAsync(idsFile);
                var setId = await SetOfAsync(factory, comparisonId, ct);
                var generation = provider.GetRequiredService<EvalGenerationService>();
                var run = await generation.CreateAsync(setId, new GenerateRunRequest { Name = "Generated", Endpoint = Endpoint, Model = "candidate-model" }, Actor.System, ct);
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                await generation.ExecuteAsync(run.Id, Actor.System, null, ct);
                watch.Stop();
                var done = await provider.GetRequiredService<EvalRuns>().GetRunAsync(run.Id, ct);
                if (done.Status != EvalRunStatus.Completed)
                {
                    throw new InvalidOperationException($"eval run {run.Id}: {done.Status}, {done.Error}");
                }

                // Scoring is part of the run; scored again on its own, it shows what of the time is not the endpoint's.
                var scoring = Stopwatch.StartNew();
                await provider.GetRequiredService<EvalRuns>().ScoreRunAsync(run.Id, Actor.System, ct);
                scoring.Stop();
                var concurrency = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<EvalGenerationOptions>>().Value.MaxConcurrency;
                return StepResult.Of(step, watch, items, "requests",
                    $"{items:N0} outputs generated and scored, {items / watch.Elapsed.TotalSeconds:N0} requests/s at {concurrency} in flight; scoring alone {scoring.Elapsed.TotalSeconds:0.00} s");
            }

            case "eval-generate-floor":
            {
                var (comparisonId, _) = await ReadIdsAsync(idsFile);
                var setId = await SetOfAsync(factory, comparisonId, ct);
                var baseUrl = Environment.GetEnvironmentVariable($"Studio__Evaluation__Generation__Endpoints__{Endpoint}__BaseUrl")!;
                var concurrency = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<EvalGenerationOptions>>().Value.MaxConcurrency;
                List<string> inputs;
                await using (var db = await factory.CreateDbContextAsync(ct))
                {
                    inputs = await db.EvalItems.AsNoTracking().Where(i => i.EvalSetId == setId).OrderBy(i => i.Id).Select(i => i.InputJson).ToListAsync(ct);
                }

                using var http = new HttpClient { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/") };
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                await Parallel.ForEachAsync(inputs, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (input, token) =>
                {
                    // The item's stored messages are already [{role, content}]: sent as they are.
                    using var body = new StringContent($$"""{"model":"candidate-model","temperature":0,"messages":{{input}}}""", System.Text.Encoding.UTF8, "application/json");
                    using var response = await http.PostAsync("chat/completions", body, token);
                    response.EnsureSuccessStatusCode();
                    _ = await response.Content.ReadAsStringAsync(token);
                });
                watch.Stop();
                return StepResult.Of(step, watch, inputs.Count, "requests", $"bare HttpClient, {inputs.Count / watch.Elapsed.TotalSeconds:N0} requests/s at {concurrency} in flight, nothing stored");
            }

            case "judge-run":
            {
                var (comparisonId, judgeId) = await ReadIdsAsync(idsFile);
                var runs = provider.GetRequiredService<JudgeRuns>();
                var run = await runs.CreateAsync(new JudgeRunRequest(judgeId, comparisonId, null), Actor.System, ct);
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                await provider.GetRequiredService<JudgeRunExecutor>().ExecuteAsync(run.Id, Actor.System, null, ct, ct);
                watch.Stop();
                var done = await runs.GetAsync(run.Id, ct);
                if (done.Status != EvalRunStatus.Completed || done.Failed > 0)
                {
                    throw new InvalidOperationException($"judge run {run.Id}: {done.Status}, {done.Failed} failed, {done.Error}");
                }

                var concurrency = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<EvalGenerationOptions>>().Value.MaxConcurrency;
                return StepResult.Of(step, watch, 2 * items, "requests",
                    $"{items:N0} pairs in both orders, {2 * items / watch.Elapsed.TotalSeconds:N0} requests/s at {concurrency} in flight, {done.Usage.PromptTokens:N0} prompt tokens");
            }

            case "judge-floor":
            {
                var (comparisonId, _) = await ReadIdsAsync(idsFile);
                var baseUrl = Environment.GetEnvironmentVariable($"Studio__Evaluation__Generation__Endpoints__{Endpoint}__BaseUrl")!;
                var concurrency = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<EvalGenerationOptions>>().Value.MaxConcurrency;
                var prompts = await FloorPromptsAsync(factory, comparisonId, ct);
                using var http = new HttpClient { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/") };
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                await Parallel.ForEachAsync(prompts, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = ct }, async (messages, token) =>
                {
                    using var response = await http.PostAsJsonAsync("chat/completions",
                        new { model = "judge-model", temperature = 0, messages = messages.Select(m => new { role = m.Role.Value, content = m.Text }) }, token);
                    response.EnsureSuccessStatusCode();
                    _ = await response.Content.ReadAsStringAsync(token);
                });
                watch.Stop();
                return StepResult.Of(step, watch, prompts.Count, "requests", $"bare HttpClient, {prompts.Count / watch.Elapsed.TotalSeconds:N0} requests/s at {concurrency} in flight");
            }

            case "judge-calibrate":
            {
                var (_, judgeId) = await ReadIdsAsync(idsFile);
                var calibration = provider.GetRequiredService<JudgeCalibrationService>();
                // The first call pays for start-up (EF's model, JIT); a running server has paid it: timed is the second.
                var cold = Stopwatch.StartNew();
                await calibration.CalibrateAsync(judgeId, null, ct);
                cold.Stop();
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                var report = await calibration.CalibrateAsync(judgeId, null, ct);
                watch.Stop();
                var interval = report.Figures.KappaInterval;
                return StepResult.Of(step, watch, report.Figures.Pairs, "pairs", string.Create(CultureInfo.InvariantCulture,
                    $"kappa {report.Figures.Kappa:0.000} [{interval?.Low:0.000}, {interval?.High:0.000}] over {interval?.Iterations:N0} resamples, position bias {report.PositionBias?.Rate:P1}, {report.Trust.Reason}; first call {cold.Elapsed.TotalSeconds:0.00} s"));
            }

            case "judge-trust":
            {
                var (_, judgeId) = await ReadIdsAsync(idsFile);
                int projectId;
                await using (var db = await factory.CreateDbContextAsync(ct))
                {
                    projectId = await db.Judges.Where(j => j.Id == judgeId).Select(j => j.ProjectId).SingleAsync(ct);
                }

                var calibration = provider.GetRequiredService<JudgeCalibrationService>();
                await calibration.TrustAsync(projectId, ct);
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                var trust = await calibration.TrustAsync(projectId, ct);
                watch.Stop();
                return StepResult.Of(step, watch, items, "pairs", $"what the judges list, the dashboard and readiness pay per judge: {trust.Single().Trust.Reason}");
            }

            default:
                throw new ArgumentException($"unknown step '{step}'; judge steps: {string.Join(", ", Steps)}");
        }
    }

    /// <summary>
    /// An eval set of N questions, a baseline and a candidate run (the candidate's answer longer on two thirds of
    /// them), a blind review, two people's verdicts (the longer answer, one of them wrong on every tenth pair), a judge.
    /// </summary>
    private static async Task<(int ComparisonId, int JudgeId)> SetUpAsync(ServiceProvider provider, int items, CancellationToken ct)
    {
        var project = await provider.GetRequiredService<Core.Projects.ProjectService>().CreateAsync(new Core.Projects.ProjectInput("Bench judges", null), Actor.System, ct);
        var sets = provider.GetRequiredService<EvalSets>();
        var set = await sets.CreateSetAsync(project.Id, new EvalSetInput("Held-out", null, ["exact"]), Actor.System, ct);
        var lines = Enumerable.Range(1, items).Select(i => $$"""{"id":"q{{i}}","input":"question {{i}}: how long does a refund take when the order was paid by card?","expected":"14 days"}""");
        await sets.ImportItemsAsync(set.Id, string.Join('\n', lines), "items.jsonl", Actor.System, ct);
        string Outputs(Func<int, string> output) => "id,output\n" + string.Concat(Enumerable.Range(1, items).Select(i => $"q{i},{output(i)}\n"));
        var runs = provider.GetRequiredService<EvalRuns>();
        var baseline = await runs.ImportRunAsync(set.Id, new EvalRunInput("Prompted", IsBaseline: true),
            Outputs(i => i % 3 == 0 ? "a refund on a card payment takes up to 14 days from the day we receive the return" : "14 days"), "a.csv", Actor.System, ct);
        var candidate = await runs.ImportRunAsync(set.Id, new EvalRunInput("Tuned"),
            Outputs(i => i % 3 == 0 ? "14 days" : "card refunds arrive within 14 days of the day the return reaches us"), "b.csv", Actor.System, ct);
        var comparison = await provider.GetRequiredService<ComparisonService>().CreateAsync(baseline.Id, candidate.Id, "Tuned vs prompted", Actor.System, ct);

        var factory = provider.GetRequiredService<IDbContextFactory<StudioDbContext>>();
        await using (var db = await factory.CreateDbContextAsync(ct))
        {
            var ids = await db.EvalItems.Where(i => i.EvalSetId == set.Id).OrderBy(i => i.Id).Select(i => i.Id).ToListAsync(ct);
            var now = DateTime.UtcNow;
            var random = new Random(7);
            db.Judgements.AddRange(ids.SelectMany((id, index) => new[] { "reviewer-1", "reviewer-2" }.Select(reviewer =>
            {
                var longer = (index + 1) % 3 == 0 ? JudgementChoice.A : JudgementChoice.B;
                var choice = reviewer == "reviewer-2" && index % 10 == 0 ? (longer == JudgementChoice.A ? JudgementChoice.B : JudgementChoice.A) : longer;
                return new Judgement { ComparisonId = comparison.Id, EvalItemId = id, ReviewerId = reviewer, AWasLeft = random.Next(2) == 0, Choice = choice, Reason = "", CreatedAt = now };
            })));
            await db.SaveChangesAsync(ct);
        }

        var judge = await provider.GetRequiredService<JudgeService>().CreateAsync(project.Id,
            new JudgeRequest { Name = "Longer is better", Rubric = Rubric, Endpoint = Endpoint, Model = "judge-model" }, Actor.System, ct);
        return (comparison.Id, judge.Judge.Id);
    }

    /// <summary>The prompts the judge run sent (both orders of every pair), rebuilt with the same builder, for the floor.</summary>
    private static async Task<List<List<ChatMessage>>> FloorPromptsAsync(IDbContextFactory<StudioDbContext> factory, int comparisonId, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var comparison = await db.Comparisons.AsNoTracking().SingleAsync(c => c.Id == comparisonId, ct);
        var outputs = await (from r in db.EvalResults.AsNoTracking()
                             join i in db.EvalItems on r.EvalItemId equals i.Id
                             where r.EvalRunId == comparison.RunAId || r.EvalRunId == comparison.RunBId
                             select new { r.EvalItemId, r.EvalRunId, Output = r.Output ?? "", Input = i.InputJson, i.Expected }).ToListAsync(ct);
        return outputs.GroupBy(o => o.EvalItemId).SelectMany(g =>
        {
            var a = g.Single(o => o.EvalRunId == comparison.RunAId);
            var b = g.Single(o => o.EvalRunId == comparison.RunBId);
            return new[] { JudgePrompt.Pairwise(Rubric, a.Input, a.Expected, a.Output, b.Output), JudgePrompt.Pairwise(Rubric, a.Input, a.Expected, b.Output, a.Output) };
        }).ToList();
    }

    private static async Task<int> SetOfAsync(IDbContextFactory<StudioDbContext> factory, int comparisonId, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var runA = await db.Comparisons.Where(c => c.Id == comparisonId).Select(c => c.RunAId).SingleAsync(ct);
        return await db.EvalRuns.Where(r => r.Id == runA).Select(r => r.EvalSetId).SingleAsync(ct);
    }

    private static async Task<(int ComparisonId, int JudgeId)> ReadIdsAsync(string file)
    {
        var parts = (await File.ReadAllTextAsync(file)).Split(' ');
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
