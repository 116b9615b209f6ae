using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Quality;
using FineTuneStudio.Core.Training;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Bench;

/// <summary>
/// Measures import, the example list, export, validation and the quality report on generated datasets.
/// Usage: <c>FineTuneStudio.Bench [N ...]</c> (default 10000 100000). Every step runs in its own child process
/// so its peak working set (VmHWM) is its own; the parent prints one Markdown table.
/// <c>FineTuneStudio.Bench step NAME FOLDER</c> runs one step (used by the parent).
/// Set FTS_BENCH_SKIP to a comma list of steps to leave out (e.g. quality, or import-floor,export-floor), FTS_BENCH_KEEP=1 to keep the folder.
/// The floors (<see cref="Floors"/>) run on the same file in the same run; import, export and validate show their ratio to them.
/// </summary>
public static class Program
{
    private static readonly string[] Steps = ["import", "import-floor", "list", "export", "export-floor", "validate", "validate-floor", "quality", "export-held-out", "estimate-held-out", "parse-shapes", "import-skip-invalid", "import-rejects"];

    /// <summary>The floor each step is compared with.</summary>
    private static readonly Dictionary<string, string> FloorOf = new()
    {
        ["import"] = "import-floor", ["export"] = "export-floor", ["validate"] = "validate-floor", ["judge-run"] = "judge-floor", ["eval-import-vertex"] = "eval-import-floor", ["eval-generate"] = "eval-generate-floor",
    };

    /// <summary>The generated file with one line in a hundred cut in half (once per folder), and how many were cut.</summary>
    private static async Task<(string Path, int Cut)> DamagedCopyAsync(string data, string folder, CancellationToken ct)
    {
        var damaged = Path.Combine(folder, "data-damaged.jsonl");
        var (number, cut) = (0, 0);
        var write = !File.Exists(damaged);
        await using var writer = write ? new StreamWriter(damaged) : null;
        await foreach (var line in File.ReadLinesAsync(data, ct))
        {
            var broken = ++number % 100 == 0;
            cut += broken ? 1 : 0;
            if (writer is not null)
            {
                await writer.WriteLineAsync(broken ? line[..(line.Length / 2)] : line);
            }
        }

        return (damaged, cut);
    }

    public static async Task<int> Main(string[] args)
    {
        if (args is ["step", var stepName, var stepFolder])
        {
            var result = await RunStepAsync(stepName, stepFolder);
            Console.WriteLine("RESULT " + JsonSerializer.Serialize(result));
            return 0;
        }

        if (args is ["evals", .. var evalSizes])
        {
            return await EvalsAsync(evalSizes.Length == 0 ? [20_000, 100_000] : evalSizes.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray());
        }

        if (args is ["judges", .. var judgeSizes])
        {
            return await JudgesAsync(judgeSizes.Length == 0 ? [1_000, 10_000] : judgeSizes.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray());
        }

        var sizes = args.Length == 0 ? [10_000, 100_000] : args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
        var skip = (Environment.GetEnvironmentVariable("FTS_BENCH_SKIP") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var rows = new List<(int N, StepResult Result)>();
        foreach (var n in sizes)
        {
            var folder = Directory.CreateTempSubdirectory($"fts-bench-{n}-").FullName;
            try
            {
                var file = Path.Combine(folder, "data.jsonl");
                var bytes = DatasetGenerator.Write(file, n);
                await Console.Error.WriteLineAsync($"{n:N0} examples: generated {bytes / 1048576.0:0.0} MB of JSONL in {folder}");
                foreach (var step in Steps.Where(s => !skip.Contains(s)))
                {
                    if (step == "validate-floor" && Floors.CookbookChecksScript() is null)
                    {
                        await Console.Error.WriteLineAsync("  validate-floor: skipped, Node.js or bench/validate-floor/node_modules missing (scripts/bench.sh installs them)");
                        continue;
                    }

                    var result = RunChild(step, folder);
                    await Console.Error.WriteLineAsync($"  {step}: {result.Seconds:0.00} s ({result.CpuSeconds:0.0} s CPU), peak {result.PeakMb:0} MB, {result.Detail}");
                    rows.Add((n, result));
                }
            }
            finally
            {
                // FTS_BENCH_KEEP=1 leaves the file and database for `FineTuneStudio.Bench step NAME FOLDER` runs by hand.
                if (Environment.GetEnvironmentVariable("FTS_BENCH_KEEP") == "1")
                {
                    await Console.Error.WriteLineAsync($"kept {folder}");
                }
                else
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        }

        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, SQLite file; peak = the step's process peak working set (VmHWM), start-up included; GC gen0 budget {Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? "0x2000000"}.");
        Console.WriteLine();
        Console.WriteLine("| examples | step | seconds | CPU s | ratio | throughput | peak MB | detail |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---|");
        foreach (var (n, r) in rows)
        {
            Console.WriteLine($"| {n:N0} | {r.Step} | {r.Seconds:0.0} | {r.CpuSeconds:0.0} | {Ratio(rows, n, r)} | {r.Throughput} | {r.PeakMb:0} | {r.Detail} |");
        }

        Console.WriteLine();
        Console.WriteLine("ratio: seconds over the floor's seconds in the same run (CPU seconds over the floor's in brackets); " +
                          "for validate below 1: 0.20× is five times faster than OpenAI's cookbook checks (Node.js, gpt-tokenizer).");

        return 0;
    }

    /// <summary><c>FineTuneStudio.Bench judges [N ...]</c>: the judge steps (<see cref="JudgeBench"/>) on blind reviews of N pairs.</summary>
    private static Task<int> JudgesAsync(int[] sizes) => RunSizesAsync("pairs", sizes, JudgeBench.Steps, JudgeBench.StartEndpoint,
        "the scripted endpoint runs in the parent process and answers at once.");

    /// <summary><c>FineTuneStudio.Bench evals [N ...]</c>: eval runs from batch predictions (<see cref="EvalBench"/>) on sets of N items.</summary>
    private static Task<int> EvalsAsync(int[] sizes) => RunSizesAsync("items", sizes, EvalBench.Steps, (folder, n) =>
    {
        EvalBench.Prepare(folder, n);
        return null;
    }, "peak = the step's process peak working set (VmHWM), start-up included.");

    /// <summary>
    /// Runs <paramref name="steps"/> for each size in a temporary folder (each step its own process) after
    /// <paramref name="prepare"/>, whose result lives until the size's last step, then prints one Markdown table.
    /// </summary>
    private static async Task<int> RunSizesAsync(string unit, int[] sizes, IReadOnlyList<string> steps, Func<string, int, IAsyncDisposable?> prepare, string note)
    {
        var rows = new List<(int N, StepResult Result)>();
        foreach (var n in sizes)
        {
            var folder = Directory.CreateTempSubdirectory($"fts-bench-{unit}-{n}-").FullName;
            try
            {
                await using var prepared = prepare(folder, n);
                foreach (var step in steps)
                {
                    var result = RunChild(step, folder);
                    await Console.Error.WriteLineAsync($"  {n:N0} {unit}, {step}: {result.Seconds:0.00} s ({result.CpuSeconds:0.0} s CPU), peak {result.PeakMb:0} MB, {result.Detail}");
                    rows.Add((n, result));
                }
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, SQLite file; {note}");
        Console.WriteLine();
        Console.WriteLine($"| {unit} | step | seconds | CPU s | ratio | throughput | peak MB | detail |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---|");
        foreach (var (n, r) in rows)
        {
            Console.WriteLine($"| {n:N0} | {r.Step} | {r.Seconds:0.0} | {r.CpuSeconds:0.0} | {Ratio(rows, n, r)} | {r.Throughput} | {r.PeakMb:0} | {r.Detail} |");
        }

        return 0;
    }

    /// <summary>The step's wall-clock ratio to its floor of the same size (CPU ratio in brackets), or blank without one.</summary>
    private static string Ratio(List<(int N, StepResult Result)> rows, int n, StepResult step) =>
        FloorOf.TryGetValue(step.Step, out var floorName) && rows.FirstOrDefault(r => r.N == n && r.Result.Step == floorName).Result is { } floor
            ? $"{step.Seconds / Math.Max(floor.Seconds, 1e-6):0.0#}× ({step.CpuSeconds / Math.Max(floor.CpuSeconds, 1e-6):0.0#}×)"
            : "";

    private static StepResult RunChild(string step, string folder)
    {
        var self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, UseShellExecute = false };
        // The GC sizes its youngest generation from the L3 cache (260 MB on some servers), so garbage alone can lift
        // the peak by a couple of hundred megabytes before the first collection. A fixed 32 MB budget makes the
        // peak show what a step keeps, comparable across machines; set DOTNET_GCgen0size yourself to override.
        if (Environment.GetEnvironmentVariable("DOTNET_GCgen0size") is null)
        {
            start.Environment["DOTNET_GCgen0size"] = "0x2000000";
        }

        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            start.ArgumentList.Add(typeof(Program).Assembly.Location);
        }

        foreach (var a in new[] { "step", step, folder })
        {
            start.ArgumentList.Add(a);
        }

        using var child = Process.Start(start)!;
        var output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        if (child.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"step {step} failed (exit {child.ExitCode}): {output}");
        }

        return JsonSerializer.Deserialize<StepResult>(line["RESULT ".Length..])!;
    }

    private static async Task<StepResult> RunStepAsync(string step, string folder)
    {
        // The import floor writes a database of its own; every other step reads the product's import.
        var databaseFile = Path.Combine(folder, step == "import-floor" ? "floor.db" : "bench.db");
        var settings = new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(databaseFile));
        // Studio__Section__Key variables override settings, as in the app (e.g. Studio__Examples__SearchCountCap=1000).
        var overrides = Environment.GetEnvironmentVariables().Keys.OfType<string>().Where(k => k.StartsWith("Studio__", StringComparison.Ordinal))
            .ToDictionary(k => k.Replace("__", ":", StringComparison.Ordinal), k => Environment.GetEnvironmentVariable(k));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [StudioDatabaseOptions.ProviderKey] = settings.Provider.ToString(),
            [StudioDatabaseOptions.ConnectionStringKey] = settings.ConnectionString,
            [StorageOptions.Section + ":" + nameof(StorageOptions.Root)] = Path.Combine(folder, "storage"),
        }).AddInMemoryCollection(overrides).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Error));
        services.AddStudioCore(configuration);
        await using var provider = services.BuildServiceProvider();
        var factory = provider.GetRequiredService<IDbContextFactory<StudioDbContext>>();
        var ct = CancellationToken.None;
        var datasetFile = Path.Combine(folder, "dataset.txt");
        var data = Path.Combine(folder, "data.jsonl");
        var watch = new Stopwatch();
        if (step is "export" or "validate")
        {
            // The tokenizer's vocabulary loads once per process; load it before the clock starts, as a running server would have.
            _ = TokenCounter.O200k.Count("warm up");
        }

        StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;

        if (EvalBench.Steps.Contains(step))
        {
            return await EvalBench.RunStepAsync(step, folder, provider, settings, watch, ct);
        }

        if (JudgeBench.Steps.Contains(step))
        {
            return await JudgeBench.RunStepAsync(step, folder, provider, settings, watch, ct);
        }

        switch (step)
        {
            case "import":
            {
                var datasetId = await CreateDatasetAsync(factory, settings, ct);
                await File.WriteAllTextAsync(datasetFile, datasetId.ToString(CultureInfo.InvariantCulture), ct);
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                await using var stream = new FileStream(data, FileMode.Open, FileAccess.Read, FileShare.Read, 81_920, useAsync: true);
                var result = await provider.GetRequiredService<ImportService>().ImportAsync(datasetId, stream,
                    new ImportOptions { Format = ImportFormat.Chat, Status = ExampleStatus.Approved }, Actor.System, null, ct);
                watch.Stop();
                result.EnsureSucceeded();
                return StepResult.Of(step, watch, result.Imported + result.SkippedDuplicates, "rows", $"{result.Imported:N0} imported, {result.SkippedDuplicates:N0} duplicates skipped");
            }

            case "import-skip-invalid":
            {
                // The same file with one line in a hundred cut short, imported leaving those out, into a dataset of its own.
                var (damaged, cut) = await DamagedCopyAsync(data, folder, ct);
                var datasetId = await CreateDatasetAsync(factory, settings, ct, project: "Bench, damaged file");
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                await using var stream = new FileStream(damaged, FileMode.Open, FileAccess.Read, FileShare.Read, 81_920, useAsync: true);
                var result = await provider.GetRequiredService<ImportService>().ImportAsync(datasetId, stream,
                    new ImportOptions { Format = ImportFormat.Chat, Status = ExampleStatus.Approved, InvalidRecords = InvalidRecordPolicy.Skip }, Actor.System, null, ct);
                watch.Stop();
                result.EnsureSucceeded();
                if (result.InvalidRecords != cut)
                {
                    throw new InvalidOperationException($"{cut} lines were cut short but {result.InvalidRecords} records were left out");
                }

                return StepResult.Of(step, watch, result.Imported + result.SkippedDuplicates + result.InvalidRecords, "rows",
                    $"{result.Imported:N0} imported, {result.SkippedDuplicates:N0} duplicates skipped, {result.InvalidRecords:N0} cut-short lines left out");
            }

            case "import-rejects":
            {
                // The records the step above leaves out, copied out of the damaged file: one more pass over it.
                var (damaged, cut) = await DamagedCopyAsync(data, folder, ct);
                var datasetId = await CreateDatasetAsync(factory, settings, ct, project: "Bench, rejects");
                ImportResult checkedOnly;
                await using (var input = File.OpenRead(damaged))
                {
                    checkedOnly = await provider.GetRequiredService<ImportService>().ImportAsync(datasetId, input,
                        new ImportOptions { Format = ImportFormat.Chat, InvalidRecords = InvalidRecordPolicy.Skip, DryRun = true }, Actor.System, null, ct);
                }

                var rejectsPath = Path.Combine(folder, "rejects.jsonl");
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                RejectsWritten written;
                await using (var source = new FileStream(damaged, FileMode.Open, FileAccess.Read, FileShare.Read, 81_920, useAsync: true))
                await using (var output = File.Create(rejectsPath))
                {
                    written = await ImportRejects.WriteAsync(source, checkedOnly.Format, checkedOnly.LeftOutLines, output, ct);
                }

                watch.Stop();
                var copiedLines = File.ReadLines(rejectsPath).Count();
                if (written.Copied != cut || copiedLines != cut)
                {
                    throw new InvalidOperationException($"{cut} lines were cut short but {written.Copied} were copied ({copiedLines} lines in the file)");
                }

                return StepResult.Of(step, watch, checkedOnly.ValidRecords + checkedOnly.InvalidRecords, "rows",
                    $"{written.Copied:N0} left-out lines copied from {new FileInfo(damaged).Length / 1048576.0:0.0} MB");
            }

            case "import-floor":
            {
                var datasetId = await CreateDatasetAsync(factory, settings, ct);
                await using (var db = await factory.CreateDbContextAsync(ct))
                {
                    // The floor fills the index itself, once, after the rows.
                    await db.Database.ExecuteSqlRawAsync("DROP TRIGGER \"Examples_SearchInsert\"", ct);
                }

                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                var (imported, skipped) = await Floors.ImportAsync(settings.ConnectionString, datasetId, data, ct);
                watch.Stop();
                return StepResult.Of(step, watch, imported + skipped, "rows",
                    $"{imported:N0} inserted, {skipped:N0} duplicates skipped: prepared inserts, SHA-256, FTS5 trigram index filled once, one transaction");
            }

            case "export-floor":
            {
                watch.Start();
                var (rowCount, bytes) = await Floors.ExportAsync(settings.ConnectionString, Path.Combine(folder, "floor.jsonl"), ct);
                watch.Stop();
                return StepResult.Of(step, watch, rowCount, "rows",
                    $"{rowCount:N0} Examples and ExampleMessages rows as JSON lines, {bytes / 1048576.0:0.0} MB");
            }

            case "list":
            {
                var datasetId = await ReadDatasetIdAsync(datasetFile);
                var service = provider.GetRequiredService<ExampleList>();
                var shapes = new Func<int, ExampleQuery>[]
                {
                    _ => new ExampleQuery(datasetId),
                    i => new ExampleQuery(datasetId, Page: 100 + i),
                    _ => new ExampleQuery(datasetId, Status: ExampleStatus.Approved, Sort: ExampleSort.Updated, Descending: true),
                    i => new ExampleQuery(datasetId, Search: DatasetGenerator.Products[i % DatasetGenerator.Products.Length]),
                };
                var times = new List<double>();
                var searchTimes = new List<double>();
                watch.Start();
                foreach (var shape in shapes)
                {
                    await service.ListAsync(shape(0), ct);
                    for (var i = 0; i < 20; i++)
                    {
                        var one = Stopwatch.StartNew();
                        await service.ListAsync(shape(i), ct);
                        times.Add(one.Elapsed.TotalMilliseconds);
                        if (shape == shapes[^1])
                        {
                            searchTimes.Add(one.Elapsed.TotalMilliseconds);
                        }
                    }
                }

                watch.Stop();
                times.Sort();
                searchTimes.Sort();
                var median = times[times.Count / 2];
                var p95 = times[(int)Math.Ceiling(times.Count * 0.95) - 1];
                var searchMedian = searchTimes[searchTimes.Count / 2];
                var searchP95 = searchTimes[(int)Math.Ceiling(searchTimes.Count * 0.95) - 1];
                return StepResult.Of(step, watch, median, "ms",
                    $"{times.Count} page queries (first page, deep page, newest approved, search): p95 {p95:0.0} ms; search alone: median {searchMedian:0.0} ms, p95 {searchP95:0.0} ms");
            }

            case "export":
            {
                var datasetId = await ReadDatasetIdAsync(datasetFile);
                watch.Start();
                var version = await provider.GetRequiredService<VersionCutter>().CutAsync(
                    new CutRequest(datasetId, TrainingTargets.OpenAiChat), Actor.System, null, ct);
                watch.Stop();
                var dataBytes = version.Files.Where(f => f.Name.EndsWith(".jsonl", StringComparison.Ordinal)).Sum(f => f.Bytes);
                var root = provider.GetRequiredService<VersionStorage>().Root;
                var train = Directory.EnumerateFiles(root, "train.jsonl", SearchOption.AllDirectories).Single();
                File.Copy(train, Path.Combine(folder, "train.jsonl"), overwrite: true);
                return StepResult.Of(step, watch, version.Total, "examples",
                    $"{version.TrainCount:N0} train + {version.ValidationCount:N0} validation lines, {dataBytes / 1048576.0:0.0} MB, {dataBytes / 1048576.0 / Math.Max(watch.Elapsed.TotalSeconds, 1e-6):0.00} MB/s wall");
            }

            case "export-held-out":
            {
                // A held-out file of 500 of the dataset's own conversations, imported as an eval set (no source ids),
                // so the cut must find them by what they ask: the extra pass over every example's turns.
                var datasetId = await ReadDatasetIdAsync(datasetFile);
                int projectId;
                await using (var db = await factory.CreateDbContextAsync(ct))
                {
                    projectId = await db.Datasets.Where(d => d.Id == datasetId).Select(d => d.ProjectId).SingleAsync(ct);
                }

                var lines = File.ReadLines(data).Take(500).Select((line, i) => $"{{\"id\": \"h{i}\", {line.Trim()[1..]}");
                var sets = provider.GetRequiredService<FineTuneStudio.Core.Evaluation.EvalSets>();
                var set = await sets.CreateSetAsync(projectId, new FineTuneStudio.Core.Evaluation.EvalSetInput("Held out", "", ["exact"]), Actor.System, ct);
                await sets.ImportItemsAsync(set.Id, string.Join('\n', lines), "held-out.jsonl", Actor.System, ct);
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                var version = await provider.GetRequiredService<VersionCutter>().CutAsync(
                    new CutRequest(datasetId, TrainingTargets.OpenAiChat), Actor.System, null, ct);
                watch.Stop();
                return StepResult.Of(step, watch, version.Total, "examples",
                    $"cut with a 500-item eval set imported from the dataset's own file: {version.TrainCount:N0} train + {version.ValidationCount:N0} validation lines written");
            }

            case "estimate-held-out":
            {
                // The cut form's estimate after export-held-out made the eval set: it finds the held-out examples each time.
                var datasetId = await ReadDatasetIdAsync(datasetFile);
                var estimates = provider.GetRequiredService<CutEstimates>();
                watch.Start();
                var estimate = await estimates.EstimateAsync(datasetId, TrainingTargets.OpenAiChat, CutStatusFilter.Approved, [], 0.1, 0, ct);
                watch.Stop();
                // The form's next change, with nothing changed in the data: the held-out set is kept.
                var again = Stopwatch.StartNew();
                await estimates.EstimateAsync(datasetId, TrainingTargets.OpenAiChat, CutStatusFilter.Approved, [], 0.2, 0, ct);
                again.Stop();
                return StepResult.Of(step, watch, estimate.Examples, "examples",
                    $"first estimate of a cut: {estimate.Examples:N0} selected, {estimate.HeldOut:N0} held out by the 500-item eval set, {estimate.TrainExamples:N0} to train; the next one {again.Elapsed.TotalSeconds:0.00} s");
            }

            case "parse-shapes":
            {
                // The same conversations in three shapes people carry: OpenAI chat as generated, HH-RLHF transcripts
                // (chosen and rejected as Human:/Assistant: text), Dolly instruction records. Parsing only, no database.
                var shapes = ShapeFiles.Write(data, folder);
                var details = new List<string>();
                long rows = 0;
                foreach (var (shape, path) in shapes)
                {
                    var shapeWatch = Stopwatch.StartNew();
                    watch.Start();
                    long count = 0;
                    await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81_920, useAsync: true))
                    {
                        await foreach (var row in new JsonExampleParser().ParseAsync(stream, ImportFormat.Auto, ct))
                        {
                            count += row.IsValid ? 1 : throw new InvalidOperationException($"{shape} line {row.Line}: {string.Join("; ", row.Errors)}");
                        }
                    }

                    watch.Stop();
                    rows += count;
                    details.Add($"{shape} {count / shapeWatch.Elapsed.TotalSeconds:N0} rows/s");
                }

                return StepResult.Of(step, watch, rows, "rows", string.Join(", ", details));
            }

            case "validate":
            {
                var train = Path.Combine(folder, "train.jsonl");
                watch.Start();
                await using var stream = new FileStream(train, FileMode.Open, FileAccess.Read, FileShare.Read, 256 * 1024, useAsync: true);
                var report = await JsonlFileValidation.ValidateAsync(stream, TrainingTargets.OpenAiChatProfile, null, null, ct);
                watch.Stop();
                return StepResult.Of(step, watch, report.LineCount, "lines",
                    $"{report.LineCount:N0} lines, {report.ErrorCount} errors, {report.Tokens.Total:N0} tokens (tools included), median {report.Tokens.Median:0}");
            }

            case "validate-floor":
            {
                var checks = await Floors.CookbookChecksAsync(Path.Combine(folder, "train.jsonl"), TokenCounter.O200kBase, ct);
                return new StepResult(step, checks.Seconds, checks.CpuSeconds, checks.Lines, "lines", checks.PeakMb,
                    $"{checks.Lines:N0} lines, {checks.TokensTotal:N0} message tokens: OpenAI's cookbook checks in Node.js with gpt-tokenizer (clock from the loaded encoding, as for validate)");
            }

            case "search-profile":
            {
                // Where a broad search's time goes: the id query alone on one open connection, then the example list's call.
                var datasetId = await ReadDatasetIdAsync(datasetFile);
                var parts = new List<string>();
                await using (var connection = new Microsoft.Data.Sqlite.SqliteConnection(settings.ConnectionString))
                {
                    await connection.OpenAsync(ct);
                    foreach (var limit in new[] { 26, 2_001, 10_001 })
                    {
                        var times = new List<double>();
                        foreach (var term in DatasetGenerator.Products.Concat(DatasetGenerator.Products))
                        {
                            await using var command = connection.CreateCommand();
                            command.CommandText = "SELECT s.rowid FROM \"ExampleSearch\" s CROSS JOIN \"Examples\" e INDEXED BY \"IX_Examples_DatasetId_Id\" ON e.\"DatasetId\" = $d AND e.\"Id\" = s.rowid WHERE s.\"ExampleSearch\" MATCH $m ORDER BY s.rowid LIMIT $l";
                            command.Parameters.AddWithValue("$d", datasetId);
                            command.Parameters.AddWithValue("$m", "\"" + term + "\"");
                            command.Parameters.AddWithValue("$l", limit);
                            var one = Stopwatch.StartNew();
                            await using var reader = await command.ExecuteReaderAsync(ct);
                            while (await reader.ReadAsync(ct))
                            {
                            }

                            times.Add(one.Elapsed.TotalMilliseconds);
                        }

                        times.Sort();
                        parts.Add($"ids LIMIT {limit}: median {times[times.Count / 2]:0.0} ms");
                    }
                }

                var list = provider.GetRequiredService<ExampleList>();
                var listTimes = new List<double>();
                foreach (var term in DatasetGenerator.Products.Concat(DatasetGenerator.Products))
                {
                    var one = Stopwatch.StartNew();
                    await list.ListAsync(new ExampleQuery(datasetId, Search: term), ct);
                    listTimes.Add(one.Elapsed.TotalMilliseconds);
                }

                listTimes.Sort();
                parts.Add($"ExampleList.ListAsync: median {listTimes[listTimes.Count / 2]:0.0} ms (cap {list.SearchCountCap})");
                watch.Start();
                watch.Stop();
                return StepResult.Of(step, watch, 1, "profile", string.Join("; ", parts));
            }

            case "validate-profile":
            {
                watch.Start();
                var profile = await ValidationProfile.RunAsync(Path.Combine(folder, "train.jsonl"));
                watch.Stop();
                return StepResult.Of(step, watch, 1, "profile", profile);
            }

            case "quality":
            {
                var datasetId = await ReadDatasetIdAsync(datasetFile);
                watch.Start();
                var result = await provider.GetRequiredService<QualityService>().RunAsync(datasetId, Actor.System, null, ct);
                watch.Stop();
                return StepResult.Of(step, watch, result.Report.ExamplesAnalyzed, "examples",
                    $"{result.Report.ExamplesAnalyzed:N0} analysed, {result.Report.Findings.Count} findings");
            }

            default:
                throw new ArgumentException($"unknown step '{step}'; steps: {string.Join(", ", Steps)}");
        }
    }

    /// <summary>Migrates the database and creates the project and dataset the import fills (before the clock starts).</summary>
    private static async Task<int> CreateDatasetAsync(IDbContextFactory<StudioDbContext> factory, StudioDatabaseSettings settings, CancellationToken ct,
        string project = "Bench")
    {
        await StudioDatabaseMigrator.MigrateAsync(factory, settings, ct);
        await using var db = await factory.CreateDbContextAsync(ct);
        var now = DateTime.UtcNow;
        var dataset = new Dataset
        {
            Name = "Tickets", TaskKind = TaskKind.Chat,
            CanonicalSystemPrompt = DatasetGenerator.SystemPrompt,
            Project = new Project { Name = project, CreatedAt = now, UpdatedAt = now }, CreatedAt = now, UpdatedAt = now,
        };
        db.Datasets.Add(dataset);
        await db.SaveChangesAsync(ct);
        return dataset.Id;
    }

    private static async Task<int> ReadDatasetIdAsync(string file) =>
        int.Parse(await File.ReadAllTextAsync(file), CultureInfo.InvariantCulture);

}

/// <summary>
/// One step's figures. CPU seconds are the process's user + system time during the step: on a shared machine they
/// vary much less than wall-clock seconds.
/// </summary>
public sealed record StepResult(string Step, double Seconds, double CpuSeconds, double Amount, string Unit, double PeakMb, string Detail)
{
    public static TimeSpan CpuAtStart { get; set; }

    /// <summary>Throughput per CPU second (<paramref name="amount"/> units of work), or a latency when the unit is "ms".</summary>
    public string Throughput => Unit == "ms"
        ? $"median {Amount:0.0} ms"
        : $"{(Amount / Math.Max(CpuSeconds, 1e-6)).ToString("N0", CultureInfo.InvariantCulture)} {Unit} per CPU s";

    public static StepResult Of(string step, Stopwatch watch, double amount, string unit, string detail) =>
        new(step, watch.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - CpuAtStart).TotalSeconds, amount, unit, PeakWorkingSetMb(), detail);

    /// <summary>The process's high-water mark of resident memory, from /proc/self/status (VmHWM, in kB).</summary>
    private static double PeakWorkingSetMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
    }
}
