using System.CommandLine;
using FineTuneStudio.Core.Projects;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

public static class ProjectsCommand
{
    public static Command Build()
    {
        var projects = new Command("projects", "Projects (one use case each)");
        var list = new Command("list", "List projects");
        list.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var all = await services.GetRequiredService<ProjectService>().ListAsync(ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(all);
            }
            else
            {
                await console.WriteTableAsync(["ID", "NAME", "DATASETS"], all.Select(p => (IReadOnlyList<string>)[p.Id.ToString(), p.Name, p.DatasetCount.ToString()]));
            }

            return StudioCli.Success;
        });
        projects.Subcommands.Add(list);
        return projects;
    }

    /// <summary>Resolves --project (id or name) or fails with a message naming it.</summary>
    public static async Task<ProjectSummary> RequireAsync(ServiceProvider services, string idOrName, CancellationToken ct) =>
        await services.GetRequiredService<ProjectService>().FindAsync(idOrName, ct)
            ?? throw new CliException($"--project: no project with id or name '{idOrName}'");
}
