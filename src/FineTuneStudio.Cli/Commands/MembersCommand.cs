using System.CommandLine;
using System.Globalization;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Projects;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

/// <summary><c>fts members add|remove|list</c>: who works in a project, and in which role.</summary>
public static class MembersCommand
{
    public static Command Build()
    {
        var members = new Command("members", "Who works in a project, with their role there (Admin is global)");
        var project = new Option<string>("--project") { Description = "Project id or name", Required = true };
        var email = new Option<string>("--email") { Description = "The user's e-mail address", Required = true };
        var role = new Option<string?>("--role") { Description = "Labeler, MlLead or ProductOwner (default: the user's own role)" };

        var add = new Command("add", "Add a user to a project, or change their role in it") { project, email, role };
        add.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var target = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            await using var scope = services.CreateAsyncScope();
            var member = await scope.ServiceProvider.GetRequiredService<MembershipService>()
                .AddAsync(target.Id, parse.GetValue(email)!, parse.GetValue(role), Actor.Cli, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(member);
            }
            else
            {
                await console.Out.WriteLineAsync($"{member.Email} is a member of '{target.Name}' as {member.Role}");
            }

            return StudioCli.Success;
        });

        var remove = new Command("remove", "Remove a user from a project: they no longer see anything of it") { project, email };
        remove.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var target = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            await using var scope = services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<MembershipService>().RemoveAsync(target.Id, parse.GetValue(email)!, Actor.Cli, ct);
            await console.Out.WriteLineAsync($"removed {parse.GetValue(email)} from '{target.Name}'");
            return StudioCli.Success;
        });

        var list = new Command("list", "List a project's members") { project };
        list.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var target = await ProjectsCommand.RequireAsync(services, parse.GetValue(project)!, ct);
            await using var scope = services.CreateAsyncScope();
            var all = await scope.ServiceProvider.GetRequiredService<MembershipService>().ListAsync(target.Id, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(all);
            }
            else
            {
                await console.WriteTableAsync(["EMAIL", "NAME", "ROLE", "SINCE", "STATUS"], all.Select(m => (IReadOnlyList<string>)
                    [m.Email, m.DisplayName, m.Role, m.AddedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), m.Disabled ? "disabled" : "active"]));
            }

            return StudioCli.Success;
        });

        members.Subcommands.Add(add);
        members.Subcommands.Add(remove);
        members.Subcommands.Add(list);
        return members;
    }
}
