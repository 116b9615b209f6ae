using System.CommandLine;
using System.Globalization;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Feedback;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

public static class FeedbackCommands
{
    /// <summary>The top-level commands of this feature: logs, drift, retraining.</summary>
    public static IEnumerable<Command> Build()
    {
        yield return Logs();
        yield return Drift();
        yield return Retraining();
    }

    private static Option<string> ProjectOption() => new("--project") { Description = "Project id or name", Required = true };

    private static Command Logs()
    {
        var logs = new Command("logs", "Production traffic logs of a project");
        var project = ProjectOption();
        var file = new Argument<FileInfo>("FILE") { Description = "JSONL traffic log: timestamp, messages or prompt, response, optional model, latency_ms, rating" };
        var import = new Command("import", "Import a traffic log; all or nothing, errors by line") { file, project };
        import.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new CliException($"FILE: {path.FullName} does not exist");
            }

            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            await using var stream = path.OpenRead();
            var result = (await services.GetRequiredService<FeedbackService>().ImportLogsAsync(found.Id, stream, Actor.Cli, ct)).EnsureSucceeded();
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(result);
            }
            else
            {
                await console.Out.WriteLineAsync($"Imported {result.Imported} logged requests into '{found.Name}' ({result.SkippedDuplicates} already present, {result.WithPersonalData} flagged for likely personal data).");
            }

            return StudioCli.Success;
        });
        logs.Subcommands.Add(import);
        return logs;
    }

    private static Command Drift()
    {
        var project = ProjectOption();
        var version = new Option<int?>("--version") { Description = "Dataset version number (default: the latest)" };
        var dataset = new Option<int?>("--dataset") { Description = "Dataset id (default: the project's first dataset)" };
        var drift = new Command("drift", "Drift of the logged requests against a dataset version's training examples; an alert is printed, not an error") { project, version, dataset };
        drift.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var result = await services.GetRequiredService<FeedbackService>().DriftAsync(found.Id, parse.GetValue(dataset), parse.GetValue(version), null, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(result);
                return StudioCli.Success;
            }

            var r = result.Report;
            await console.Out.WriteLineAsync(result.Basis);
            await console.Out.WriteLineAsync($"{r.LogCount} logged requests against {r.TrainingCount} training inputs; threshold {F(r.Threshold)}.");
            await console.Out.WriteLineAsync(
                $"Input tokens: mean {F(r.Tokens.Training.Mean)} -> {F(r.Tokens.Logs.Mean)}, median {F(r.Tokens.Training.Median)} -> {F(r.Tokens.Logs.Median)}, p95 {F(r.Tokens.Training.P95)} -> {F(r.Tokens.Logs.P95)}.");
            await console.WriteTableAsync(["FIGURE", "VALUE", "ALERT"],
                r.Figures.Select(f => (IReadOnlyList<string>)[f.Name, F(f.Value), f.Alert ? "yes" : ""]));
            if (r.Weeks.Count > 0)
            {
                await console.Out.WriteLineAsync();
                await console.WriteTableAsync(["WEEK", "LOGS", "KS", "UNSEEN", "JS", "NO NEIGHBOUR", "ALERT"],
                    r.Weeks.Select(w => (IReadOnlyList<string>)[w.WeekStart.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), w.Logs.ToString(CultureInfo.InvariantCulture),
                        F(w.TokenKs), F(w.UnseenTermShare), F(w.TermDivergence), F(w.NoNeighbourShare), w.Alert ? "yes" : ""]));
            }

            await console.Out.WriteLineAsync();
            await console.Out.WriteLineAsync(r.Alert ? $"ALERT: {r.AlertReason}" : "No drift above the threshold.");
            return StudioCli.Success;
        });
        return drift;
    }

    private static Command Retraining()
    {
        var project = ProjectOption();
        var retraining = new Command("retraining", "When the next retraining is due, why, and the checklist") { project };
        retraining.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var status = await services.GetRequiredService<FeedbackService>().RetrainingDueAsync(found.Id, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(status);
                return StudioCli.Success;
            }

            var due = status.Due;
            await console.Out.WriteLineAsync(due.DueDate is { } d
                ? $"Retraining {(due.IsDue ? "is due" : "due")}: {d:yyyy-MM-dd}"
                : "Retraining: no date yet");
            await console.Out.WriteLineAsync(due.Reason);
            foreach (var item in due.Checklist)
            {
                await console.Out.WriteLineAsync($"[{(item.Done ? "x" : " ")}] {item.Text}");
            }

            return StudioCli.Success;
        });
        return retraining;
    }

    private static string F(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
