using System.Text;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Tests.Imports.ImportFixtures;

namespace FineTuneStudio.Core.Tests.Imports;

/// <summary>
/// Mangled CSV files (comma, tab and semicolon ones, in UTF-8 and UTF-16) through the parser and the import: never a
/// throw, every error on a line the file has, and a file with any error writes nothing.
/// </summary>
public class CsvImportFuzzTests
{
    private const int Seed = 20261207;

    private sealed record Template(string Name, CsvMapping Mapping);

    private static readonly Template[] Templates =
    [
        new("tickets.csv", new CsvMapping("question", "answer", "system", "label", "tags")),
        new("banking-tab.tsv", new CsvMapping("text", Label: "label")),
        new("excel-semicolon.csv", new CsvMapping("text", Label: "label")),
    ];

    private sealed record Case(string Kind, Template Template, byte[] Bytes);

    private static IEnumerable<Case> Cases()
    {
        var random = new Random(Seed);
        byte[][] inserts = ["\""u8.ToArray(), ","u8.ToArray(), "\t"u8.ToArray(), ";"u8.ToArray(), "\r"u8.ToArray(), "\n"u8.ToArray(),
            [0x00], [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xEF, 0xBB, 0xBF], "\"\""u8.ToArray(), "sep=|\n"u8.ToArray()];
        foreach (var template in Templates)
        {
            var bytes = File.ReadAllBytes(PathOf(template.Name));
            for (var i = 0; i < 60; i++)
            {
                var flipped = bytes.ToArray();
                for (var flips = random.Next(1, 4); flips > 0; flips--)
                {
                    flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
                }

                yield return new Case("byte flips", template, flipped);
            }

            for (var cut = 0; cut < bytes.Length; cut += Math.Max(1, bytes.Length / 40))
            {
                yield return new Case($"cut at {cut}", template, bytes[..cut]);
            }

            for (var i = 0; i < 60; i++)
            {
                var at = random.Next(bytes.Length + 1);
                var insert = inserts[random.Next(inserts.Length)];
                yield return new Case($"insert {Convert.ToHexString(insert)} at {at}", template, [.. bytes[..at], .. insert, .. bytes[at..]]);
            }

            var text = Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF');
            yield return new Case("UTF-16", template, [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(text)]);
            yield return new Case("UTF-16 with an odd byte", template, [0xFF, 0xFE, .. Encoding.Unicode.GetBytes(text), 0x41]);
            yield return new Case("UTF-16 mark before UTF-8", template, [0xFF, 0xFE, .. bytes]);
            yield return new Case("UTF-32 mark before UTF-16", template, [0xFF, 0xFE, 0x00, 0x00, .. Encoding.Unicode.GetBytes(text)]);
            var header = text[..text.IndexOf('\n')];
            yield return new Case("header only", template, Encoding.UTF8.GetBytes(header));
            yield return new Case("a field of 1 MB", template, Encoding.UTF8.GetBytes(text + new string('x', 1 << 20) + "\n"));
            yield return new Case("an unclosed quote to the end", template, Encoding.UTF8.GetBytes(text + "\"" + new string('y', 10_000)));
        }

        yield return new Case("empty", Templates[0], []);
        yield return new Case("only a byte order mark", Templates[0], [0xEF, 0xBB, 0xBF]);
        yield return new Case("only a UTF-16 mark", Templates[0], [0xFF, 0xFE]);
        yield return new Case("10,000 columns", Templates[1], Encoding.UTF8.GetBytes(string.Join(',', Enumerable.Range(0, 10_000).Select(i => $"c{i}")) + ",text,label\n"));
        for (var i = 0; i < 40; i++)
        {
            var noise = new byte[random.Next(1, 2000)];
            random.NextBytes(noise);
            yield return new Case("random bytes", Templates[random.Next(Templates.Length)], noise);
        }
    }

    /// <summary>Physical lines as an editor counts them (CR, LF or CRLF each end one), plus one for a last line without an end.</summary>
    private static int LineCount(byte[] bytes) =>
        bytes.Select((b, i) => b == '\n' || (b == '\r' && (i + 1 == bytes.Length || bytes[i + 1] != '\n'))).Count(end => end) + 1;

    [Fact]
    public async Task ParseAsync_MangledCsv_NeverThrows_AndEveryErrorIsOnALineTheFileHas()
    {
        var failures = new List<string>();
        var count = 0;
        foreach (var item in Cases())
        {
            count++;
            try
            {
                await using var stream = new MemoryStream(item.Bytes);
                var rows = await CollectAsync(new CsvExampleParser().ParseAsync(stream, item.Template.Mapping, CancellationToken.None));
                // A UTF-16 file counts its lines in two-byte characters, so the byte count only bounds them from above.
                var lines = LineCount(item.Bytes);
                var stray = Errors(rows).Where(e => e.Line is not { } line || line < 1 || line > lines).ToList();
                if (stray.Count > 0)
                {
                    failures.Add($"{item.Template.Name}, {item.Kind}: an error outside lines 1-{lines}: {string.Join("; ", stray)}");
                }
            }
            catch (Exception ex)
            {
                failures.Add($"{item.Template.Name}, {item.Kind}: threw {ex.GetType().Name}: {ex.Message}");
            }
        }

        count.ShouldBeGreaterThan(500);
        failures.ShouldBeEmpty(string.Join("\n", failures.Take(30)));
    }

    [Fact]
    public async Task ImportAsync_MangledCsv_NeverThrows_AndAFileWithAnErrorWritesNothing()
    {
        var now = new DateTime(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc);
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = (await new Seed(database, now).DatasetAsync("Fuzz", "csv")).DatasetId;
        var service = new ImportService(database, new ManualClock(now));
        var failures = new List<string>();
        var imported = 0;
        foreach (var item in Cases())
        {
            await using var db = database.CreateDbContext();
            var before = await db.Examples.CountAsync();
            try
            {
                await using var file = new MemoryStream(item.Bytes);
                var options = new ImportOptions { CsvMapping = item.Template.Mapping, DuplicatePolicy = DuplicatePolicy.Keep };
                var result = await service.ImportAsync(datasetId, file, options, new Actor("user-1", "Dana"), null, CancellationToken.None);
                var after = await db.Examples.CountAsync();
                if (!result.Succeeded && after != before)
                {
                    failures.Add($"{item.Template.Name}, {item.Kind}: {result.Errors.Count} errors, yet {after - before} examples were written");
                }

                if (result.Succeeded && after - before != result.Imported)
                {
                    failures.Add($"{item.Template.Name}, {item.Kind}: reported {result.Imported} imported, wrote {after - before}");
                }

                imported += result.Succeeded ? 1 : 0;
            }
            catch (Exception ex) when (ex is not StudioValidationException)
            {
                failures.Add($"{item.Template.Name}, {item.Kind}: threw {ex.GetType().Name}: {ex.Message}");
            }
        }

        failures.ShouldBeEmpty(string.Join("\n", failures.Take(30)));
        // Some mangling leaves a file that is still whole (a letter changed inside a text): those import.
        imported.ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task ImportAsync_MangledCsvSkippingInvalid_WritesWhatTheRefusalPromised_OrNothingWhenTheFileIsBroken()
    {
        var now = new DateTime(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc);
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = (await new Seed(database, now).DatasetAsync("Fuzz", "csv")).DatasetId;
        var service = new ImportService(database, new ManualClock(now));
        var actor = new Actor("user-1", "Dana");
        var failures = new List<string>();
        var partly = 0;
        foreach (var item in Cases())
        {
            var refuse = new ImportOptions { CsvMapping = item.Template.Mapping, DuplicatePolicy = DuplicatePolicy.Keep, DryRun = true };
            var refused = await service.ImportAsync(datasetId, new MemoryStream(item.Bytes), refuse, actor, null, CancellationToken.None);
            await using var db = database.CreateDbContext();
            var before = await db.Examples.CountAsync();
            try
            {
                var options = refuse with { DryRun = false, InvalidRecords = InvalidRecordPolicy.Skip };
                var result = await service.ImportAsync(datasetId, new MemoryStream(item.Bytes), options, actor, null, CancellationToken.None);
                var written = await db.Examples.CountAsync() - before;
                var expected = refused.Succeeded ? refused.Imported : refused.CanSkipInvalid ? refused.ValidRecords : 0;
                if (result.Succeeded != (refused.Succeeded || refused.CanSkipInvalid) || written != expected || result.Imported != (result.Succeeded ? expected : 0))
                {
                    failures.Add($"{item.Template.Name}, {item.Kind}: the refusal promised {expected}, skipping imported {result.Imported} and wrote {written}");
                }

                partly += refused.CanSkipInvalid ? 1 : 0;
                if (result.Succeeded && result.InvalidRecords > 0)
                {
                    // The rejects file holds exactly the records left out: each copied one is refused again, none imports.
                    using var rejects = new MemoryStream();
                    var copied = await ImportRejects.WriteAsync(new MemoryStream(item.Bytes), result.Format, result.LeftOutLines, rejects, CancellationToken.None);
                    var again = await service.ImportAsync(datasetId, new MemoryStream(rejects.ToArray()), refuse, actor, null, CancellationToken.None);
                    if (copied.Copied + copied.NotCopied != result.InvalidRecords || (copied.Copied > 0 && (again.ValidRecords != 0 || again.InvalidRecords != copied.Copied)))
                    {
                        failures.Add($"{item.Template.Name}, {item.Kind}: {result.InvalidRecords} left out, {copied} in the rejects file, which read back as {again.InvalidRecords} with problems and {again.ValidRecords} without: {string.Join(" / ", again.Errors)}");
                    }
                }
            }
            catch (Exception ex) when (ex is not StudioValidationException)
            {
                failures.Add($"{item.Template.Name}, {item.Kind}: threw {ex.GetType().Name}: {ex.Message}");
            }
        }

        failures.ShouldBeEmpty(string.Join("\n", failures.Take(30)));
        // Flipped bytes and inserted separators break single rows: many files import in part.
        partly.ShouldBeGreaterThan(20);
    }
}
