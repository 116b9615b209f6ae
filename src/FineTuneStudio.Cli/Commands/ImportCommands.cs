using System.CommandLine;

namespace FineTuneStudio.Cli.Commands;

public static class ImportCommands
{
    /// <summary>The top-level commands of this feature.</summary>
    public static IEnumerable<Command> Build()
    {
        yield break;
    }
}
