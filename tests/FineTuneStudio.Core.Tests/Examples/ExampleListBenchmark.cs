using System.Diagnostics;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Quality;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;
using FineTuneStudio.Core.Tests.Support;

namespace FineTuneStudio.Core.Tests.Examples;

/// <summary>
/// Not a timed test: the example-list query on 100,000 examples in a SQLite file, median and p95
/// latency per query shape. Runs only with FTS_BENCHMARK=1 (count with FTS_BENCHMARK_COUNT).
/// </summary>
public sealed class ExampleListBenchmark(ITestOutputHelper output)
{
    private const int Repeats = 40;

    [Fact]
    public async Task ListQuery_On100kExamples_MedianAndP95()
    {
        if (Environment.GetEnvironmentVariable("FTS_BENCHMARK") != "1")
        {
            return;
        }

        var count = int.TryParse(Environment.GetEnvironmentVariable("FTS_BENCHMARK_COUNT"), out var n) ? n : 100_000;
        var folder = Directory.CreateTempSubdirectory("fts-list-bench-").FullName;
        try
        {
            var settings = new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(Path.Combine(folder, "bench.db")));
            var factory = new SettingsDbContextFactory(settings);
            var datasetId = await SeedAsync(factory, count);
            var service = new ExampleService(factory, TimeProvider.System);

            var shapes = new (string Name, Func<int, ExampleQuery> Query)[]
            {
                ("first page", _ => new ExampleQuery(datasetId)),
                ("page 1,000 of 2,000", _ => new ExampleQuery(datasetId, Page: 1000)),
                ("status Approved, newest first", _ => new ExampleQuery(datasetId, Status: ExampleStatus.Approved, Sort: ExampleSort.Updated, Descending: true)),
                ("split Validation", _ => new ExampleQuery(datasetId, Split: SplitPin.Validation)),
                ("search a word", i => new ExampleQuery(datasetId, Search: i % 2 == 0 ? "bada" : "kimo")),
            };
            var lines = new List<string> { $"{count:N0} examples, {Repeats} queries per shape, page size 50" };
            foreach (var (name, query) in shapes)
            {
                await service.ListAsync(query(0), CancellationToken.None); // warm-up
                var times = new List<double>();
                for (var i = 0; i < Repeats; i++)
                {
                    var watch = Stopwatch.StartNew();
                    await service.ListAsync(query(i), CancellationToken.None);
                    times.Add(watch.Elapsed.TotalMilliseconds);
                }

                times.Sort();
                lines.Add($"{name}: median {times[times.Count / 2]:0.0} ms, p95 {times[(int)Math.Ceiling(times.Count * 0.95) - 1]:0.0} ms");
            }

            foreach (var line in lines)
            {
                output.WriteLine(line);
            }

            File.WriteAllLines(Path.Combine(AppContext.BaseDirectory, "list-benchmark.txt"), lines);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<int> SeedAsync(IDbContextFactory<StudioDbContext> factory, int count)
    {
        int datasetId;
        await using (var db = factory.CreateDbContext())
        {
            await db.Database.MigrateAsync();
            var now = DateTime.UtcNow;
            var dataset = new Dataset { Name = "Bench", Project = new Project { Name = "Bench", CreatedAt = now, UpdatedAt = now }, CreatedAt = now, UpdatedAt = now };
            db.Datasets.Add(dataset);
            await db.SaveChangesAsync();
            datasetId = dataset.Id;
        }

        var index = 0;
        foreach (var chunk in QualitySampleGenerator.Generate(count, nearDuplicatePairs: 0).Chunk(5000))
        {
            await using var db = factory.CreateDbContext();
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            foreach (var input in chunk)
            {
                var at = DateTime.UtcNow.AddSeconds(-index++);
                var example = new Example { DatasetId = datasetId, Status = input.Status, Split = input.Split, CreatedAt = at, UpdatedAt = at, Version = Guid.NewGuid() };
                input.Content.ApplyTo(example);
                db.Examples.Add(example);
            }

            await db.SaveChangesAsync();
        }

        return datasetId;
    }
}
