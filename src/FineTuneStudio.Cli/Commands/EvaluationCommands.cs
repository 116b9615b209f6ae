using System.CommandLine;
using System.Globalization;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Imports;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

public static class EvaluationCommands
{
    /// <summary>The top-level commands of this feature.</summary>
    public static IEnumerable<Command> Build()
    {
        var eval = new Command("eval", "Score model outputs, record eval runs and compare them");
        eval.Subcommands.Add(Score());
        eval.Subcommands.Add(ImportRun());
        eval.Subcommands.Add(Compare());
        eval.Subcommands.Add(Generate());
        yield return eval;
        yield return EvalSetsCommand();
    }

    /// <summary><c>fts eval-sets create|import</c>: held-out sets a script can set up before recording runs on them.</summary>
    private static Command EvalSetsCommand()
    {
        var sets = new Command("eval-sets", "Eval sets of a project: create one, import its items");

        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var name = new Option<string>("--name") { Description = "Name of the set", Required = true };
        var description = new Option<string?>("--description") { Description = "What the set measures" };
        var metrics = new Option<string?>("--metrics") { Description = "Comma-separated: " + string.Join(", ", EvalMetrics.All) + " (default: exact)" };
        var create = new Command("create", "Create an empty eval set with its metrics") { project, name, description, metrics };
        create.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var chosen = parse.GetValue(metrics)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var created = await services.GetRequiredService<EvalSets>()
                .CreateSetAsync(found.Id, new EvalSetInput(parse.GetValue(name)!, parse.GetValue(description), chosen), Actor.Cli, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(created);
            }
            else
            {
                await console.Out.WriteLineAsync($"created eval set '{created.Name}' ({created.Id}) in {found.Name}: {string.Join(", ", created.Metrics)}");
            }

            return StudioCli.Success;
        });

        var importProject = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var set = new Option<string>("--set") { Description = "Eval set id or name", Required = true };
        var file = new Argument<FileInfo>("FILE") { Description = "Items, JSONL {id, input, expected, label?, schema?} or CSV; all or nothing, errors by line" };
        var invalid = ImportCommands.InvalidOption("Lines with problems (or ids already in the set)", "; a problem with the file itself still stops the import");
        var rejects = ImportCommands.RejectsOption("lines");
        var import = new Command("import", "Add items to an eval set from a file; all or nothing, errors by line (or leaving out lines with problems, with --invalid skip)")
        {
            importProject, set, file, invalid, rejects,
        };
        import.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            var itemsFile = parse.GetValue(file)!;
            var skip = parse.GetValue(invalid) == "skip";
            var rejectsFile = ImportCommands.RejectsFile(parse, rejects, skip);
            await using var stream = OpenRead(itemsFile, "FILE");
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(importProject)!, ct);
            var evalSets = services.GetRequiredService<EvalSets>();
            var evalSet = await evalSets.FindSetAsync(found.Id, parse.GetValue(set)!, ct);
            EvalItemsImportResult result;
            using (var text = new StreamReader(stream, leaveOpen: true))
            {
                result = await evalSets.ImportItemsAsync(evalSet.Id, text, itemsFile.Name, Actor.Cli, skip ? InvalidRecordPolicy.Skip : InvalidRecordPolicy.Refuse, ct);
            }

            await ImportCommands.EnsureImportedAsync(console.Error, result);
            if (rejectsFile is not null)
            {
                var format = await ReadAsCsvAsync(stream, itemsFile.Name) ? ImportFormat.Csv : ImportFormat.Auto;
                await ImportCommands.WriteRejectsAsync(stream, format, result.LeftOutLines, rejectsFile, console.Error, ct);
            }

            var after = await evalSets.GetSetAsync(evalSet.Id, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(new { Added = result.Imported, result.InvalidRecords, result.LeftOut, result.TotalLeftOut, result.LeftOutLines, Set = after });
            }
            else
            {
                var leftOut = result.InvalidRecords > 0 ? $"; {ListText.Counted(result.InvalidRecords, "line", "D")} with problems left out" : "";
                await console.Out.WriteLineAsync($"added {result.Imported} items to '{after.Name}' ({after.ItemCount} in all){leftOut}");
            }

            return StudioCli.Success;
        });

        sets.Subcommands.Add(create);
        sets.Subcommands.Add(import);
        sets.Subcommands.Add(ExportSet());
        return sets;
    }

    /// <summary><c>fts eval-sets export</c>: the set for a batch job (OpenAI-style, Bedrock's or Gemini's) or LLaMA-Factory; the answers come back with import-run.</summary>
    private static Command ExportSet()
    {
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var set = new Option<string>("--set") { Description = "Eval set id or name", Required = true };
        var format = new Option<string>("--format") { Description = "batch (OpenAI Batch API, vLLM run_batch), llamafactory (alpaca lines), bedrock-claude or bedrock-nova (Bedrock batch inference), vertex-gemini (Vertex AI batch prediction), gemini-batch (Gemini API batch mode)", DefaultValueFactory = _ => EvalSetExport.BatchFormat };
        format.AcceptOnlyFromAmong([.. EvalSetExport.Formats]);
        var model = new Option<string?>("--model") { Description = "The model each batch request names" };
        var systemPrompt = new Option<string?>("--system-prompt") { Description = "A system turn for items that have none" };
        var temperature = new Option<double?>("--temperature") { Description = "Sampling temperature of each batch request" };
        var maxTokens = new Option<int?>("--max-tokens") { Description = $"The most tokens an answer may take, for Bedrock's and Gemini's records (default {EvalSetExport.DefaultMaxTokens})" };
        var output = new Option<FileInfo>("--out") { Description = "The JSONL file to write", Required = true };
        var job = new Option<FileInfo?>("--job") { Description = "Also write Bedrock's CreateModelInvocationJob body for the records to this file (bedrock-claude or bedrock-nova)" };
        var command = new Command("export", "Write an eval set as a batch input JSONL (OpenAI-style, Bedrock's or Gemini's) or LLaMA-Factory lines, in the set's order")
        {
            project, set, format, model, systemPrompt, temperature, maxTokens, output, job,
        };
        command.SetAction(async (parse, ct) =>
        {
            var jobFile = parse.GetValue(job);
            if (jobFile is not null && !EvalSetExport.IsBedrock(parse.GetValue(format)!))
            {
                throw new CliException("--job: only Bedrock's records (--format bedrock-claude or bedrock-nova) have a batch job body to write", isUsage: true);
            }

            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var evalSet = await services.GetRequiredService<EvalSets>().FindSetAsync(found.Id, parse.GetValue(set)!, ct);
            var path = parse.GetValue(output)!.FullName;
            // Written beside the target and renamed into place: a refused export leaves no half file.
            var partial = path + ".partial";
            int written;
            try
            {
                await using (var file = File.Create(partial))
                {
                    written = await services.GetRequiredService<EvalSetExport>().WriteAsync(evalSet.Id, parse.GetValue(format)!, parse.GetValue(model),
                        parse.GetValue(systemPrompt), parse.GetValue(temperature), file, ct, parse.GetValue(maxTokens));
                }

                File.Move(partial, path, overwrite: true);
            }
            finally
            {
                File.Delete(partial);
            }

            await CliConsole.Get().Out.WriteLineAsync($"wrote {written} items of '{evalSet.Name}' to {path}");
            if (jobFile is not null)
            {
                var request = await services.GetRequiredService<EvalSetExport>().BedrockJobAsync(evalSet.Id, parse.GetValue(format)!, ct);
                await File.WriteAllTextAsync(jobFile.FullName, request.Json, ct);
                await CliConsole.Get().Out.WriteLineAsync($"wrote the batch job body to {jobFile.FullName}");
                foreach (var note in request.Notes)
                {
                    await CliConsole.Get().Out.WriteLineAsync("  " + note);
                }
            }

            return StudioCli.Success;
        });
        return command;
    }

    /// <summary>Pure scoring of two files; no database.</summary>
    private static Command Score()
    {
        var items = new Option<FileInfo>("--items") { Description = "Items, JSONL {id, expected, label?, schema?} or CSV", Required = true };
        var outputs = new Option<FileInfo>("--outputs") { Description = "Model outputs: JSONL {id, output} or CSV id,output, a batch output, LLaMA-Factory's generated_predictions.jsonl, oaieval's record or lm-evaluation-harness's --log_samples file", Required = true };
        var metrics = new Option<string?>("--metrics") { Description = $"Comma-separated metrics ({string.Join(", ", EvalMetrics.All)}); default: exact, normalised, plus accuracy and macro-F1 when items have labels and json-schema when they have schemas" };
        var command = new Command("score", "Score an outputs file against an items file (no database)") { items, outputs, metrics };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            IReadOnlyList<EvalItemInput> parsedItems;
            using (var itemsFile = Open(parse.GetValue(items)!, "--items"))
            {
                parsedItems = EvalFileParser.ParseItems(itemsFile, parse.GetValue(items)!.Name);
            }

            IReadOnlyList<EvalOutputInput> parsedOutputs;
            using (var outputsFile = Open(parse.GetValue(outputs)!, "--outputs"))
            {
                parsedOutputs = EvalFileParser.ParseOutputs(outputsFile, parse.GetValue(outputs)!.Name);
            }

            if (parsedOutputs[0].ByPosition)
            {
                parsedOutputs = EvalFileParser.InSetOrder(parsedOutputs, parsedItems.Select(i => (i.Id, i.Expected)).ToList());
            }

            parsedOutputs = EvalFileParser.ByRequest(parsedOutputs, parsedItems.Select(i => (i.Id, i.Input.Select(m => (m.Role.ToString().ToLowerInvariant(), m.Content ?? "")))));
            var chosen = EvalMetrics.ParseList(parse.GetValue(metrics), "--metrics");
            if (chosen.Count == 0)
            {
                chosen = DefaultMetrics(parsedItems);
            }

            var known = parsedItems.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
            var unknown = parsedOutputs.Where(o => !known.Contains(o.Id)).Select(o => new Core.InputError("id", $"No item has the id \"{o.Id}\".", o.Line)).ToList();
            if (unknown.Count > 0)
            {
                throw new Core.StudioValidationException(unknown.Take(EvalFileParser.MaxErrors).ToList(), unknown.Count);
            }

            var misaligned = EvalFileParser.Misaligned(parsedOutputs, parsedItems);
            if (misaligned.Count > 0)
            {
                throw new Core.StudioValidationException(misaligned.Take(EvalFileParser.MaxErrors).ToList(), misaligned.Count);
            }

            var scored = await EvalScorer.ScoreAsync(
                parsedItems.Select(i => new ScoringItem(i.Id, i.Expected, i.Label, i.SchemaJson, i.AlsoAccepted)).ToList(),
                parsedOutputs.ToDictionary(o => o.Id, o => (string?)o.Output, StringComparer.Ordinal),
                chosen, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(new { summary = scored.Summary, items = scored.Items });
                return StudioCli.Success;
            }

            await WriteSummaryAsync(console, scored.Summary);
            return StudioCli.Success;
        });
        return command;
    }

    private static Command ImportRun()
    {
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var set = new Option<string>("--set") { Description = "Eval set id or name", Required = true };
        var name = new Option<string>("--name") { Description = "Name of the run", Required = true };
        var outputs = new Option<FileInfo>("--outputs") { Description = "Model outputs: JSONL {id, output} or CSV id,output, a batch output, LLaMA-Factory's generated_predictions.jsonl, oaieval's record or lm-evaluation-harness's --log_samples file", Required = true };
        var model = new Option<string?>("--model") { Description = "Model name" };
        var provider = new Option<string?>("--provider-name") { Description = "Who serves the model (openai, ollama, ...)" };
        var baseline = new Option<bool>("--baseline") { Description = "Mark the run as the baseline to beat" };
        var dataset = new Option<string?>("--dataset") { Description = "Dataset id or name of the version the model was trained on (with --version)" };
        var version = new Option<int?>("--version") { Description = "Number of the version the model was trained on, within --dataset" };
        var command = new Command("import-run", "Record a run from a file of outputs (ours, a batch output, LLaMA-Factory's predictions, oaieval's record, lm-evaluation-harness's samples) and score it")
        {
            project, set, name, outputs, model, provider, baseline, dataset, version,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            var file = parse.GetValue(outputs)!;
            using var text = Open(file, "--outputs");
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var sets = services.GetRequiredService<EvalSets>();
            var runs = services.GetRequiredService<EvalRuns>();
            var evalSet = await sets.FindSetAsync(found.Id, parse.GetValue(set)!, ct);
            var versionId = await TrainingCommands.VersionIdAsync(services, found, parse.GetValue(dataset), parse.GetValue(version), ct);
            var run = await runs.ImportRunAsync(evalSet.Id,
                new EvalRunInput(parse.GetValue(name)!, parse.GetValue(model), parse.GetValue(provider), DatasetVersionId: versionId, IsBaseline: parse.GetValue(baseline)),
                text, file.Name, Actor.Cli, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(run);
            }
            else
            {
                await console.Out.WriteLineAsync($"recorded run {run.Id} \"{run.Name}\" on {evalSet.Name}");
                await WriteSummaryAsync(console, run.Summary!);
            }

            return StudioCli.Success;
        });
        return command;
    }

    private static Command Compare()
    {
        var runA = new Argument<int>("RUN_A") { Description = "Baseline run id" };
        var runB = new Argument<int>("RUN_B") { Description = "Candidate run id" };
        var failOnRegression = new Option<bool>("--fail-on-regression") { Description = "Exit 1 when the candidate is significantly worse than the baseline (for CI)" };
        var metric = new Option<string?>("--metric") { Description = "Metric the gate judges (default: the runs' main metric)" };
        var maxDrop = new Option<double?>("--max-drop") { Description = "Largest drop of the metric allowed, e.g. 0.02 (default 0)" };
        var command = new Command("compare", "Compare a candidate run with a baseline: deltas, significance, regressions; --fail-on-regression gates a pipeline")
        {
            runA, runB, failOnRegression, metric, maxDrop,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            var gate = parse.GetValue(failOnRegression);
            if (!gate && (parse.GetValue(metric) is not null || parse.GetValue(maxDrop) is not null))
            {
                throw new CliException("--metric and --max-drop set the regression gate: add --fail-on-regression", isUsage: true);
            }

            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var comparison = await services.GetRequiredService<EvalRuns>().CompareAsync(parse.GetValue(runA), parse.GetValue(runB), ct);
            var verdict = gate ? RegressionGate.Judge(comparison, parse.GetValue(metric), parse.GetValue(maxDrop) ?? 0) : null;
            var exit = verdict is { Failed: true } ? StudioCli.Failed : StudioCli.Success;
            if (verdict is { Failed: true })
            {
                await console.Error.WriteLineAsync(verdict.Reason);
            }

            if (parse.GetValue(GlobalOptions.Json))
            {
                await (verdict is null ? console.WriteJsonAsync(comparison) : console.WriteJsonAsync(comparison, "gate", verdict));
                return exit;
            }

            await console.Out.WriteLineAsync($"baseline {comparison.RunA.Id} \"{comparison.RunA.Name}\" vs candidate {comparison.RunB.Id} \"{comparison.RunB.Name}\"");
            await console.WriteTableAsync(["METRIC", "BASELINE", "CANDIDATE", "DELTA"],
                comparison.Deltas.Select(d => (IReadOnlyList<string>)[d.Metric, Number(d.A), Number(d.B), d.Delta is { } x ? x.ToString("+0.0000;-0.0000;0", CultureInfo.InvariantCulture) : "-"]));
            await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"regressions {comparison.Regressions}, fixes {comparison.Fixes}, McNemar p = {comparison.McNemar.PValue:0.0000}, bootstrap 95% interval of the difference [{comparison.Bootstrap.Low:0.000}, {comparison.Bootstrap.High:0.000}]"));
            foreach (var item in comparison.Items.Where(i => i.Change == ItemChange.Regression))
            {
                await console.Out.WriteLineAsync($"regression {item.ExternalId}: expected \"{Short(item.Expected)}\", baseline \"{Short(item.OutputA)}\", candidate \"{Short(item.OutputB)}\"");
            }

            if (verdict is { Failed: false })
            {
                await console.Out.WriteLineAsync("gate passed: " + verdict.Reason);
            }

            return exit;
        });
        return command;
    }

    /// <summary>Generates a run in this process: the endpoint comes from the environment (Studio__Evaluation__Generation__Endpoints__NAME__BaseUrl, __ApiKey).</summary>
    private static Command Generate()
    {
        var set = new Option<string>("--set") { Description = "Eval set id (or name, with --project)", Required = true };
        var project = new Option<string?>("--project") { Description = "Project id or name, to find the set by name" };
        var endpoint = new Option<string>("--endpoint") { Description = "Name of a configured endpoint", Required = true };
        var model = new Option<string>("--model") { Description = "Model the endpoint should answer with", Required = true };
        var name = new Option<string?>("--name") { Description = "Name of the run (default: the model and the time)" };
        var systemPrompt = new Option<string?>("--system-prompt") { Description = "Sent first when an item has no system message" };
        var temperature = new Option<float?>("--temperature") { Description = "Sampling temperature (default 0)" };
        var baseline = new Option<bool>("--baseline") { Description = "Mark the run as the baseline to beat" };
        var command = new Command("generate", "Generate a run's outputs by calling an OpenAI-compatible endpoint for every item, then score it")
        {
            set, project, endpoint, model, name, systemPrompt, temperature, baseline,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var sets = services.GetRequiredService<EvalSets>();
            var runs = services.GetRequiredService<EvalRuns>();
            var setText = parse.GetValue(set)!;
            EvalSetSummary evalSet;
            if (parse.GetValue(project) is { } projectText)
            {
                var found = await ProjectsCommand.RequireAsync(services, projectText, ct);
                evalSet = await sets.FindSetAsync(found.Id, setText, ct);
            }
            else
            {
                evalSet = int.TryParse(setText, NumberStyles.None, CultureInfo.InvariantCulture, out var setId)
                    ? await sets.GetSetAsync(setId, ct)
                    : throw new CliException("--set: give the set's id, or its name together with --project", isUsage: true);
            }

            var generation = services.GetRequiredService<EvalGenerationService>();
            var chosenModel = parse.GetValue(model)!;
            var run = await generation.CreateAsync(evalSet.Id, new GenerateRunRequest
            {
                Name = parse.GetValue(name) ?? $"{chosenModel} {DateTime.UtcNow:yyyy-MM-dd HH:mm}",
                Endpoint = parse.GetValue(endpoint)!,
                Model = chosenModel,
                SystemPrompt = parse.GetValue(systemPrompt),
                Temperature = parse.GetValue(temperature) ?? 0,
                IsBaseline = parse.GetValue(baseline),
            }, Actor.Cli, ct);
            // Every tenth of the way, on stderr, so --json output stays clean.
            var progress = StderrProgress.Tenths<GenerationProgress>(console.Error,
                p => (p.Status == Core.Domain.EvalRunStatus.Running ? "items" : null, p.Done, p.Total),
                (p, _) => $"{p.Done}/{p.Total} items, {p.Failed} failed");
            try
            {
                await generation.ExecuteAsync(run.Id, Actor.Cli, progress, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // The run is marked Cancelled; report what was done.
            }

            var finished = await runs.GetRunAsync(run.Id, CancellationToken.None);
            var state = await generation.GetProgressAsync(run.Id, CancellationToken.None);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(new { run = finished, progress = state });
            }
            else
            {
                await console.Out.WriteLineAsync($"run {finished.Id} \"{finished.Name}\" on {evalSet.Name}: {finished.Status}, {state.Done} of {state.Total} items, {state.Failed} failed{(state.Error is { } e ? $" ({e})" : "")}");
                if (finished.Summary is { } summary)
                {
                    await WriteSummaryAsync(console, summary);
                }
            }

            return finished.Status == Core.Domain.EvalRunStatus.Completed ? StudioCli.Success : StudioCli.Failed;
        });
        return command;
    }

    private static IReadOnlyList<string> DefaultMetrics(IReadOnlyList<EvalItemInput> items)
    {
        var metrics = new List<string> { EvalMetrics.Exact, EvalMetrics.Normalised };
        if (items.Any(i => i.Label is not null))
        {
            metrics.AddRange([EvalMetrics.Accuracy, EvalMetrics.MacroF1]);
        }

        if (items.Any(i => i.SchemaJson is not null))
        {
            metrics.AddRange([EvalMetrics.JsonValid, EvalMetrics.JsonSchema]);
        }

        return metrics;
    }

    private static async Task WriteSummaryAsync(CliConsole console, RunSummary summary)
    {
        await console.WriteTableAsync(["METRIC", "VALUE"], summary.Metrics.Select(m => (IReadOnlyList<string>)[m.Key, Number(m.Value)]));
        await console.Out.WriteLineAsync($"{summary.Items} items, {summary.Correct} right on {summary.MainMetric ?? "no pass/fail metric"}, {summary.Failed} without output");
    }

    /// <summary>Whether the import read the file as CSV: by its extension, or without one by how it starts, as the parser decides.</summary>
    private static async Task<bool> ReadAsCsvAsync(FileStream file, string fileName)
    {
        file.Position = 0;
        using var reader = new StreamReader(file, leaveOpen: true);
        var head = new char[4096];
        var read = await reader.ReadBlockAsync(head);
        return EvalFileParser.LooksLikeCsv(new string(head, 0, read), fileName);
    }

    private static StreamReader Open(FileInfo file, string option) => new(OpenRead(file, option));

    private static FileStream OpenRead(FileInfo file, string option) =>
        file.Exists ? file.OpenRead() : throw new CliException($"{option}: the file {file.FullName} does not exist");

    private static string Number(double? value) => value is { } v ? v.ToString("0.0000", CultureInfo.InvariantCulture) : "-";

    private static string Short(string? text)
    {
        var line = (text ?? "").ReplaceLineEndings(" ");
        return line.Length > 60 ? line[..57] + "..." : line;
    }
}
