using System.CommandLine;
using System.Globalization;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Cli.Commands;

public static class VersionCommands
{
    /// <summary>The top-level commands of this feature.</summary>
    public static IEnumerable<Command> Build()
    {
        yield return BuildValidate();
        yield return BuildExport();
        yield return BuildVersions();
    }

    /// <summary><c>fts versions list|download|diff</c>: a dataset's sealed versions, by their number within the dataset.</summary>
    private static Command BuildVersions()
    {
        var versions = new Command("versions", "Sealed versions of a dataset: list, download, diff, lineage");
        versions.Subcommands.Add(BuildVersionList());
        versions.Subcommands.Add(BuildVersionDownload());
        versions.Subcommands.Add(BuildVersionDiff());
        versions.Subcommands.Add(BuildVersionLineage());
        return versions;
    }

    private static Command BuildVersionLineage()
    {
        var (project, dataset) = DatasetOptions();
        var version = new Option<int>("--version") { Description = "Version number within the dataset", Required = true };
        var command = new Command("lineage", "What was trained on a version: its training logs and the eval runs of those models") { project, dataset, version };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var (found, versions) = await VersionsOfAsync(services, parse, project, dataset, ct);
            var chosen = Numbered(found, versions, parse.GetValue(version), "--version");
            var lineage = await services.GetRequiredService<Core.Evaluation.VersionLineage>().ForVersionAsync(chosen.Id, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(lineage);
                return StudioCli.Success;
            }

            await console.Out.WriteLineAsync(lineage.Summary);
            foreach (var t in lineage.Trainings)
            {
                await console.Out.WriteLineAsync($"  training log {t.Id} \"{t.Name}\" ({t.Format}): {t.Status}");
            }

            foreach (var r in lineage.Runs)
            {
                await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"  eval run {r.Id} \"{r.Name}\" on {r.EvalSetName}: {r.Metric} {r.Value:0.000}{(r.BaselineValue is { } b ? $" (baseline {r.BaselineName}: {b:0.000})" : "")}"));
            }

            return StudioCli.Success;
        });
        return command;
    }

    private static (Option<string> Project, Option<string> Dataset) DatasetOptions() =>
        (new Option<string>("--project") { Description = "Project id or name", Required = true },
         new Option<string>("--dataset") { Description = "Dataset id or name", Required = true });

    private static async Task<(DatasetSummary Dataset, IReadOnlyList<VersionSummary> Versions)> VersionsOfAsync(
        ServiceProvider services, ParseResult parse, Option<string> project, Option<string> dataset, CancellationToken ct)
    {
        var found = await DatasetsCommand.RequireAsync(services, await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct), parse.GetValue(dataset)!, ct);
        return (found, await services.GetRequiredService<VersionCatalog>().ListAsync(found.Id, ct));
    }

    internal static VersionSummary Numbered(DatasetSummary dataset, IReadOnlyList<VersionSummary> versions, int number, string option) =>
        versions.FirstOrDefault(v => v.Number == number)
        ?? throw new CliException($"{option}: {dataset.Name} has no version {number} (it has {(versions.Count == 0 ? "none" : string.Join(", ", versions.Select(v => v.Number).Order()))})");

    private static Command BuildVersionList()
    {
        var (project, dataset) = DatasetOptions();
        var command = new Command("list", "List a dataset's versions: target, split counts, author, date") { project, dataset };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var (_, versions) = await VersionsOfAsync(services, parse, project, dataset, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(versions);
            }
            else
            {
                await console.WriteTableAsync(["VERSION", "TARGET", "TRAIN", "VALIDATION", "TEST", "AUTHOR", "CREATED", "NOTE"],
                    versions.OrderBy(v => v.Number).Select(v => (IReadOnlyList<string>)[
                        v.Number.ToString(CultureInfo.InvariantCulture), v.Target, v.TrainCount.ToString(CultureInfo.InvariantCulture),
                        v.ValidationCount.ToString(CultureInfo.InvariantCulture), v.TestCount.ToString(CultureInfo.InvariantCulture),
                        v.AuthorName, v.CreatedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), v.Note ?? ""]));
            }

            return StudioCli.Success;
        });
        return command;
    }

    private static Command BuildVersionDownload()
    {
        var (project, dataset) = DatasetOptions();
        var version = new Option<int>("--version") { Description = "Version number within the dataset", Required = true };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to copy the version's files into", Required = true };
        var storageOption = StorageOption();
        var command = new Command("download", "Copy a version's files (data, manifest, card) to a folder, each checked against its SHA-256 in the manifest")
        {
            project, dataset, version, output, storageOption,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var (found, versions) = await VersionsOfAsync(services, parse, project, dataset, ct);
            var chosen = Numbered(found, versions, parse.GetValue(version), "--version");
            var storage = StorageFor(parse, services, storageOption);
            var files = new VersionFiles(services.GetRequiredService<IDbContextFactory<StudioDbContext>>(), storage);
            var outDir = parse.GetValue(output)!;
            outDir.Create();
            await CopyFilesAsync(files, chosen, outDir, ct);

            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(new { chosen.Number, chosen.Id, Folder = outDir.FullName, chosen.Files });
            }
            else
            {
                await console.WriteTableAsync(["FILE", "SHA256", "BYTES"],
                    chosen.Files.Select(f => (IReadOnlyList<string>)[f.Name, f.Sha256, f.Bytes.ToString(CultureInfo.InvariantCulture)]));
                await console.Out.WriteLineAsync($"version {chosen.Number} of {found.Name} copied to {outDir.FullName}");
            }

            return StudioCli.Success;
        });
        return command;
    }

    private static Command BuildVersionDiff()
    {
        var (project, dataset) = DatasetOptions();
        var older = new Argument<int>("OLDER") { Description = "Version number to compare from" };
        var newer = new Argument<int>("NEWER") { Description = "Version number to compare with" };
        var storageOption = StorageOption();
        var command = new Command("diff", "What changed between two versions: examples added, removed, changed, moved between splits; tokens and cost")
        {
            project, dataset, older, newer, storageOption,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var (found, versions) = await VersionsOfAsync(services, parse, project, dataset, ct);
            var a = Numbered(found, versions, parse.GetValue(older), "OLDER");
            var b = Numbered(found, versions, parse.GetValue(newer), "NEWER");
            var storage = StorageFor(parse, services, storageOption);
            var result = await new VersionDiffs(services.GetRequiredService<IDbContextFactory<StudioDbContext>>(), storage).DiffAsync(a.Id, b.Id, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(result);
                return StudioCli.Success;
            }

            var d = result.Diff;
            var o = console.Out;
            await o.WriteLineAsync($"{found.Name}: version {a.Number} -> {b.Number}{(d.IsEmpty ? ": the same examples in the same splits" : "")}");
            await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"added:     {d.Added.Count}{Ids(d.Added)}"));
            await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"removed:   {d.Removed.Count}{Ids(d.Removed)}"));
            await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"changed:   {d.Changed.Count}{Ids(d.Changed)}"));
            await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"moved:     {d.Moved.Count}{(d.Moved.Count == 0 ? "" : " (" + string.Join(", ", d.Moved.Take(10).Select(m => $"{m.ExampleId} {m.From.ToString().ToLowerInvariant()}->{m.To.ToString().ToLowerInvariant()}")) + (d.Moved.Count > 10 ? ", ..." : "") + ")")}"));
            await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"unchanged: {d.Unchanged}"));
            await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"tokens:    {d.TokenDelta:+#,0;-#,0;0} ({d.TrainTokenDelta:+#,0;-#,0;0} in train){(d.CostDelta is { } cost ? $", training cost {cost:+0.00;-0.00;0} USD" : "")}"));
            return StudioCli.Success;
        });
        return command;
    }

    private static string Ids(IReadOnlyList<int> ids) =>
        ids.Count == 0 ? "" : " (examples " + string.Join(", ", ids.Take(10)) + (ids.Count > 10 ? ", ..." : "") + ")";

    private static Command BuildValidate()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The JSONL file to check" };
        var target = TargetOption();
        var encoding = new Option<string?>("--encoding") { Description = "Token encoding: o200k_base or cl100k_base (default: the target's)" };
        encoding.AcceptOnlyFromAmong(TokenCounter.O200kBase, TokenCounter.Cl100kBase);
        var maxTokens = new Option<int?>("--max-tokens") { Description = "Token limit per example (default: the target's)" };
        var command = new Command("validate", "Check a JSONL training file against a target's rules and estimate its training cost")
        {
            file, target, encoding, maxTokens,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new CliException($"the file {path.FullName} does not exist");
            }

            ValidationReport report;
            await using (var stream = new FileStream(path.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 256 * 1024, useAsync: true))
            {
                report = await JsonlFileValidation.ValidateAsync(stream, await TargetAsync(parse, parse.GetValue(target)!, ct), parse.GetValue(encoding), parse.GetValue(maxTokens), ct);
            }

            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(report);
            }
            else
            {
                await WriteReportAsync(console, report);
            }

            return report.IsValid ? StudioCli.Success : StudioCli.Failed;
        });
        return command;
    }

    private static async Task WriteReportAsync(CliConsole console, ValidationReport r)
    {
        var inv = CultureInfo.InvariantCulture;
        var t = r.Tokens;
        await console.Out.WriteLineAsync($"target:    {r.Target}");
        await console.Out.WriteLineAsync($"lines:     {r.LineCount.ToString(inv)}");
        await console.Out.WriteLineAsync($"examples:  {r.ExampleCount.ToString(inv)}");
        await console.Out.WriteLineAsync($"errors:    {r.ErrorCount.ToString(inv)}");
        await console.Out.WriteLineAsync($"warnings:  {r.WarningCount.ToString(inv)}");
        await console.Out.WriteLineAsync(string.Create(inv, $"tokens:    min {t.Min}, p5 {t.P5}, median {t.Median}, p95 {t.P95}, max {t.Max}, total {t.Total}"));
        await console.Out.WriteLineAsync($"over limit: {r.OverTokenLimitCount.ToString(inv)}");
        await console.Out.WriteLineAsync($"epochs:    {r.Epochs.ToString(inv)}");
        await console.Out.WriteLineAsync($"billed tokens:  {r.BilledTokens.ToString(inv)}");
        await console.Out.WriteLineAsync($"charged tokens: {r.ChargedTokens.ToString(inv)}");
        if (r.EstimatedCost is { } cost)
        {
            await console.Out.WriteLineAsync($"estimated cost: {cost.ToString("0.00", inv)} USD at {r.Cost.PricePerMillionTokens?.ToString("0.00", inv)} per million tokens (the targets table's price: 'fts targets update' sets yours)");
        }

        foreach (var warning in r.Warnings)
        {
            await console.Error.WriteLineAsync($"warning: {warning}");
        }

        if (r.WarningCount > r.Warnings.Count)
        {
            await console.Error.WriteLineAsync($"warning: … and {(r.WarningCount - r.Warnings.Count).ToString(inv)} more warnings ({r.WarningCount.ToString(inv)} in all)");
        }

        foreach (var error in r.Errors)
        {
            await console.Error.WriteLineAsync($"error: {error}");
        }

        if (r.ErrorCount > r.Errors.Count)
        {
            await console.Error.WriteLineAsync($"error: … and {(r.ErrorCount - r.Errors.Count).ToString(inv)} more errors ({r.ErrorCount.ToString(inv)} in all)");
        }
    }

    private static Command BuildExport()
    {
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Dataset id or name", Required = true };
        var target = TargetOption();
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to copy the version's files to", Required = true };
        var validation = new Option<double>("--validation") { Description = "Validation share", DefaultValueFactory = _ => 0.1 };
        var test = new Option<double>("--test") { Description = "Test share", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Split seed", DefaultValueFactory = _ => 42 };
        var status = new Option<string>("--status") { Description = "approved, or all (every example but rejected ones)", DefaultValueFactory = _ => "approved" };
        status.AcceptOnlyFromAmong("approved", "all");
        var tags = new Option<string[]>("--tag") { Description = "Only examples with one of these tags", AllowMultipleArgumentsPerToken = false };
        var note = new Option<string?>("--note") { Description = "A note stored with the version" };
        var dropUnsupported = new Option<bool>("--drop-unsupported")
        {
            Description = "Leave out what the target cannot carry (tool definitions, per-turn weights, preference pairs) instead of refusing; the manifest and card say how many examples lost what",
        };
        var storageOption = StorageOption();
        var command = new Command("export", "Cut a validated, versioned training export of a dataset and copy its files to a folder")
        {
            project, dataset, target, output, validation, test, seed, status, tags, note, dropUnsupported, storageOption,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var foundProject = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var datasetText = parse.GetValue(dataset)!;
            var all = await services.GetRequiredService<DatasetService>().ListAsync(foundProject.Id, ct);
            var found = all.FirstOrDefault(d => d.Name == datasetText) ?? all.FirstOrDefault(d => d.Id.ToString(CultureInfo.InvariantCulture) == datasetText)
                ?? throw new StudioValidationException("--dataset", $"no dataset with id or name '{datasetText}' in project '{foundProject.Name}'");

            var storage = StorageFor(parse, services, storageOption);
            var factory = services.GetRequiredService<IDbContextFactory<StudioDbContext>>();
            var cutter = new VersionCutter(factory, TimeProvider.System, storage, services.GetRequiredService<JobLeaseService>());
            var files = new VersionFiles(factory, storage);
            var request = new CutRequest(
                found.Id, parse.GetValue(target)!,
                parse.GetValue(status) == "all" ? CutStatusFilter.All : CutStatusFilter.Approved,
                parse.GetValue(tags), parse.GetValue(validation), parse.GetValue(test), parse.GetValue(seed), parse.GetValue(note),
                parse.GetValue(dropUnsupported));
            var version = await cutter.CutAsync(request, Actor.Cli, progress: null, ct);

            var outDir = parse.GetValue(output)!;
            outDir.Create();
            await CopyFilesAsync(files, version, outDir, ct);

            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(version);
            }
            else
            {
                await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"version {version.Number} of {found.Name}: {version.TrainCount} train, {version.ValidationCount} validation, {version.TestCount} test"));
                await console.WriteTableAsync(["FILE", "SHA256", "BYTES"],
                    version.Files.Select(f => (IReadOnlyList<string>)[f.Name, f.Sha256, f.Bytes.ToString(CultureInfo.InvariantCulture)]));
                await console.Out.WriteLineAsync($"copied to {outDir.FullName}");
            }

            return StudioCli.Success;
        });
        return command;
    }

    /// <summary>Copies every file of a version into a folder; each is checked against the manifest's SHA-256 as it is opened.</summary>
    private static async Task CopyFilesAsync(VersionFiles files, VersionSummary version, DirectoryInfo outDir, CancellationToken ct)
    {
        foreach (var file in version.Files)
        {
            var opened = await files.OpenFileAsync(version.Id, file.Name, ct);
            await using var source = opened.Stream;
            await using var copy = new FileStream(Path.Combine(outDir.FullName, file.Name), FileMode.Create, FileAccess.Write, FileShare.None, 256 * 1024, useAsync: true);
            await source.CopyToAsync(copy, ct);
        }
    }

    private static Option<DirectoryInfo?> StorageOption() =>
        new("--storage") { Description = "Storage root for version folders (default: storage/ beside the database file)" };

    /// <summary>The version folders' root: --storage, else the configured or default one (see <see cref="DefaultStorage"/>).</summary>
    private static VersionStorage StorageFor(ParseResult parse, IServiceProvider services, Option<DirectoryInfo?> option) =>
        new(Path.GetFullPath(parse.GetValue(option)?.FullName ?? DefaultStorage(parse, services)));

    /// <summary><c>Studio:Storage:Root</c> if set, else storage/ beside the SQLite file (data/storage for the default database, as the web app uses).</summary>
    private static string DefaultStorage(ParseResult parse, IServiceProvider services)
    {
        var configured = services.GetRequiredService<IOptions<StorageOptions>>().Value.Root;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var settings = CliServices.Resolve(parse);
        if (settings.Provider == DatabaseProvider.Sqlite)
        {
            var path = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(settings.ConnectionString).DataSource;
            if (!string.IsNullOrEmpty(path) && path != ":memory:")
            {
                return Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "storage");
            }
        }

        return VersionStorage.DefaultRoot();
    }

    private static Option<string> TargetOption() => new("--target")
    {
        Description = "Training target: " + string.Join(", ", TrainingTargets.All.Select(t => t.Key)) + ", or one an admin added to the targets table",
        Required = true,
    };

    /// <summary>
    /// A file is checked without a database unless one is named: then the targets table decides (an admin's limits,
    /// and the targets they added).
    /// </summary>
    private static async Task<TrainingTargetProfile> TargetAsync(ParseResult parse, string key, CancellationToken ct)
    {
        if (parse.GetValue(GlobalOptions.Db) is null && string.IsNullOrWhiteSpace(parse.GetValue(GlobalOptions.Connection)))
        {
            return TrainingTargets.Get(key);
        }

        await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
        return await services.GetRequiredService<TrainingTargetService>().ProfileAsync(key, ct);
    }
}
