using System.Diagnostics;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Export;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;
using FineTuneStudio.Core.Tests.Support;

namespace FineTuneStudio.Core.Tests.Export;

/// <summary>
/// Not a timed test: runs only when FTS_BENCH_EXAMPLES is set (scripts/bench-export.sh). Generates that many
/// approved examples in a temporary SQLite file, cuts a version and prints seconds, MB/s and peak memory.
/// </summary>
public sealed class ExportBenchmark(ITestOutputHelper output)
{
    [Fact]
    public async Task Benchmark_ExportOfGeneratedExamples()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("FTS_BENCH_EXAMPLES"), out var count) || count <= 0)
        {
            return;
        }

        var folder = Environment.GetEnvironmentVariable("FTS_BENCH_DIR") ?? Directory.CreateTempSubdirectory("fts-bench-").FullName;
        Directory.CreateDirectory(folder);
        var dbPath = Path.Combine(folder, "bench.db");
        File.Delete(dbPath);
        var settings = new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(dbPath));
        var factory = new SettingsDbContextFactory(settings);
        int datasetId;
        var seeding = Stopwatch.StartNew();
        await using (var db = factory.CreateDbContext())
        {
            await db.Database.MigrateAsync();
            var dataset = new Dataset { Name = "Bench", Project = new Project { Name = "Bench" } };
            db.Datasets.Add(dataset);
            await db.SaveChangesAsync();
            datasetId = dataset.Id;
        }

        string[] labels = ["critical", "high", "normal", "low"];
        for (var start = 0; start < count; start += 5_000)
        {
            await using var db = factory.CreateDbContext();
            for (var i = start; i < Math.Min(count, start + 5_000); i++)
            {
                var example = new Example { DatasetId = datasetId, Status = ExampleStatus.Approved };
                var label = labels[i % labels.Length];
                new ExampleContent(
                [
                    new(MessageRole.System, "Classify the support ticket by urgency. Answer with one word: critical, high, normal or low."),
                    new(MessageRole.User, $"Ticket {i}: the export page times out when I open report {i % 977} after the nightly sync; my team cannot send invoices to customers until this works again."),
                    new(MessageRole.Assistant, label),
                ], label).ApplyTo(example);
                db.Examples.Add(example);
            }

            await db.SaveChangesAsync();
        }

        output.WriteLine($"seeded {count:N0} examples in {seeding.Elapsed.TotalSeconds:F1} s");

        var storage = new ExportStorage(Path.Combine(folder, "storage"));
        var export = new ExportService(factory, TimeProvider.System, storage);
        GC.Collect();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.WorkingSet64;
        long peak = before;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                process.Refresh();
                peak = Math.Max(peak, process.WorkingSet64);
                await Task.Delay(50);
            }
        });
        var allocatedBefore = GC.GetTotalAllocatedBytes();
        var watch = Stopwatch.StartNew();
        var version = await export.CutAsync(new ExportRequest(datasetId, TrainingTargets.OpenAiChat), new Actor(null, "bench"), null, default);
        watch.Stop();
        await sampling.CancelAsync();
        await sampler;

        var bytes = version.Files.Sum(f => f.Bytes);
        output.WriteLine($"exported {version.Total:N0} examples ({version.TrainCount:N0} train, {version.ValidationCount:N0} validation) in {watch.Elapsed.TotalSeconds:F1} s");
        output.WriteLine($"files {bytes / 1e6:F1} MB, {bytes / 1e6 / watch.Elapsed.TotalSeconds:F1} MB/s");
        output.WriteLine($"working set before {before / 1e6:F0} MB, peak during export {peak / 1e6:F0} MB (+{(peak - before) / 1e6:F0} MB); allocated {(GC.GetTotalAllocatedBytes() - allocatedBefore) / 1e9:F2} GB");
        var train = await export.OpenFileAsync(version.Id, "train.jsonl", default);
        await using (train.Stream)
        await using (var copy = File.Create(Path.Combine(folder, "train.jsonl")))
        {
            await train.Stream.CopyToAsync(copy);
        }

        output.WriteLine($"train file for fts validate: {Path.Combine(folder, "train.jsonl")}");
    }
}
