using System.Text.Json;
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

    /// <summary>Runs a command on a database with --json; fails the test unless it exits 0, naming the command and its stderr.</summary>
    public static async Task<JsonElement> JsonAsync(string dbPath, params string[] args)
    {
        var result = await RunAsync([.. args, "--db", dbPath, "--json"]);
        result.ExitCode.ShouldBe(0, $"{string.Join(' ', args)}: {result.Error}");
        using var document = JsonDocument.Parse(result.Output);
        return document.RootElement.Clone();
    }
}
