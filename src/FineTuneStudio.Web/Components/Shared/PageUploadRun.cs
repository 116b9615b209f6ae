using FineTuneStudio.Core.Imports;
using Microsoft.AspNetCore.Components.Forms;

namespace FineTuneStudio.Web.Components.Shared;

/// <summary>
/// One upload on a page at a time: the chosen file copied to a temporary file with its progress shown, then the work
/// on it (an import that reads it line by line) off the circuit's thread, so the page goes on rendering. The page
/// shows it with <see cref="UploadProgressBar"/> and disables its button while <see cref="Busy"/>.
/// </summary>
public sealed class PageUploadRun(Func<Task> render)
{
    private static readonly TimeSpan RenderEvery = TimeSpan.FromMilliseconds(150);
    private DateTime _lastRender;

    public bool Busy { get; private set; }

    public double Percent { get; private set; }

    public string Text { get; private set; } = "";

    /// <summary>Copies <paramref name="file"/>, then runs <paramref name="work"/> on its text while showing <paramref name="workText"/>.</summary>
    public async Task<T> RunAsync<T>(IBrowserFile file, UploadLimitOptions limits, string workText, Func<TextReader, Task<T>> work, CancellationToken cancellationToken)
    {
        if (Busy)
        {
            throw new InvalidOperationException("An upload is already running on this page.");
        }

        (Busy, Percent, Text) = (true, 0, $"Uploading {file.Name}…");
        try
        {
            using var staged = await StagedUpload.CopyAsync(file, limits, async percent =>
            {
                Percent = percent;
                if (DateTime.UtcNow - _lastRender > RenderEvery)
                {
                    _lastRender = DateTime.UtcNow;
                    await render();
                }
            }, cancellationToken);
            (Percent, Text) = (100, workText);
            await render();
            // The parsers read synchronously; on the circuit's thread they would hold every render until they finish.
            return await Task.Run(async () =>
            {
                using var text = new StreamReader(staged.OpenRead());
                return await work(text);
            }, cancellationToken);
        }
        finally
        {
            (Busy, Text) = (false, "");
        }
    }
}
