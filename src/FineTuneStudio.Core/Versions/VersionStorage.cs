using Microsoft.Extensions.Configuration;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// Where version folders live: <c>Studio:Storage:Root</c>, else <c>data/storage</c> at the repository root
/// (beside the default SQLite file, so the web app and the CLI find the same folders).
/// </summary>
public sealed record VersionStorage(string Root)
{
    public const string Setting = "Studio:Storage:Root";

    public static VersionStorage From(IConfiguration configuration)
    {
        var configured = configuration[Setting];
        return new VersionStorage(Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? DefaultRoot() : configured));
    }

    public static string DefaultRoot() =>
        Path.Combine(Path.GetDirectoryName(Data.StudioDatabaseSettings.DefaultDatabasePath())!, "storage");

    /// <summary>Temporary folders are made here, on the same volume as the final ones, so the rename is atomic.</summary>
    public string TempRoot => Path.Combine(Root, "tmp");

    public string FullPath(string relative) => Path.GetFullPath(Path.Combine(Root, relative));
}
