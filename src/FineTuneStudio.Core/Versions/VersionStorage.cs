namespace FineTuneStudio.Core.Versions;

/// <summary><c>Studio:Storage</c>: where version folders live.</summary>
public sealed class StorageOptions
{
    public const string Section = "Studio:Storage";

    /// <summary>Empty: <c>data/storage</c> at the repository root (beside the default SQLite file).</summary>
    public string? Root { get; set; }
}

/// <summary>
/// Where version folders live: <see cref="StorageOptions.Root"/>, else <c>data/storage</c> at the repository root
/// (beside the default SQLite file, so the web app and the CLI find the same folders).
/// </summary>
public sealed record VersionStorage(string Root)
{
    public static VersionStorage For(StorageOptions options) =>
        new(Path.GetFullPath(string.IsNullOrWhiteSpace(options.Root) ? DefaultRoot() : options.Root));

    public static string DefaultRoot() =>
        Path.Combine(Path.GetDirectoryName(Data.StudioDatabaseSettings.DefaultDatabasePath())!, "storage");

    /// <summary>Temporary folders are made here, on the same volume as the final ones, so the rename is atomic.</summary>
    public string TempRoot => Path.Combine(Root, "tmp");

    public string FullPath(string relative) => Path.GetFullPath(Path.Combine(Root, relative));
}
