using System.Runtime.CompilerServices;
using FineTuneStudio.Core.Imports;

namespace FineTuneStudio.Core.Tests.Imports;

/// <summary>
/// Fixture files are read from the source tree beside this file, so they need no copy-to-output item in the
/// project file and their bytes (BOM, CRLF, invalid UTF-8) stay exactly as written.
/// </summary>
internal static class ImportFixtures
{
    public static string PathOf(string name, [CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "Fixtures", name);

    public static FileStream Open(string name) => File.OpenRead(PathOf(name));

    public static async Task<List<ImportRow>> ParseJsonAsync(string name, ImportFormat format = ImportFormat.Auto)
    {
        await using var stream = Open(name);
        var rows = new List<ImportRow>();
        await foreach (var row in new JsonExampleParser().ParseAsync(stream, format, CancellationToken.None))
        {
            rows.Add(row);
        }

        return rows;
    }

    public static async Task<List<ImportRow>> ParseCsvAsync(string name, CsvMapping mapping)
    {
        await using var stream = Open(name);
        return await CollectAsync(new CsvExampleParser().ParseAsync(stream, mapping, CancellationToken.None));
    }

    public static async Task<List<ImportRow>> CollectAsync(IAsyncEnumerable<ImportRow> rows)
    {
        var list = new List<ImportRow>();
        await foreach (var row in rows)
        {
            list.Add(row);
        }

        return list;
    }

    public static List<InputError> Errors(IEnumerable<ImportRow> rows) => rows.SelectMany(r => r.Errors).ToList();
}
