using System.CommandLine;
using System.Globalization;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Feedback;
using FineTuneStudio.Core.Projects;
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

    private static Option<string> DatasetOption(string purpose) => new("--dataset") { Description = $"Dataset id or name {purpose} (default: the dataset last exported, else the project's first)" };

    /// <summary>Resolves --dataset (id or name) within the project; null when the option was left out.</summary>
    private static async Task<int?> DatasetIdAsync(IServiceProvider services, ProjectSummary project, string? text, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var found = await services.GetRequiredService<DatasetService>().FindAsync(project.Id, text, ct)
            ?? throw new StudioValidationException("--dataset", $"no dataset with id or name '{text}' in project '{project.Name}'");
        return found.Id;
    }

    private static DateTime? Utc(DateTime? value) =>
        value is { } v ? v.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(v, DateTimeKind.Utc) : v.ToUniversalTime() : null;

    private static Command Logs()
    {
        var logs = new Command("logs", "Production traffic logs of a project");
        var project = ProjectOption();
        var file = new Argument<FileInfo>("FILE") { Description = "JSONL traffic log: timestamp, messages or prompt, response, optional model, latency_ms, rating" };
        var invalid = ImportCommands.InvalidOption("Lines with problems");
        var rejects = ImportCommands.RejectsOption("lines");
        var import = new Command("import", "Import a traffic log; all or nothing, errors by line (or leaving out lines with problems, with --invalid skip)") { file, project, invalid, rejects };
        import.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new CliException($"FILE: {path.FullName} does not exist");
            }

            var rejectsFile = ImportCommands.RejectsFile(parse, rejects, parse.GetValue(invalid) == "skip");
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            await using var stream = path.OpenRead();
            var result = await services.GetRequiredService<TrafficLogs>().ImportLogsAsync(found.Id, stream, Actor.Cli, ct, skipInvalid: parse.GetValue(invalid) == "skip");
            await ImportCommands.EnsureImportedAsync(console.Error, result);
            if (rejectsFile is not null)
            {
                await ImportCommands.WriteRejectsAsync(stream, Core.Imports.ImportFormat.Auto, result.LeftOutLines, rejectsFile, console.Error, ct);
            }

            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(result);
            }
            else
            {
                var leftOut = result.InvalidRecords > 0 ? $", {ListText.Counted(result.InvalidRecords, "line", "D")} with problems left out" : "";
                await console.Out.WriteLineAsync($"Imported {result.Imported} logged requests into '{found.Name}' ({result.SkippedDuplicates} already present, {result.WithPersonalData} flagged for likely personal data{leftOut}).");
            }

            return StudioCli.Success;
        });
        logs.Subcommands.Add(import);
        logs.Subcommands.Add(Promote());
        return logs;
    }

    private static Command Promote()
    {
        var project = ProjectOption();
        var dataset = DatasetOption("that receives the drafts");
        var minRating = new Option<int?>("--min-rating") { Description = "Only logs rated at least this" };
        var maxRating = new Option<int?>("--max-rating") { Description = "Only logs rated at most this" };
        var from = new Option<DateTime?>("--from") { Description = "Only logs from this UTC time on, e.g. 2026-03-01" };
        var to = new Option<DateTime?>("--to") { Description = "Only logs before this UTC time" };
        var cluster = new Option<int?>("--cluster") { Description = "Only the logs of this new-topic cluster of the drift report (against --drift-version)" };
        var noNeighbour = new Option<bool>("--no-neighbour") { Description = "Only logs with no near neighbour in training (against --drift-version)" };
        var driftVersion = new Option<int?>("--drift-version") { Description = "Version of --dataset the drift filters compare with (default: its latest)" };
        var ids = new Option<string?>("--ids") { Description = "Only these log ids, comma separated" };
        var promote = new Command("promote", "Promote logged requests to Draft examples (source production log); logs promoted before are left alone")
        {
            project, dataset, minRating, maxRating, from, to, cluster, noNeighbour, driftVersion, ids,
        };
        promote.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var datasetId = await DatasetIdAsync(services, found, parse.GetValue(dataset), ct);
            var filter = new LogFilter
            {
                MinRating = parse.GetValue(minRating),
                MaxRating = parse.GetValue(maxRating),
                From = Utc(parse.GetValue(from)),
                To = Utc(parse.GetValue(to)),
                Cluster = parse.GetValue(cluster),
                // A cluster's requests all lack a near neighbour, so naming the version this way narrows nothing more.
                NoNeighbourInVersion = parse.GetValue(noNeighbour) || (parse.GetValue(cluster) is not null && parse.GetValue(driftVersion) is not null)
                    ? parse.GetValue(driftVersion) ?? 0
                    : null,
                DriftDatasetId = datasetId,
                Ids = LogFilter.ParseIds(parse.GetValue(ids)),
            };

            var result = await services.GetRequiredService<LogPromotion>().PromoteAsync(found.Id, new PromoteRequest { DatasetId = datasetId, Filter = filter }, Actor.Cli, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(result);
            }
            else
            {
                await console.Out.WriteLineAsync($"Promoted {result.Promoted} logged requests to Draft examples in dataset {result.DatasetId} ({result.AlreadyPromoted} were promoted before).");
            }

            return StudioCli.Success;
        });
        return promote;
    }

    private static Command Drift()
    {
        var project = ProjectOption();
        var version = new Option<int?>("--version") { Description = "Dataset version number (default: the latest version of the dataset)" };
        var dataset = DatasetOption("to compare with");
        var since = new Option<DateTime?>("--since") { Description = "Only logs from this UTC time on, e.g. 2026-03-01 (default: every logged request)" };
        var drift = new Command("drift", "Drift of the logged requests against a dataset version's training examples; an alert is printed, not an error") { project, version, dataset, since };
        drift.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var datasetId = await DatasetIdAsync(services, found, parse.GetValue(dataset), ct);
            var result = await services.GetRequiredService<DriftReports>().DriftAsync(found.Id, datasetId, parse.GetValue(version), Utc(parse.GetValue(since)), ct);
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
            var status = await services.GetRequiredService<RetrainingSchedule>().RetrainingDueAsync(found.Id, ct);
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
