using System.CommandLine;
using System.Globalization;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Auditing;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

/// <summary><c>fts tokens create|list|revoke</c>: API tokens, e.g. for a service account a pipeline uses.</summary>
public static class TokensCommand
{
    public static Command Build()
    {
        var tokens = new Command("tokens", "API tokens (the secret is printed once, at creation)");
        var email = new Option<string>("--email") { Description = "The token owner's e-mail address", Required = true };
        var name = new Option<string>("--name") { Description = "What the token is for, e.g. \"nightly export\"", Required = true };
        var days = new Option<int?>("--expires-days") { Description = $"Days until the token stops working (1-{ApiTokenService.MaxLifetimeDays}, default {ApiTokenService.DefaultLifetimeDays})" };

        var create = new Command("create", "Create a token for a user and print its secret once") { email, name, days };
        create.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            await using var scope = services.CreateAsyncScope();
            var user = await scope.ServiceProvider.GetRequiredService<AccountService>().FindByEmailAsync(parse.GetValue(email)!, ct);
            var created = await services.GetRequiredService<ApiTokenService>().CreateAsync(user.Id, parse.GetValue(name)!, Actor.Cli, ct, parse.GetValue(days));
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(created);
            }
            else
            {
                await console.Out.WriteLineAsync(created.Secret);
                await console.Error.WriteLineAsync($"token {created.Token.Id} '{created.Token.Name}' for {user.Email}, expires {created.Token.ExpiresAt:yyyy-MM-dd}; the secret above is shown only now");
            }

            return StudioCli.Success;
        });

        var list = new Command("list", "List every token with its owner, expiry and last use (never the secrets)");
        list.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var all = await services.GetRequiredService<ApiTokenService>().ListAllAsync(ct);
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(all);
            }
            else
            {
                await console.WriteTableAsync(["ID", "OWNER", "NAME", "PREFIX", "EXPIRES", "LAST USED", "STATUS"], all.Select(t => (IReadOnlyList<string>)
                [
                    t.Id.ToString(CultureInfo.InvariantCulture), t.OwnerEmail ?? "", t.Name, t.Prefix, t.ExpiresAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    t.LastUsedAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "never", ApiTokenService.StatusOf(t, DateTime.UtcNow),
                ]));
            }

            return StudioCli.Success;
        });

        var id = new Option<int>("--id") { Description = "The token id (fts tokens list)", Required = true };
        var revoke = new Command("revoke", "Revoke a token at once") { id };
        revoke.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            await services.GetRequiredService<ApiTokenService>().RevokeAsync(null, parse.GetValue(id), Actor.Cli, ct);
            await console.Out.WriteLineAsync($"revoked token {parse.GetValue(id)}");
            return StudioCli.Success;
        });

        tokens.Subcommands.Add(create);
        tokens.Subcommands.Add(list);
        tokens.Subcommands.Add(revoke);
        return tokens;
    }
}
