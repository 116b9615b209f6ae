using System.CommandLine;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Suggestions;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

/// <summary><c>fts suggestions import|from-run|from-endpoint</c>: the label suggestions labelers see, over the same service as the API.</summary>
public static class SuggestionCommands
{
    public static IEnumerable<Command> Build()
    {
        var suggestions = new Command("suggestions", "Label suggestions shown to labelers (each replaces the example's current one)");
        suggestions.Subcommands.Add(Import());
        suggestions.Subcommands.Add(FromRun());
        suggestions.Subcommands.Add(FromEndpoint());
        yield return suggestions;
    }

    private static (Option<string> Project, Option<string> Dataset) Target() =>
        (new Option<string>("--project") { Description = "Project id or name", Required = true },
         new Option<string>("--dataset") { Description = "Dataset id or name", Required = true });

    private static Command Import()
    {
        var (project, dataset) = Target();
        var file = new Argument<FileInfo>("FILE") { Description = "Predictions: JSONL {example_id, label, confidence?} or CSV with those columns; all or nothing, errors by line" };
        var command = new Command("import", "Suggest labels from your own model's predictions file") { file, project, dataset };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new CliException($"FILE: {path.FullName} does not exist");
            }

            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var datasetId = await DatasetIdAsync(services, parse, project, dataset, ct);
            using var predictions = new StreamReader(path.FullName);
            var result = await services.GetRequiredService<LabelSuggestionService>().ImportAsync(datasetId, predictions, path.Name, Actor.Cli, ct);
            return await WriteAsync(parse, result);
        });
        return command;
    }

    private static Command FromRun()
    {
        var (project, dataset) = Target();
        var run = new Argument<int>("RUN") { Description = "Eval run id (of the dataset's project)" };
        var command = new Command("from-run", "Suggest labels from an eval run's outputs, for the examples its items came from") { run, project, dataset };
        command.SetAction(async (parse, ct) =>
        {
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var datasetId = await DatasetIdAsync(services, parse, project, dataset, ct);
            var result = await services.GetRequiredService<LabelSuggestionService>().FromRunAsync(datasetId, parse.GetValue(run), Actor.Cli, ct);
            return await WriteAsync(parse, result);
        });
        return command;
    }

    private static Command FromEndpoint()
    {
        var (project, dataset) = Target();
        var endpoint = new Option<string>("--endpoint") { Description = "A configured endpoint (Studio:Evaluation:Generation:Endpoints)", Required = true };
        var model = new Option<string?>("--model") { Description = "The model to ask; the endpoint's first listed model when left out" };
        var limit = new Option<int?>("--limit") { Description = "Ask for at most this many examples (default: every example in the queue without a suggestion)" };
        var command = new Command("from-endpoint", "Ask an endpoint for the label of each queued example without a suggestion (Ctrl+C keeps the answers so far)")
        {
            endpoint, model, limit, project, dataset,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var datasetId = await DatasetIdAsync(services, parse, project, dataset, ct);
            var progress = parse.GetValue(GlobalOptions.Json) ? null : StderrProgress.Tenths<SuggestionProgress>(console.Error,
                p => ("asking", p.Done, p.Total), (p, _) => $"asking: {p.Done}/{p.Total} examples, {p.NotALabel} answers no label, {p.Failed} failed");
            var result = await services.GetRequiredService<EndpointSuggester>().SuggestAsync(datasetId,
                new EndpointSuggestionRequest(parse.GetValue(endpoint)!, parse.GetValue(model), parse.GetValue(limit)), Actor.Cli, progress, ct);
            return await WriteAsync(parse, result);
        });
        return command;
    }

    private static async Task<int> DatasetIdAsync(ServiceProvider services, ParseResult parse, Option<string> project, Option<string> dataset, CancellationToken ct) =>
        (await DatasetsCommand.RequireAsync(services, await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct), parse.GetValue(dataset)!, ct)).Id;

    /// <summary>The counts; exit 1 when nothing could be stored although something was tried (every request failed, or a cancel).</summary>
    private static async Task<int> WriteAsync(ParseResult parse, SuggestionResult result)
    {
        var console = CliConsole.Get();
        if (parse.GetValue(GlobalOptions.Json))
        {
            await console.WriteJsonAsync(result);
        }
        else
        {
            await console.Out.WriteLineAsync($"{result.Stored} suggestions stored from {result.Source}"
                + $"; {result.NotALabel} not one of the labels, {result.Unmatched} matched no example, {result.Failed} without an answer{(result.Cancelled ? "; cancelled" : "")}");
        }

        return result.Cancelled || (result.Stored == 0 && result.Failed > 0) ? StudioCli.Failed : StudioCli.Success;
    }
}
