using System.CommandLine;
using FineTuneStudio.Core.Datasets;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

public static class DatasetsCommand
{
    public static Command Build()
    {
        var datasets = new Command("datasets", "Datasets of a project");
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var list = new Command("list", "List a project's datasets") { project };
        list.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var found = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            var all = await services.GetRequiredService<DatasetService>().ListAsync(found.Id, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(all);
            }
            else
            {
                await console.WriteTableAsync(["ID", "NAME", "TASK", "EXAMPLES", "LABELS"],
                    all.Select(d => (IReadOnlyList<string>)[d.Id.ToString(), d.Name, d.TaskKind.ToString(), d.ExampleCount.ToString(), string.Join(",", d.Labels)]));
            }

            return StudioCli.Success;
        });
        datasets.Subcommands.Add(list);
        return datasets;
    }
}
