using System.Text.RegularExpressions;

namespace FineTuneStudio.Web.Components.Layout;

/// <summary>Reads the current project and section out of a URL like /projects/3/examples.</summary>
public static partial class ProjectRoute
{
    public static (int? ProjectId, string Section) Parse(string relativePath)
    {
        var match = ProjectPath().Match(relativePath);
        if (!match.Success)
        {
            return (null, "");
        }

        return (int.Parse(match.Groups["id"].Value), match.Groups["section"].Success ? match.Groups["section"].Value : "");
    }

    public static string For(int projectId, string section) =>
        string.IsNullOrEmpty(section) ? $"projects/{projectId}" : $"projects/{projectId}/{section}";

    [GeneratedRegex(@"^projects/(?<id>\d+)(/(?<section>[a-z-]+))?", RegexOptions.CultureInvariant)]
    private static partial Regex ProjectPath();
}
