using System.CommandLine;

namespace FineTuneStudio.Cli.Commands;

public static class QualityCommands
{
    /// <summary>The top-level commands of this feature.</summary>
    public static IEnumerable<Command> Build()
    {
        yield break;
    }
}
