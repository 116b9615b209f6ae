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
        projects.Subcommands.Add(BuildCreate());
        return projects;
    }

    private static Command BuildCreate()
    {
        var name = new Option<string>("--name") { Description = "Name of the project (one use case)", Required = true };
        var description = new Option<string?>("--description") { Description = "What the project is for" };
        var command = new Command("create", "Create a project") { name, description };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: true, ct);
            var created = await services.GetRequiredService<ProjectService>()
                .CreateAsync(new ProjectInput(parse.GetValue(name)!, parse.GetValue(description)), Core.Auditing.Actor.Cli, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(created);
            }
            else
            {
                await console.Out.WriteLineAsync($"created project '{created.Name}' ({created.Id})");
            }

            return StudioCli.Success;
        });
        return command;
    }

    /// <summary>Resolves --project (id or name) or fails with a message naming it.</summary>
    public static async Task<ProjectSummary> RequireAsync(ServiceProvider services, string idOrName, CancellationToken ct) =>
        await services.GetRequiredService<ProjectService>().FindAsync(idOrName, ct)
            ?? throw new CliException($"--project: no project with id or name '{idOrName}'");
}
