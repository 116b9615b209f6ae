using System.CommandLine;
using FineTuneStudio.Cli.Commands;
using FineTuneStudio.Core;

namespace FineTuneStudio.Cli;

/// <summary>
/// The <c>fts</c> command line. Exit codes: 0 success, 1 invalid input or failed checks (errors on
/// stderr), 2 usage errors.
/// </summary>
public static class StudioCli
{
    public const int Success = 0;
    public const int Failed = 1;
    public const int UsageError = 2;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = BuildRootCommand();
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var parseError in parse.Errors)
            {
                await error.WriteLineAsync($"error: {parseError.Message}");
            }

            await error.WriteLineAsync("Run 'fts --help' for usage.");
            return UsageError;
        }

        var console = new CliConsole(output, error);
        CliConsole.Current.Value = console;
        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false }, cancellationToken);
        }
        catch (StudioValidationException e)
        {
            foreach (var inputError in e.Errors)
            {
                await error.WriteLineAsync($"error: {inputError}");
            }

            if (e.TotalCount > e.Errors.Count)
            {
                await error.WriteLineAsync($"error: … and {e.TotalCount - e.Errors.Count} more errors ({e.TotalCount} in all)");
            }

            return Failed;
        }
        catch (Exception e) when (e is NotFoundException or ConflictException or CliException)
        {
            await error.WriteLineAsync($"error: {e.Message}");
            return e is CliException { IsUsage: true } ? UsageError : Failed;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("cancelled");
            return Failed;
        }
        finally
        {
            CliConsole.Current.Value = null;
        }
    }

    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("FineTuneStudio command line: works on the studio database directly.");
        root.Options.Add(GlobalOptions.Db);
        root.Options.Add(GlobalOptions.Provider);
        root.Options.Add(GlobalOptions.Connection);
        root.Options.Add(GlobalOptions.Json);

        root.Subcommands.Add(MigrateCommand.Build());
        root.Subcommands.Add(UsersCommand.Build());
        root.Subcommands.Add(MembersCommand.Build());
        root.Subcommands.Add(TokensCommand.Build());
        root.Subcommands.Add(ProjectsCommand.Build());
        root.Subcommands.Add(DatasetsCommand.Build());
        root.Subcommands.Add(TargetsCommand.Build());
        root.Subcommands.Add(TrainingCommands.Build());
        foreach (var command in ReadinessCommands.Build()
                     .Concat(ImportCommands.Build())
                     .Concat(VersionCommands.Build())
                     .Concat(QualityCommands.Build())
                     .Concat(EvaluationCommands.Build())
                     .Concat(JudgeCommands.Build())
                     .Concat(FeedbackCommands.Build())
                     .Concat(SuggestionCommands.Build()))
        {
            root.Subcommands.Add(command);
        }
        return root;
    }
}

/// <summary>A problem the CLI reports itself (not from Core), e.g. a database file that does not exist.</summary>
public sealed class CliException : Exception
{
    public CliException(string message, bool isUsage = false) : base(message) => IsUsage = isUsage;

    public CliException()
    {
    }

    public CliException(string message) : base(message)
    {
    }

    public CliException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public bool IsUsage { get; }
}
