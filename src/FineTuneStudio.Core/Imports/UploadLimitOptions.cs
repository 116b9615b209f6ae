using System.ComponentModel.DataAnnotations;

namespace FineTuneStudio.Core.Imports;

/// <summary><c>Studio:Imports</c>: the one upload limit for pages, the API and Kestrel.</summary>
public sealed class UploadLimitOptions
{
    public const string Section = "Studio:Imports";
    public const string MaxUploadBytesKey = Section + ":" + nameof(MaxUploadBytes);
    public const long DefaultMaxUploadBytes = 200L * 1024 * 1024;

    /// <summary>The largest file accepted; read through <c>IOptionsMonitor</c>, so a changed setting applies without a restart.</summary>
    [Range(1, long.MaxValue, ErrorMessage = MaxUploadBytesKey + " must be at least 1 byte")]
    public long MaxUploadBytes { get; set; } = DefaultMaxUploadBytes;
}
