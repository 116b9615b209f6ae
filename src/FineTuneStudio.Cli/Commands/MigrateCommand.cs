using System.CommandLine;
using FineTuneStudio.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

public static class MigrateCommand
{
    public static Command Build()
    {
        var command = new Command("migrate", "Create the database or bring it to the latest schema");
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: true, ct);
            await using var db = await services.GetRequiredService<IDbContextFactory<StudioDbContext>>().CreateDbContextAsync(ct);
            var applied = (await db.Database.GetAppliedMigrationsAsync(ct)).ToList();
            if (parse.GetValue(GlobalOptions.Json))
            {
                await console.WriteJsonAsync(new { provider = services.GetRequiredService<StudioDatabaseSettings>().Provider.ToString(), migrations = applied });
            }
            else
            {
                await console.Out.WriteLineAsync($"database is up to date ({applied.Count} migrations applied, latest {applied.LastOrDefault() ?? "none"})");
            }

            return StudioCli.Success;
        });
        return command;
    }
}
