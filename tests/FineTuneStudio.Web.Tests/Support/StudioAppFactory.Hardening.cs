namespace FineTuneStudio.Web.Tests.Support;

public partial class StudioAppFactory
{
    /// <summary>Where the host's Serilog file sink writes (one JSON event a line).</summary>
    public string LogFolder => Path.Combine(_folder, "logs");

    /// <summary>Every line the file sink has written so far; the host keeps the file open, so it is shared for reading.</summary>
    public async Task<string> ReadLogsAsync()
    {
        var text = new System.Text.StringBuilder();
        if (!Directory.Exists(LogFolder))
        {
            return "";
        }

        foreach (var file in Directory.GetFiles(LogFolder))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            text.Append(await reader.ReadToEndAsync());
        }

        return text.ToString();
    }
}
