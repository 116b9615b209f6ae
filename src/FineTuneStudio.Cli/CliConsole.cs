using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTuneStudio.Cli;

/// <summary>Where a command writes; tests run commands in-process with their own writers.</summary>
public sealed class CliConsole(TextWriter output, TextWriter error)
{
    public static readonly AsyncLocal<CliConsole?> Current = new();

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static CliConsole Get() => Current.Value ?? new CliConsole(Console.Out, Console.Error);

    public TextWriter Out { get; } = output;

    public TextWriter Error { get; } = error;

    public Task WriteJsonAsync<T>(T value) => Out.WriteLineAsync(JsonSerializer.Serialize(value, JsonOptions));

    /// <summary>The value's JSON object with one more property, so a script reading the plain output reads this one too.</summary>
    public Task WriteJsonAsync<T, TExtra>(T value, string name, TExtra extra)
    {
        var node = JsonSerializer.SerializeToNode(value, JsonOptions)!.AsObject();
        node[name] = JsonSerializer.SerializeToNode(extra, JsonOptions);
        return Out.WriteLineAsync(node.ToJsonString(JsonOptions));
    }

    /// <summary>A plain aligned table; the last column may be long.</summary>
    public async Task WriteTableAsync(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        await Out.WriteLineAsync(string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        foreach (var row in all)
        {
            await Out.WriteLineAsync(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }
    }
}
