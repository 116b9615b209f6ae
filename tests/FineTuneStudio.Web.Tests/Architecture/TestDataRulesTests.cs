using System.Text.RegularExpressions;

namespace FineTuneStudio.Web.Tests.Architecture;

/// <summary>
/// Tests build their data and read the host's state through intent helpers on the factory
/// (Support/StudioAppFactory.*.cs), never by reaching into the host's container from a test body.
/// Read from the sources of Web.Tests and Browser.Tests, Support/ excepted.
/// </summary>
public sealed partial class TestDataRulesTests
{
    /// <summary>The one receiver whose container a test may use: the bUnit context the component tests render in.</summary>
    private const string BunitContext = "ctx";

    private static readonly string[] Projects = ["FineTuneStudio.Web.Tests", "FineTuneStudio.Browser.Tests"];

    [Fact]
    public void TestBodies_ReachTheHostsContainerOnlyThroughIntentHelpers()
    {
        var root = RepositoryRoot();
        var offenders = new List<string>();
        var scanned = 0;
        foreach (var project in Projects)
        {
            var folder = Path.Combine(root, "tests", project);
            foreach (var file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories).Where(f => !IsExcluded(folder, f)).Order(StringComparer.Ordinal))
            {
                scanned++;
                var lines = File.ReadAllLines(file);
                for (var i = 0; i < lines.Length; i++)
                {
                    var line = lines[i].Trim();
                    if ((line.StartsWith("using ", StringComparison.Ordinal) && line.EndsWith(';')) || line.StartsWith("//", StringComparison.Ordinal))
                    {
                        continue; // a namespace such as MudBlazor's, or a comment (e.g. one naming Serilog's ReadFrom): no container is touched
                    }

                    foreach (Match use in ContainerUse().Matches(lines[i]))
                    {
                        if (use.Groups["receiver"].Value != BunitContext)
                        {
                            offenders.Add($"{Path.GetRelativePath(root, file)}:{i + 1}: {use.Value} (add an intent helper to Support/StudioAppFactory.<Feature>.cs)");
                        }
                    }
                }
            }
        }

        scanned.ShouldBeGreaterThan(30, "the test sources should be found beside the solution");
        offenders.ShouldBeEmpty("test bodies reaching into the host's container instead of using an intent helper");
    }

    private static bool IsExcluded(string projectFolder, string file)
    {
        var parts = Path.GetRelativePath(projectFolder, file).Split(Path.DirectorySeparatorChar);
        return parts[0] is "Support" or "bin" or "obj";
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FineTuneStudio.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No FineTuneStudio.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>A member access of Services on a named receiver (app, browser.App, Factory, ...): the receiver is its last name.</summary>
    [GeneratedRegex(@"(?<![\w.])(?:[A-Za-z_]\w*\.)*(?<receiver>[A-Za-z_]\w*)\.Services\b")]
    private static partial Regex ContainerUse();
}
