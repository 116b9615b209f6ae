using System.CommandLine;
using System.Text.Json;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Projects;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

public static class DatasetsCommand
{
    public static Command Build()
    {
        var datasets = new Command("datasets", "Datasets of a project");
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var includeArchived = new Option<bool>("--include-archived") { Description = "List archived datasets too (marked as such)" };
        var list = new Command("list", "List a project's datasets") { project, includeArchived };
        list.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var all = await services.GetRequiredService<DatasetService>().ListAsync(found.Id, parse.GetValue(includeArchived), ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(all);
            }
            else
            {
                await console.WriteTableAsync(["ID", "NAME", "TASK", "EXAMPLES", "LABELS"],
                    all.Select(d => (IReadOnlyList<string>)[d.Id.ToString(), d.Archived ? $"{d.Name} (archived)" : d.Name, d.TaskKind.ToString(), d.ExampleCount.ToString(), string.Join(",", d.Labels)]));
            }

            return StudioCli.Success;
        });
        datasets.Subcommands.Add(list);
        datasets.Subcommands.Add(BuildCreate());
        datasets.Subcommands.Add(BuildShow());
        datasets.Subcommands.Add(BuildUpdate());
        datasets.Subcommands.Add(BuildArchive(archive: true));
        datasets.Subcommands.Add(BuildArchive(archive: false));
        return datasets;
    }

    /// <summary>Resolves --dataset (id or name) within a project or fails with a message naming both.</summary>
    public static async Task<DatasetSummary> RequireAsync(ServiceProvider services, ProjectSummary project, string idOrName, CancellationToken ct) =>
        await services.GetRequiredService<DatasetService>().FindAsync(project.Id, idOrName, ct)
            ?? throw new CliException($"--dataset: project '{project.Name}' has no dataset with id or name '{idOrName}'");

    private static Command BuildShow()
    {
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Dataset id or name", Required = true };
        var command = new Command("show", "Show a dataset's settings: task, labels, answer, system prompt, guidelines, annotations per example") { project, dataset };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await RequireAsync(services, await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct), parse.GetValue(dataset)!, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(found);
                return StudioCli.Success;
            }

            var o = console.Out;
            await o.WriteLineAsync($"{found.Name} ({found.Id}): {found.TaskKind.ToString().ToLowerInvariant()}, {found.ExampleCount} examples");
            await o.WriteLineAsync($"labels:       {(found.Labels.Count == 0 ? "none" : string.Join(", ", found.Labels))}");
            await o.WriteLineAsync($"answer:       {found.AnswerStyle.ToString().ToLowerInvariant()}{(found.Labels.Count > 0 ? $" (for '{found.Labels[0]}': {found.Answer.Render(found.Labels[0])})" : "")}");
            await o.WriteLineAsync($"annotations:  {found.RequiredAnnotations} per example");
            await o.WriteLineAsync($"system:       {(found.CanonicalSystemPrompt.Length == 0 ? "none" : found.CanonicalSystemPrompt)}");
            await o.WriteLineAsync($"guidelines:   {(found.Guidelines.Length == 0 ? "none" : $"{found.Guidelines.Split('\n').Length} lines")}");
            return StudioCli.Success;
        });
        return command;
    }

    private static Command BuildUpdate()
    {
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Dataset id or name", Required = true };
        var name = new Option<string?>("--name") { Description = "A new name" };
        var labels = new Option<string?>("--labels") { Description = "The whole label set, comma-separated" };
        var labelsFile = new Option<FileInfo?>("--labels-file") { Description = "The whole label set, one per line" };
        var system = new Option<string?>("--system-prompt") { Description = "The canonical system prompt (empty to remove it)" };
        var guidelines = new Option<FileInfo?>("--guidelines-file") { Description = "Labeling guidelines in Markdown" };
        var annotations = new Option<int?>("--annotations") { Description = "Annotations required per example (1 to 10)" };
        var template = new Option<string?>("--answer-template") { Description = "For template answers: a text with {label}" };
        var guides = new Option<string[]>("--label-guide")
        {
            Description = "What a label means, as LABEL=description|example (repeat per label; other labels keep their guides)",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("update", "Change a dataset's settings; what is not given stays as it is")
        {
            project, dataset, name, labels, labelsFile, system, guidelines, annotations, template, guides,
        };
        OneLabelSource(command, labels, labelsFile);
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            var labelList = await ReadLabelsAsync(parse.GetValue(labels), parse.GetValue(labelsFile), ct);
            var givenGuides = ParseGuides(parse.GetValue(guides) ?? []);
            string? guidelineText = null;
            if (parse.GetValue(guidelines) is { } file)
            {
                guidelineText = file.Exists ? await File.ReadAllTextAsync(file.FullName, ct) : throw new CliException($"--guidelines-file: {file.FullName} does not exist");
            }

            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await RequireAsync(services, await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct), parse.GetValue(dataset)!, ct);
            var input = new DatasetInput(
                parse.GetValue(name) ?? found.Name, found.TaskKind,
                parse.GetValue(system) ?? found.CanonicalSystemPrompt,
                guidelineText ?? found.Guidelines,
                labelList ?? found.Labels,
                parse.GetValue(annotations) ?? found.RequiredAnnotations,
                found.AnswerStyle,
                parse.GetValue(template) ?? found.AnswerTemplate,
                found.LabelAnswers,
                givenGuides is null ? null : MergeGuides(found, labelList ?? found.Labels, givenGuides));
            var updated = await services.GetRequiredService<DatasetService>().UpdateAsync(found.Id, input, Actor.Cli, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(updated);
            }
            else
            {
                await console.Out.WriteLineAsync($"updated dataset '{updated.Name}' ({updated.Id})");
            }

            return StudioCli.Success;
        });
        return command;
    }

    /// <summary>Parses --label-guide LABEL=description|example; a value without '=' fails naming the option (exit 1).</summary>
    private static Dictionary<string, LabelGuide>? ParseGuides(string[] values)
    {
        if (values.Length == 0)
        {
            return null;
        }

        var guides = new Dictionary<string, LabelGuide>(StringComparer.OrdinalIgnoreCase);
        foreach (var value in values)
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new StudioValidationException("--label-guide", $"'{value}': write LABEL=description|example, as in urgent=Money or safety at stake|Card charged twice");
            }

            var text = value[(equals + 1)..];
            var bar = text.IndexOf('|', StringComparison.Ordinal);
            guides[value[..equals].Trim()] = bar < 0 ? new LabelGuide(text, "") : new LabelGuide(text[..bar], text[(bar + 1)..]);
        }

        return guides;
    }

    /// <summary>The stored guides of labels that remain, with the given ones laid over them.</summary>
    private static Dictionary<string, LabelGuide> MergeGuides(DatasetSummary found, IReadOnlyList<string> labels, Dictionary<string, LabelGuide> given)
    {
        var merged = (found.LabelGuides ?? new Dictionary<string, LabelGuide>())
            .Where(g => labels.Contains(g.Key) && !given.ContainsKey(g.Key))
            .ToDictionary(g => g.Key, g => g.Value);
        foreach (var (label, guide) in given)
        {
            merged[label] = guide;
        }

        return merged;
    }

    private static Command BuildArchive(bool archive)
    {
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var dataset = new Argument<string>("DATASET") { Description = "Dataset id or name" };
        var command = archive
            ? new Command("archive", "Archive a dataset: it leaves the lists and takes no new examples or imports; its versions stay downloadable") { dataset, project }
            : new Command("restore", "Restore an archived dataset to the lists and to work") { dataset, project };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await RequireAsync(services, await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct), parse.GetValue(dataset)!, ct);
            var service = services.GetRequiredService<DatasetService>();
            var changed = archive ? await service.ArchiveAsync(found.Id, Actor.Cli, ct) : await service.RestoreAsync(found.Id, Actor.Cli, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(changed);
            }
            else
            {
                await console.Out.WriteLineAsync($"{(archive ? "archived" : "restored")} dataset '{changed.Name}' ({changed.Id})");
            }

            return StudioCli.Success;
        });
        return command;
    }

    private static Command BuildCreate()
    {
        var project = new Option<string>("--project") { Description = "Project id or name; created when no project has that name", Required = true };
        var name = new Option<string>("--name") { Description = "Name of the new dataset", Required = true };
        var task = new Option<string>("--task") { Description = "chat, classification, extraction or preference", DefaultValueFactory = _ => "chat" };
        task.AcceptOnlyFromAmong("chat", "classification", "extraction", "preference");
        var labels = new Option<string?>("--labels") { Description = "Comma-separated labels, as in urgent,normal,low" };
        var labelsFile = new Option<FileInfo?>("--labels-file") { Description = "A text file with one label per line (blank lines and lines starting with # are skipped)" };
        var answer = new Option<string>("--answer") { Description = "How a label becomes the answer the model learns: label, template, json or per-label", DefaultValueFactory = _ => "label" };
        answer.AcceptOnlyFromAmong("label", "template", "json", "per-label");
        var template = new Option<string?>("--answer-template") { Description = "For --answer template: a text with {label}; for --answer json: the key (default label)" };
        var answersFile = new Option<FileInfo?>("--answers-file") { Description = "For --answer per-label: a JSON object of label to answer text" };
        var system = new Option<string?>("--system-prompt") { Description = "The canonical system prompt" };
        var command = new Command("create", "Create a dataset, with its label set for classification")
        {
            project, name, task, labels, labelsFile, answer, template, answersFile, system,
        };
        OneLabelSource(command, labels, labelsFile);
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            var labelList = await ReadLabelsAsync(parse.GetValue(labels), parse.GetValue(labelsFile), ct);
            var answers = await ReadAnswersAsync(parse.GetValue(answersFile), ct);
            var input = new DatasetInput(
                parse.GetValue(name)!,
                Enum.Parse<TaskKind>(parse.GetValue(task)!, ignoreCase: true),
                CanonicalSystemPrompt: parse.GetValue(system),
                Labels: labelList,
                AnswerStyle: parse.GetValue(answer) == "per-label" ? AnswerStyle.PerLabel : Enum.Parse<AnswerStyle>(parse.GetValue(answer)!, ignoreCase: true),
                AnswerTemplate: parse.GetValue(template),
                LabelAnswers: answers);

            await using var services = await CliServices.OpenAsync(parse, createIfMissing: true, ct);
            var projects = services.GetRequiredService<ProjectService>();
            var found = await projects.FindAsync(parse.GetValue(project)!, ct);
            var projectId = found?.Id ?? (await projects.CreateAsync(new ProjectInput(parse.GetValue(project)!, null), Actor.Cli, ct)).Id;
            DatasetSummary created;
            try
            {
                created = await services.GetRequiredService<DatasetService>().CreateAsync(projectId, input, Actor.Cli, ct);
            }
            catch when (found is null)
            {
                // Nothing half-made: the project created for this dataset goes again.
                await projects.DeleteAsync(projectId, Actor.Cli, CancellationToken.None);
                throw;
            }

            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(new { created.Id, created.ProjectId, CreatedProject = found is null, created.Name, created.TaskKind, created.Labels, created.AnswerStyle, created.AnswerTemplate });
                return StudioCli.Success;
            }

            if (found is null)
            {
                await console.Out.WriteLineAsync($"created project '{parse.GetValue(project)}' ({projectId})");
            }

            var labelNote = created.Labels.Count > 0 ? $", {created.Labels.Count} labels" : "";
            await console.Out.WriteLineAsync($"created dataset '{created.Name}' ({created.Id}): {created.TaskKind.ToString().ToLowerInvariant()}{labelNote}");
            if (created.Labels.Count > 0)
            {
                await console.Out.WriteLineAsync($"the model learns, for '{created.Labels[0]}': {created.Answer.Render(created.Labels[0])}");
            }

            return StudioCli.Success;
        });
        return command;
    }

    /// <summary>Labels come from --labels or --labels-file, never both (a usage error).</summary>
    private static void OneLabelSource(Command command, Option<string?> labels, Option<FileInfo?> labelsFile) =>
        command.Validators.Add(result =>
        {
            if (result.GetValue(labels) is not null && result.GetValue(labelsFile) is not null)
            {
                result.AddError("give --labels or --labels-file, not both");
            }
        });

    private static async Task<IReadOnlyList<string>?> ReadLabelsAsync(string? list, FileInfo? file, CancellationToken ct)
    {
        if (file is null)
        {
            return list?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        }

        if (!file.Exists)
        {
            throw new CliException($"--labels-file: {file.FullName} does not exist");
        }

        var lines = await File.ReadAllLinesAsync(file.FullName, ct);
        return lines.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
    }

    private static async Task<IReadOnlyDictionary<string, string>?> ReadAnswersAsync(FileInfo? file, CancellationToken ct)
    {
        if (file is null)
        {
            return null;
        }

        if (!file.Exists)
        {
            throw new CliException($"--answers-file: {file.FullName} does not exist");
        }

        try
        {
            await using var stream = file.OpenRead();
            return await JsonSerializer.DeserializeAsync<Dictionary<string, string>>(stream, cancellationToken: ct)
                ?? throw new CliException("--answers-file: must be a JSON object of label to answer text");
        }
        catch (JsonException e)
        {
            throw new CliException($"--answers-file: not a JSON object of label to answer text (line {(e.LineNumber ?? 0) + 1}): {e.Message}");
        }
    }
}
