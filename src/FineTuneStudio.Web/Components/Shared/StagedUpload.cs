using FineTuneStudio.Core.Imports;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.JSInterop;

namespace FineTuneStudio.Web.Components.Shared;

/// <summary>
/// A file chosen on a page, copied in chunks over the circuit to a temporary file: a big file is never held in memory,
/// and it can be read again without choosing it again (checked, imported, imported leaving records out, its left-out
/// records copied out). The page disposes of it when another file is chosen or the page closes.
/// </summary>
internal sealed class StagedUpload : IDisposable
{
    private const int BufferBytes = 81920;
    private readonly string _path;

    private StagedUpload(string path, string name, long bytes) => (_path, Name, Bytes) = (path, name, bytes);

    public string Name { get; }

    public long Bytes { get; }

    /// <summary>Copies the chosen file, reporting the percentage copied; a file above the upload limit is refused first.</summary>
    public static async Task<StagedUpload> CopyAsync(IBrowserFile file, UploadLimitOptions limits, Func<double, Task> progress, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Path.GetTempPath(), $"fts-page-upload-{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var source = PageUploads.Open(file, limits, cancellationToken))
            await using (var target = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferBytes, useAsync: true))
            {
                var buffer = new byte[BufferBytes];
                long copied = 0;
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    copied += read;
                    await progress(file.Size == 0 ? 100 : 100.0 * copied / file.Size);
                }
            }

            return new StagedUpload(path, file.Name, file.Size);
        }
        catch
        {
            TryDelete(path);
            throw;
        }
    }

    public FileStream OpenRead() => new(_path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferBytes, useAsync: true);

    /// <summary>"tickets.left-out.csv" for "tickets.csv" (a gzip file's rejects are plain text).</summary>
    public string LeftOutFileName
    {
        get
        {
            var name = Path.GetFileName(Name);
            name = name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? name[..^3] : name;
            var extension = Path.GetExtension(name);
            return $"{Path.GetFileNameWithoutExtension(name)}.left-out{(extension.Length > 0 ? extension : ".txt")}";
        }
    }

    /// <summary>
    /// The records an import of this file left out, copied as they were and saved by the browser (they exist only in
    /// this page's session, so there is no address to link to).
    /// </summary>
    public async Task DownloadLeftOutAsync(IJSRuntime js, ImportFormat format, IReadOnlyCollection<int> lines, CancellationToken cancellationToken)
    {
        using var rejects = new MemoryStream();
        await using (var file = OpenRead())
        {
            await ImportRejects.WriteAsync(file, format, lines, rejects, cancellationToken);
        }

        rejects.Position = 0;
        await using var module = await js.InvokeAsync<IJSObjectReference>("import", cancellationToken, "./js/download.js");
        using var stream = new DotNetStreamReference(rejects, leaveOpen: true);
        await module.InvokeVoidAsync("saveStream", cancellationToken, LeftOutFileName, stream);
    }

    public void Dispose() => TryDelete(_path);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Still open by a run being cancelled; the OS clears its temp folder.
        }
    }
}
