using System.CommandLine;
using System.Globalization;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Training;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

/// <summary><c>fts targets list|add|update</c>: the one table of training targets every feature reads.</summary>
public static class TargetsCommand
{
    private static readonly Option<string?> Name = new("--name") { Description = "Name people will recognise" };
    private static readonly Option<int?> MinExamples = new("--min-examples") { Description = "Fewest training examples the target accepts" };
    private static readonly Option<int?> TokenLimit = new("--token-limit") { Description = "Token limit per example" };
    private static readonly Option<double?> Price = new("--price") { Description = "USD per million training tokens (0: no price)" };
    private static readonly Option<string?> Status = StatusOption();
    private static readonly Option<DateOnly?> ClosesOn = new("--closes-on") { Description = "The day new jobs stop (yyyy-mm-dd), for a closing or closed target" };
    private static readonly Option<string?> Notice = new("--notice") { Description = "A notice shown with the target" };
    private static readonly Option<string?> Alternatives = new("--alternatives") { Description = "Where to go instead, shown while the target closes" };

    public static Command Build()
    {
        var targets = new Command("targets", "Training targets: where a model is fine-tuned, with limits, price and status");
        targets.Subcommands.Add(BuildList());
        targets.Subcommands.Add(BuildAdd());
        targets.Subcommands.Add(BuildUpdate());
        return targets;
    }

    private static Command BuildList()
    {
        var list = new Command("list", "List the training targets");
        list.SetAction(async (parse, ct) =>
        {
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            await WriteAsync(parse, await services.GetRequiredService<TrainingTargetService>().ListAsync(ct));
            return StudioCli.Success;
        });
        return list;
    }

    private static Command BuildAdd()
    {
        var key = new Argument<string>("KEY") { Description = "Lower-case key, e.g. together-chat" };
        var format = new Option<string>("--format")
        {
            Description = "The built-in format its files follow: " + string.Join(", ", TrainingTargets.All.Select(t => t.Key)),
            Required = true,
        };
        format.AcceptOnlyFromAmong([.. TrainingTargets.All.Select(t => t.Key)]);
        var kind = new Option<string?>("--kind") { Description = "hosted or open (default: from the format)" };
        kind.AcceptOnlyFromAmong("hosted", "open");
        var command = new Command("add", "Add a training target whose files follow a built-in format")
        {
            key, format, kind, Name, MinExamples, TokenLimit, Price, Status, ClosesOn, Notice, Alternatives,
        };
        command.SetAction(async (parse, ct) =>
        {
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var rules = TrainingTargets.Get(parse.GetValue(format)!);
            var added = await services.GetRequiredService<TrainingTargetService>().AddAsync(new TrainingTargetNew(
                parse.GetValue(key)!, rules.Key, parse.GetValue(Name),
                parse.GetValue(MinExamples) ?? rules.MinimumExamples,
                parse.GetValue(TokenLimit) ?? rules.TokenLimitPerExample,
                parse.GetValue(Price) ?? 0,
                parse.GetValue(Status) ?? TrainingTargetService.Available,
                parse.GetValue(ClosesOn), parse.GetValue(Notice), parse.GetValue(Alternatives), parse.GetValue(kind)), Actor.Cli, ct);
            await WriteAsync(parse, [added]);
            return StudioCli.Success;
        });
        return command;
    }

    private static Command BuildUpdate()
    {
        var key = new Argument<string>("KEY") { Description = "The target's key" };
        var command = new Command("update", "Change a target's name, limits, price or status (what is not given stays)")
        {
            key, Name, MinExamples, TokenLimit, Price, Status, ClosesOn, Notice, Alternatives,
        };
        command.SetAction(async (parse, ct) =>
        {
            await using var services = await CliServices.OpenAsync(parse, createIfMissing: false, ct);
            var table = services.GetRequiredService<TrainingTargetService>();
            var current = await table.FindAsync(parse.GetValue(key), ct)
                ?? throw new CliException($"KEY: no training target '{parse.GetValue(key)}'; 'fts targets list' shows them");
            var status = parse.GetValue(Status) ?? current.Status;
            var updated = await table.UpdateAsync(current.Key, new TrainingTargetInput(
                parse.GetValue(Name) ?? current.Name,
                parse.GetValue(MinExamples) ?? current.MinExamples,
                parse.GetValue(TokenLimit) ?? current.TokenLimitPerExample,
                parse.GetValue(Price) ?? current.PricePerMillionTokens,
                status,
                parse.GetValue(ClosesOn) ?? current.ClosesOn,
                parse.GetValue(Notice) ?? current.Notice,
                parse.GetValue(Alternatives) ?? current.Alternatives), Actor.Cli, ct);
            await WriteAsync(parse, [updated]);
            return StudioCli.Success;
        });
        return command;
    }

    private static Option<string?> StatusOption()
    {
        var status = new Option<string?>("--status") { Description = "available, closing or closed" };
        status.AcceptOnlyFromAmong([.. TrainingTargetService.Statuses]);
        return status;
    }

    private static async Task WriteAsync(ParseResult parse, IReadOnlyList<TrainingTargetView> targets)
    {
        var console = CliConsole.Get();
        if (parse.GetValue(GlobalOptions.Json))
        {
            await console.WriteJsonAsync(targets);
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        await console.WriteTableAsync(["KEY", "FORMAT", "NAME", "MIN", "TOKEN LIMIT", "USD/M", "STATUS"], targets.Select(t => (IReadOnlyList<string>)
        [
            t.Key, t.Format, t.Name, t.MinExamples.ToString(inv), t.TokenLimitPerExample.ToString(inv), t.PricePerMillionTokens.ToString("0.00", inv),
            t.Status + (t.ClosesOn is { } d ? " " + d.ToString("yyyy-MM-dd", inv) : ""),
        ]));
    }
}
