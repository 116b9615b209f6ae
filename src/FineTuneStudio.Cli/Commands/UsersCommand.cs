using System.CommandLine;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Auditing;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

public static class UsersCommand
{
    public static Command Build()
    {
        var users = new Command("users", "Manage user accounts");

        var email = new Option<string>("--email") { Description = "E-mail address, also the sign-in name", Required = true };
        var role = new Option<string[]>("--role") { Description = "Role: Admin, ProductOwner, Labeler or MlLead (repeat for several)", Required = true, AllowMultipleArgumentsPerToken = true };
        var password = new Option<string>("--password") { Description = "Initial password (at least 8 characters with a digit and a lower-case letter)", Required = true };
        var name = new Option<string?>("--name") { Description = "Display name" };
        var add = new Command("add", "Add a user with one or more roles") { email, role, password, name };
        add.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            await using var scope = services.CreateAsyncScope();
            var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
            var created = await accounts.CreateUserAsync(parse.GetValue(email)!, parse.GetValue(name), parse.GetValue(role)!, parse.GetValue(password)!, Actor.Cli, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(created);
            }
            else
            {
                await console.Out.WriteLineAsync($"added {created.Email} ({string.Join(", ", created.Roles)})");
            }

            return StudioCli.Success;
        });

        var list = new Command("list", "List users and roles");
        list.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            await using var scope = services.CreateAsyncScope();
            var all = await scope.ServiceProvider.GetRequiredService<AccountService>().ListAsync(ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(all);
            }
            else
            {
                await console.WriteTableAsync(["EMAIL", "NAME", "ROLES", "STATUS"], all.Select(u => (IReadOnlyList<string>)
                    [u.Email, u.DisplayName, string.Join(",", u.Roles), u.Disabled ? "disabled" : u.LockedOut ? "locked out" : "active"]));
            }

            return StudioCli.Success;
        });

        users.Subcommands.Add(add);
        users.Subcommands.Add(list);
        users.Subcommands.Add(Lifecycle("disable", "Disable a user: sign-in refused, every token revoked, open sessions end within a minute",
            (accounts, id, ct) => accounts.DisableAsync(id, Actor.Cli, ct), u => $"disabled {u.Email}; their tokens are revoked"));
        users.Subcommands.Add(Lifecycle("enable", "Let a disabled user sign in again (old tokens stay revoked)",
            (accounts, id, ct) => accounts.EnableAsync(id, Actor.Cli, ct), u => $"enabled {u.Email}"));

        var resetEmail = new Option<string>("--email") { Description = "E-mail address of the user", Required = true };
        var reset = new Command("reset-password", "Give a user a new random password and print it once; their sessions end") { resetEmail };
        reset.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            await using var scope = services.CreateAsyncScope();
            var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
            var user = await accounts.FindByEmailAsync(parse.GetValue(resetEmail)!, ct);
            var password = await accounts.ResetPasswordAsync(user.Id, Actor.Cli, ct);
            await console.Out.WriteLineAsync(password);
            await console.Error.WriteLineAsync($"new password for {user.Email}, shown only now");
            return StudioCli.Success;
        });
        users.Subcommands.Add(reset);
        return users;
    }

    private static Command Lifecycle(string name, string description, Func<AccountService, string, CancellationToken, Task<UserSummary>> change, Func<UserSummary, string> done)
    {
        var email = new Option<string>("--email") { Description = "E-mail address of the user", Required = true };
        var command = new Command(name, description) { email };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            await using var scope = services.CreateAsyncScope();
            var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
            var user = await change(accounts, (await accounts.FindByEmailAsync(parse.GetValue(email)!, ct)).Id, ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(user);
            }
            else
            {
                await console.Out.WriteLineAsync(done(user));
            }

            return StudioCli.Success;
        });
        return command;
    }
}
