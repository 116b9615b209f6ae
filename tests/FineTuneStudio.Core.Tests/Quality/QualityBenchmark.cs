using Microsoft.Extensions.Options;
using System.Diagnostics;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Quality;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;
using FineTuneStudio.Core.Tests.Support;

namespace FineTuneStudio.Core.Tests.Quality;

/// <summary>
/// Not a timed test: the full report on 100,000 generated examples through the database path. Runs
/// only with FTS_BENCHMARK=1 (count with FTS_BENCHMARK_COUNT) and prints seconds and peak memory.
/// </summary>
public sealed class QualityBenchmark(ITestOutputHelper output)
{
    [Fact]
    public async Task FullReport_On100kExamples_ThroughTheDatabase()
    {
        if (Environment.GetEnvironmentVariable("FTS_BENCHMARK") != "1")
        {
            return;
        }

        var count = int.TryParse(Environment.GetEnvironmentVariable("FTS_BENCHMARK_COUNT"), out var n) ? n : 100_000;
        var folder = Directory.CreateTempSubdirectory("fts-quality-bench-").FullName;
        try
        {
            var settings = new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(Path.Combine(folder, "bench.db")));
            var factory = new SettingsDbContextFactory(settings);
            int datasetId;
            var insert = Stopwatch.StartNew();
            await using (var db = factory.CreateDbContext())
            {
                await db.Database.MigrateAsync();
                var now = DateTime.UtcNow;
                var dataset = new Dataset { Name = "Bench", Project = new Project { Name = "Bench", CreatedAt = now, UpdatedAt = now }, CanonicalSystemPrompt = QualitySampleGenerator.SystemPrompt, CreatedAt = now, UpdatedAt = now };
                db.Datasets.Add(dataset);
                await db.SaveChangesAsync();
                datasetId = dataset.Id;
            }

            foreach (var chunk in QualitySampleGenerator.Generate(count, nearDuplicatePairs: 50).Chunk(5000))
            {
                await using var db = factory.CreateDbContext();
                db.ChangeTracker.AutoDetectChangesEnabled = false;
                var now = DateTime.UtcNow;
                foreach (var input in chunk)
                {
                    var example = new Example { DatasetId = datasetId, Status = input.Status, Split = input.Split, CreatedAt = now, UpdatedAt = now, Version = Guid.NewGuid() };
                    input.Content.ApplyTo(example);
                    db.Examples.Add(example);
                }

                await db.SaveChangesAsync();
            }

            insert.Stop();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            GC.Collect();
            var process = Process.GetCurrentProcess();
            process.Refresh();
            var before = process.PeakWorkingSet64;
            var managedBefore = GC.GetTotalMemory(true);

            var cpuBefore = process.TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            long managedPeak = 0;
            var sampler = new Progress<QualityProgress>(_ => managedPeak = Math.Max(managedPeak, GC.GetTotalMemory(false)));
            var timings = new QualityTimings();
            var result = await new QualityService(factory, TimeProvider.System, Options.Create(new QualityThresholds())).RunAsync(datasetId, Actor.System, sampler, CancellationToken.None, timings);
            clock.Stop();
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuBefore;

            output.WriteLine($"inserted {count + 50:N0} examples in {insert.Elapsed.TotalSeconds:0.0} s");
            output.WriteLine($"full report: {clock.Elapsed.TotalSeconds:0.0} s for {result.Report.ExamplesAnalyzed:N0} examples, {result.Report.Findings.Count} findings");
            // On a shared machine the wall time depends on the load; the CPU time of this process much less so.
            output.WriteLine($"CPU time of the process during the run: {cpu.TotalSeconds:0.0} s (load average {(File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(" ")[0] : "unknown")})");
            output.WriteLine("steps (time summed over threads, including time waiting for a core):");
            foreach (var (step, elapsed) in timings.Steps)
            {
                output.WriteLine($"  {step}: {elapsed.TotalSeconds:0.00} s");
            }

            output.WriteLine("findings: " + string.Join(", ", result.Report.Findings.Select(f => $"{f.Type} {f.Count}")));
            output.WriteLine($"tokens: total {result.Report.Tokens?.Total}, median {result.Report.Tokens?.Median}, MAD {result.Report.Tokens?.MedianAbsoluteDeviation}");
            output.WriteLine($"near-duplicate groups found: {result.Report.Find(FindingType.NearDuplicate)?.GroupCount ?? 0} (50 planted)");
            output.WriteLine($"process peak working set: {process.PeakWorkingSet64 / 1048576.0:0} MB (before the run: {before / 1048576.0:0} MB); managed heap {managedBefore / 1048576.0:0} MB before, peak sampled {Math.Max(managedPeak, managedBefore) / 1048576.0:0} MB");
            File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "quality-benchmark.txt"),
                $"{count} examples: {clock.Elapsed.TotalSeconds:0.0} s (CPU {cpu.TotalSeconds:0.0} s), peak working set {process.PeakWorkingSet64 / 1048576.0:0} MB, managed peak {Math.Max(managedPeak, managedBefore) / 1048576.0:0} MB, insert {insert.Elapsed.TotalSeconds:0.0} s\n{timings}\n");
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }
}
