using System.CommandLine;
using System.Globalization;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Judges;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

/// <summary>
/// <c>fts judge create|list|run|calibration</c> and <c>fts comparisons list|create|close|reopen</c>: LLM judges and
/// the blind A/B reviews they are calibrated against. Endpoints come from the environment, as for <c>eval generate</c>.
/// </summary>
public static class JudgeCommands
{
    private static readonly Dictionary<string, JudgeMode> Modes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["pairwise"] = JudgeMode.Pairwise, ["score"] = JudgeMode.Score, ["pass-fail"] = JudgeMode.PassFail,
    };

    public static IEnumerable<Command> Build()
    {
        var judge = new Command("judge", "LLM judges: create one, run it over a blind review or a run, see how far it agrees with the people");
        judge.Subcommands.Add(Create());
        judge.Subcommands.Add(List());
        judge.Subcommands.Add(Run());
        judge.Subcommands.Add(Calibration());
        yield return judge;
        yield return ComparisonsCommand();
    }

    private static Command Create()
    {
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var name = new Option<string>("--name") { Description = "Name of the judge, unique in the project", Required = true };
        var rubric = new Option<FileInfo>("--rubric") { Description = "Markdown file with the criteria", Required = true };
        var mode = new Option<string>("--mode") { Description = "pairwise (A, B or tie), score (1-5 per output) or pass-fail (against the expected output)", DefaultValueFactory = _ => "pairwise" };
        mode.AcceptOnlyFromAmong([.. Modes.Keys]);
        var endpoint = new Option<string>("--endpoint") { Description = "Name of a configured OpenAI-compatible endpoint", Required = true };
        var model = new Option<string>("--model") { Description = "Model the endpoint should answer with", Required = true };
        var temperature = new Option<float?>("--temperature") { Description = "Sampling temperature (default 0)" };
        var command = new Command("create", "Create a judge (its first version)") { project, name, rubric, mode, endpoint, model, temperature };
        command.SetAction(async (parse, ct) =>
        {
            var file = parse.GetValue(rubric)!;
            if (!file.Exists)
            {
                throw new CliException($"--rubric: the file {file.FullName} does not exist");
            }

            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var created = await services.GetRequiredService<JudgeService>().CreateAsync(found.Id, new JudgeRequest
            {
                Name = parse.GetValue(name)!,
                Rubric = await File.ReadAllTextAsync(file.FullName, ct),
                Mode = Modes[parse.GetValue(mode)!],
                Endpoint = parse.GetValue(endpoint)!,
                Model = parse.GetValue(model)!,
                Temperature = parse.GetValue(temperature) ?? 0,
            }, Actor.Cli, ct);
            var console = CliConsole.Get();
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(created);
            }
            else
            {
                await console.Out.WriteLineAsync($"created judge {created.Judge.Id} '{created.Judge.Name}' in {found.Name}: {created.Judge.Current.Mode}, {created.Judge.Current.Model} at {created.Judge.Current.Endpoint}");
            }

            return StudioCli.Success;
        });
        return command;
    }

    private static Command List()
    {
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var command = new Command("list", "The project's judges, each with whether it can be trusted") { project };
        command.SetAction(async (parse, ct) =>
        {
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var judges = await services.GetRequiredService<JudgeCalibrationService>().TrustAsync(found.Id, ct);
            var console = CliConsole.Get();
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(judges.Select(j => new { j.Judge, j.Trust }).ToList());
                return StudioCli.Success;
            }

            await console.WriteTableAsync(["ID", "NAME", "VERSION", "MODE", "MODEL", "TRUST"], judges.Select(j => (IReadOnlyList<string>)
            [
                j.Judge.Id.ToString(CultureInfo.InvariantCulture), j.Judge.Name, j.Judge.Current.Number.ToString(CultureInfo.InvariantCulture),
                j.Judge.Current.Mode.ToString(), j.Judge.Current.Model, (j.Trust.Trusted ? "trusted: " : "not trusted: ") + j.Trust.Reason,
            ]));
            return StudioCli.Success;
        });
        return command;
    }

    private static Option<string?> JudgeProject() => new("--project") { Description = "Project id or name (needed when two projects have a judge of that name)" };

    private static async Task<JudgeSummary> FindJudgeAsync(ServiceProvider services, string? projectText, string judgeName, CancellationToken ct)
    {
        int? projectId = projectText is null ? null : (await ProjectsCommand.RequireAsync(services, projectText, ct)).Id;
        return await services.GetRequiredService<JudgeService>().FindAsync(projectId, judgeName, ct);
    }

    /// <summary>Runs in this process to the end, progress on stderr; exit 1 unless the run completed.</summary>
    private static Command Run()
    {
        var judgeName = new Option<string>("--judge") { Description = "Name of the judge", Required = true };
        var project = JudgeProject();
        var comparison = new Option<int?>("--comparison") { Description = "Blind review (comparison) id: every pair judged in both orders" };
        var run = new Option<int?>("--run") { Description = "Eval run id: every output scored on its own (score and pass-fail judges)" };
        var command = new Command("run", "Run a judge over a blind review's pairs or one run's outputs") { judgeName, project, comparison, run };
        command.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(comparison) is null == parse.GetValue(run) is null)
            {
                throw new CliException("give one of --comparison ID or --run ID", isUsage: true);
            }

            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var judge = await FindJudgeAsync(services, parse.GetValue(project), parse.GetValue(judgeName)!, ct);
            var runs = services.GetRequiredService<JudgeRuns>();
            var created = await runs.CreateAsync(new JudgeRunRequest(judge.Id, parse.GetValue(comparison), parse.GetValue(run)), Actor.Cli, ct);
            var progress = StderrProgress.Tenths<JudgeRunProgress>(console.Error,
                p => (p.Status == EvalRunStatus.Running ? "items" : null, p.Done, p.Total),
                (p, _) => $"{p.Done}/{p.Total} items judged, {p.Failed} failed");
            try
            {
                await services.GetRequiredService<JudgeRunExecutor>().ExecuteAsync(created.Id, Actor.Cli, progress, ct, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The run is marked Cancelled; report what was done.
            }

            var results = await runs.ResultsAsync(created.Id, CancellationToken.None);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(results);
            }
            else
            {
                await WriteResultsAsync(console, results);
            }

            return results.Run.Status == EvalRunStatus.Completed ? StudioCli.Success : StudioCli.Failed;
        });
        return command;
    }

    private static async Task WriteResultsAsync(CliConsole console, JudgeRunResults results)
    {
        var run = results.Run;
        await console.Out.WriteLineAsync($"judge run {run.Id}: '{run.JudgeName}' v{run.JudgeVersion} over {run.Target}: {run.Status}, {run.Done} of {run.Items} items, {run.Failed} failed{(run.Error is { } e ? $" ({e})" : "")}");
        if (run.Mode == JudgeMode.Pairwise)
        {
            await console.Out.WriteLineAsync($"baseline wins {results.WinsA}, candidate wins {results.WinsB}, ties {results.Ties} ({results.PositionDependent} of them position-dependent: the verdict flipped with the order)");
        }

        if (results.CandidateWinRate is { Trials: > 0 } rate)
        {
            await console.Out.WriteLineAsync(Invariant($"candidate win rate {Percent(rate.Rate)} (95% Wilson interval {Percent(rate.Low)}-{Percent(rate.High)})"));
        }

        if (run.ComparisonId is null && results.MeanScoreA is { } alone)
        {
            // One run read alone: pass-fail scores are 1 or 0, so their mean is the pass rate.
            await console.Out.WriteLineAsync(run.Mode == JudgeMode.PassFail ? $"pass rate {Percent(alone)}" : Invariant($"mean score {alone:0.00} of 5"));
        }
        else if (results.MeanScoreA is not null || results.MeanScoreB is not null)
        {
            await console.Out.WriteLineAsync(Invariant($"mean score: baseline {results.MeanScoreA:0.00}, candidate {results.MeanScoreB:0.00}"));
        }

        await console.Out.WriteLineAsync(Invariant($"tokens: {run.Usage.PromptTokens} prompt, {run.Usage.CompletionTokens} completion{(run.Usage.CostUsd is { } cost ? $", ${cost:0.0000}" : "")}"));
    }

    /// <summary>Exit 1 when the judge is not trusted, so a pipeline can refuse its verdicts.</summary>
    private static Command Calibration()
    {
        var judgeName = new Option<string>("--judge") { Description = "Name of the judge", Required = true };
        var project = JudgeProject();
        var version = new Option<int?>("--version") { Description = "Version of the judge (default: the current one)" };
        var command = new Command("calibration", "How far a judge agrees with the blind human reviews (Cohen's kappa with a bootstrap interval), its position bias, and whether it is trusted; exit 1 when not")
        {
            judgeName, project, version,
        };
        command.SetAction(async (parse, ct) =>
        {
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var judge = await FindJudgeAsync(services, parse.GetValue(project), parse.GetValue(judgeName)!, ct);
            var report = await services.GetRequiredService<JudgeCalibrationService>().CalibrateAsync(judge.Id, parse.GetValue(version), ct);
            var console = CliConsole.Get();
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(report);
            }
            else
            {
                await WriteCalibrationAsync(console, report);
            }

            if (!report.Trust.Trusted)
            {
                await console.Error.WriteLineAsync($"judge '{report.Judge.Name}' v{report.Version} is not trusted: {report.Trust.Reason}");
            }

            return report.Trust.Trusted ? StudioCli.Success : StudioCli.Failed;
        });
        return command;
    }

    private static async Task WriteCalibrationAsync(CliConsole console, JudgeCalibrationReport report)
    {
        var figures = report.Figures;
        await console.Out.WriteLineAsync($"judge '{report.Judge.Name}' v{report.Version} ({report.Mode}): {(report.Trust.Trusted ? "TRUSTED" : "NOT TRUSTED")}: {report.Trust.Reason}");
        var kappa = figures.Kappa is { } k ? Invariant($"{k:0.00}") : "undefined";
        var interval = figures.KappaInterval is { } i ? Invariant($" (95% bootstrap interval {i.Low:0.00} to {i.High:0.00}, {i.Defined} of {i.Iterations} resamples)") : "";
        await console.Out.WriteLineAsync($"Cohen's kappa against the people: {kappa}{interval}");
        await console.Out.WriteLineAsync($"raw agreement: {(figures.Agreement is { } a ? Percent(a) : "-")} ({figures.Agreements} of {figures.Pairs} pairs)");
        if (report.PositionBias is { } bias)
        {
            await console.Out.WriteLineAsync($"position bias: the verdict flips with the order on {Percent(bias.Rate)} of pairs ({bias.Successes} of {bias.Trials})");
        }

        if (figures.Pairs > 0)
        {
            var categories = figures.Confusion.Categories;
            await console.WriteTableAsync(["PEOPLE \\ JUDGE", .. categories.Select(Side)],
                categories.Select((c, row) => (IReadOnlyList<string>)[Side(c), .. figures.Confusion.Counts[row].Select(n => n.ToString(CultureInfo.InvariantCulture))]));
        }

        foreach (var d in report.Disagreements.Take(20))
        {
            await console.Out.WriteLineAsync($"disagreement {d.ExternalId} (review {d.ComparisonId}, item {d.ItemId}): people {Side(d.Human.ToString())} ({d.HumanVotes} vote(s)), judge {Side(d.Judge.ToString())}{(d.PositionDependent ? " (position-dependent)" : "")}");
        }

        if (report.Disagreements.Count > 20)
        {
            await console.Out.WriteLineAsync($"... and {report.Disagreements.Count - 20} more disagreements (--json lists them all)");
        }
    }

    /// <summary><c>fts comparisons</c>: blind A/B reviews of two runs, which people judge in the browser and judges are calibrated against.</summary>
    private static Command ComparisonsCommand()
    {
        var comparisons = new Command("comparisons", "Blind A/B reviews of two runs on one eval set: list, start, close, reopen");

        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var list = new Command("list", "The project's blind reviews with their judgements") { project };
        list.SetAction(async (parse, ct) =>
        {
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var rows = await services.GetRequiredService<ComparisonService>().ListAsync(found.Id, ct);
            var console = CliConsole.Get();
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(rows);
                return StudioCli.Success;
            }

            await console.WriteTableAsync(["ID", "NAME", "BASELINE", "CANDIDATE", "ITEMS", "JUDGEMENTS", "STATE"], rows.Select(r => (IReadOnlyList<string>)
            [
                r.Id.ToString(CultureInfo.InvariantCulture), r.Name, r.RunAName, r.RunBName, r.Items.ToString(CultureInfo.InvariantCulture),
                r.Judgements.ToString(CultureInfo.InvariantCulture), r.IsClosed ? "closed" : "open",
            ]));
            return StudioCli.Success;
        });

        var baseline = new Option<int>("--baseline") { Description = "Baseline run id (shown as A or B at random per pair)", Required = true };
        var candidate = new Option<int>("--candidate") { Description = "Candidate run id, on the same eval set", Required = true };
        var name = new Option<string?>("--name") { Description = "Name of the review (default: the two runs' names)" };
        var create = new Command("create", "Start a blind review of a candidate run against a baseline") { baseline, candidate, name };
        create.SetAction(async (parse, ct) =>
        {
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var created = await services.GetRequiredService<ComparisonService>().CreateAsync(parse.GetValue(baseline), parse.GetValue(candidate), parse.GetValue(name), Actor.Cli, ct);
            await WriteComparisonAsync(parse, created, "started");
            return StudioCli.Success;
        });

        comparisons.Subcommands.Add(list);
        comparisons.Subcommands.Add(create);
        comparisons.Subcommands.Add(SetClosed("close", "Close a blind review: no more judgements; the labelers who reviewed then see its results", close: true));
        comparisons.Subcommands.Add(SetClosed("reopen", "Open a closed blind review again for more judgements", close: false));
        return comparisons;
    }

    private static Command SetClosed(string verb, string description, bool close)
    {
        var id = new Argument<int>("ID") { Description = "Comparison id" };
        var command = new Command(verb, description) { id };
        command.SetAction(async (parse, ct) =>
        {
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var reviews = services.GetRequiredService<ComparisonService>();
            var changed = close ? await reviews.CloseAsync(parse.GetValue(id), Actor.Cli, ct) : await reviews.ReopenAsync(parse.GetValue(id), Actor.Cli, ct);
            await WriteComparisonAsync(parse, changed, close ? "closed" : "reopened");
            return StudioCli.Success;
        });
        return command;
    }

    private static async Task WriteComparisonAsync(ParseResult parse, ComparisonSummary comparison, string verb)
    {
        var console = CliConsole.Get();
        if (parse.GetValue(GlobalOptions.Json))
        {
            await console.WriteJsonAsync(comparison);
            return;
        }

        await console.Out.WriteLineAsync($"{verb} blind review {comparison.Id} '{comparison.Name}': {comparison.RunBName} (candidate) against {comparison.RunAName} (baseline), {comparison.Items} items, {comparison.Judgements} judgements");
    }

    /// <summary>Choices are by run: A is the review's baseline, B its candidate.</summary>
    private static string Side(string choice) => choice switch
    {
        "A" => "baseline",
        "B" => "candidate",
        "BothBad" => "both bad",
        _ => choice.ToLowerInvariant(),
    };

    private static string Percent(double rate) => (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
