using System.CommandLine;
using System.Globalization;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Core.Versions;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

/// <summary><c>fts training import|list|show</c>: training logs back from a trainer, with the overfitting verdict.</summary>
public static class TrainingCommands
{
    public static Command Build()
    {
        var training = new Command("training", "Training logs: a provider's results CSV, trainer_state.json (Hugging Face, TRL, axolotl, Unsloth) or LLaMA-Factory's trainer_log.jsonl");
        training.Subcommands.Add(BuildImport());
        training.Subcommands.Add(BuildList());
        training.Subcommands.Add(BuildShow());
        return training;
    }

    private static Command BuildImport()
    {
        var file = new Argument<FileInfo[]>("FILE")
        {
            Description = "results.csv, trainer_state.json or trainer_log.jsonl; Bedrock's step_wise_training_metrics.csv and validation_metrics.csv together",
            Arity = new ArgumentArity(1, 2),
        };
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var dataset = new Option<string?>("--dataset") { Description = "Dataset id or name of the version trained on (with --version)" };
        var version = new Option<int?>("--version") { Description = "Number of the version trained on, within --dataset" };
        var name = new Option<string?>("--name") { Description = "Name of the training run (default: the file's name)" };
        var command = new Command("import", "Import a training log and judge its curve") { file, project, dataset, version, name };
        command.SetAction(async (parse, ct) =>
        {
            var paths = parse.GetValue(file)!;
            var logs = new List<(string FileName, string Text)>();
            foreach (var path in paths)
            {
                if (!path.Exists)
                {
                    throw new CliException($"FILE: the file {path.FullName} does not exist");
                }

                await using var stream = path.OpenRead();
                logs.Add((path.Name, await EvalFileParser.ReadTextAsync(stream, ct)));
            }

            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var versionId = await VersionIdAsync(services, found, parse.GetValue(dataset), parse.GetValue(version), ct);

            var curves = services.GetRequiredService<TrainingCurveService>();
            var imported = await curves.ImportAsync(found.Id, parse.GetValue(name) ?? Path.GetFileNameWithoutExtension(paths[0].Name), versionId, logs, Actor.Cli, ct);
            await WriteAsync(parse, await curves.GetAsync(imported.Id, ct));
            return StudioCli.Success;
        });
        return command;
    }

    /// <summary>The version a model was trained on, from --dataset and --version (numbered within the dataset); null without them.</summary>
    public static async Task<int?> VersionIdAsync(ServiceProvider services, ProjectSummary project, string? dataset, int? version, CancellationToken ct)
    {
        if (dataset is null != version is null)
        {
            throw new CliException("--dataset and --version go together: the version is numbered within its dataset", isUsage: true);
        }

        if (dataset is null)
        {
            return null;
        }

        var trainedOn = await DatasetsCommand.RequireAsync(services, project, dataset, ct);
        var versions = await services.GetRequiredService<VersionCatalog>().ListAsync(trainedOn.Id, ct);
        return VersionCommands.Numbered(trainedOn, versions, version!.Value, "--version").Id;
    }

    private static Command BuildList()
    {
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var command = new Command("list", "List a project's imported training logs") { project };
        command.SetAction(async (parse, ct) =>
        {
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var all = await services.GetRequiredService<TrainingCurveService>().ListAsync(found.Id, ct);
            var console = CliConsole.Get();
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(all);
            }
            else
            {
                await console.WriteTableAsync(["ID", "NAME", "FORMAT", "VERSION", "STEPS", "IMPORTED"], all.Select(t => (IReadOnlyList<string>)
                [
                    t.Id.ToString(CultureInfo.InvariantCulture), t.Name, t.Format, t.DatasetVersionLabel ?? "-",
                    t.Points.ToString(CultureInfo.InvariantCulture), t.ImportedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                ]));
            }

            return StudioCli.Success;
        });
        return command;
    }

    private static Command BuildShow()
    {
        var id = new Argument<int>("ID") { Description = "Training log id (fts training list)" };
        var failOnOverfitting = new Option<bool>("--fail-on-overfitting") { Description = "Exit 1 when the curve shows overfitting (for CI)" };
        var command = new Command("show", "A training log's curve and the overfitting verdict") { id, failOnOverfitting };
        command.SetAction(async (parse, ct) =>
        {
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var curve = await services.GetRequiredService<TrainingCurveService>().GetAsync(parse.GetValue(id), ct);
            await WriteAsync(parse, curve);
            return parse.GetValue(failOnOverfitting) && curve.Verdict.Overfitting ? StudioCli.Failed : StudioCli.Success;
        });
        return command;
    }

    private static async Task WriteAsync(ParseResult parse, TrainingCurve curve)
    {
        var console = CliConsole.Get();
        if (parse.GetValue(GlobalOptions.Json))
        {
            await console.WriteJsonAsync(curve);
            return;
        }

        var m = curve.Metrics;
        var last = curve.Points.Count == 0 ? null : curve.Points[^1];
        await console.Out.WriteLineAsync($"training log {m.Id} \"{m.Name}\" ({m.Format}){(m.DatasetVersionLabel is { } v ? $", trained on {v}" : "")}");
        await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"steps:   {curve.Points.Count}{(last?.Epoch is { } epoch ? $", {epoch:0.##} epochs" : "")}"));
        await console.Out.WriteLineAsync($"verdict: {curve.Verdict.Status}: {curve.Verdict.Message}");
    }
}
