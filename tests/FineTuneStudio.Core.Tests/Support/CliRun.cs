using FineTuneStudio.Cli;

namespace FineTuneStudio.Core.Tests.Support;

/// <summary>Runs <c>fts</c> in-process with captured output, as a script would see it.</summary>
public static class CliRun
{
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await StudioCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
