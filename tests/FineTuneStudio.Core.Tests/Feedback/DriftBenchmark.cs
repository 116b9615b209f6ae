using System.Diagnostics;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Feedback;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Xunit.Abstractions;
using FineTuneStudio.Core.Tests.Support;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Feedback;

/// <summary>
/// Not a timed test: measures a drift report on 100,000 logged requests against a 100,000-example version
/// in a SQLite file and prints seconds and memory. Runs only with FTS_BENCHMARK=1:
/// <c>FTS_BENCHMARK=1 dotnet test tests/FineTuneStudio.Core.Tests --filter DriftBenchmark --logger "console;verbosity=detailed"</c>.
/// </summary>
public sealed class DriftBenchmark(ITestOutputHelper output)
{
    private const int Examples = 100_000;
    private const int Logs = 100_000;

    [Fact]
    public async Task DriftReport_100kLogsAgainst100kVersion()
    {
        if (Environment.GetEnvironmentVariable("FTS_BENCHMARK") != "1")
        {
            return;
        }

        var folder = Directory.CreateTempSubdirectory("fts-drift-bench-").FullName;
        try
        {
            var settings = new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(Path.Combine(folder, "bench.db")));
            var factory = new SettingsDbContextFactory(settings);
            await using (var db = factory.CreateDbContext())
            {
                await db.Database.MigrateAsync();
            }

            var seed = Stopwatch.StartNew();
            var projectId = await SeedAsync(settings.ConnectionString);
            output.WriteLine($"seeded {Examples} examples + {Logs} logs in {seed.Elapsed.TotalSeconds:0.0} s");

            // Where the time goes: the tokenizer and the analyzer alone on 20,000 texts of the same kind.
            var sampleRandom = new Random(11);
            var sampleVocabulary = Enumerable.Range(0, 6000).Select(i => Word(sampleRandom, i)).ToArray();
            var sample = Enumerable.Range(0, 20_000).Select(_ => Text(sampleRandom, sampleVocabulary, 0, 3000)).ToList();
            var part = Stopwatch.StartNew();
            var tokens = sample.Sum(t => FineTuneStudio.Core.Training.TokenCounter.O200k.Count(t));
            output.WriteLine($"tokenizer: 20,000 texts ({tokens} tokens) in {part.Elapsed.TotalSeconds:0.00} s");
            part.Restart();
            var analyzer = new DriftAnalyzer(null, t => t.Length);
            foreach (var t in sample.Take(10_000))
            {
                analyzer.AddTraining(t);
            }

            foreach (var t in sample.Skip(10_000))
            {
                analyzer.AddLog(0, DateTime.UtcNow, t);
            }

            output.WriteLine($"analyzer without tokenizer: add 20,000 in {part.Elapsed.TotalSeconds:0.00} s");
            part.Restart();
            analyzer.Analyze();
            output.WriteLine($"analyze: {part.Elapsed.TotalSeconds:0.00} s");

            GC.Collect();
            var before = GC.GetTotalMemory(true);
            long peakManaged = 0;
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                while (!sampling.IsCancellationRequested)
                {
                    peakManaged = Math.Max(peakManaged, GC.GetTotalMemory(false));
                    await Task.Delay(20);
                }
            });
            var service = new DriftReports(factory, new DriftReportCache(new MemoryCache(new MemoryCacheOptions())));
            var watch = Stopwatch.StartNew();
            var drift = await service.DriftAsync(projectId, null, 1, null, default);
            watch.Stop();
            await sampling.CancelAsync();
            await sampler;
            using var process = Process.GetCurrentProcess();
            output.WriteLine($"drift: {watch.Elapsed.TotalSeconds:0.0} s; managed heap before {before / 1048576} MB, peak {peakManaged / 1048576} MB; process peak working set {process.PeakWorkingSet64 / 1048576} MB");
            output.WriteLine($"training {drift.Report.TrainingCount}, logs {drift.Report.LogCount}, weeks {drift.Report.Weeks.Count}, alert: {drift.Report.AlertReason ?? "none"}");
            output.WriteLine(string.Join("; ", drift.Report.Figures.Select(f => $"{f.Key} {f.Value:0.000}")));
            drift.Report.TrainingCount.ShouldBe(Examples);
            drift.Report.LogCount.ShouldBe(Logs);

            // The Overview's retraining card: the first load computes the last four weeks' drift, later loads reuse it
            // until a log is imported or a version is cut.
            var cached = new RetrainingSchedule(factory, TimeProvider.System,
                new DriftReports(factory, new DriftReportCache(new MemoryCache(new MemoryCacheOptions()))));
            watch.Restart();
            var cold = await cached.RetrainingDueAsync(projectId, default);
            var coldSeconds = watch.Elapsed.TotalSeconds;
            watch.Restart();
            var warm = await cached.RetrainingDueAsync(projectId, default);
            output.WriteLine($"retraining due (Overview): first load {coldSeconds:0.0} s over {cold.DriftLogCount} recent logs, next load {watch.Elapsed.TotalMilliseconds:0} ms");
            warm.DriftAlert.ShouldBe(cold.DriftAlert);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Writes the rows with plain prepared inserts: the benchmark measures the report, not EF's insert speed.</summary>
    private static async Task<int> SeedAsync(string connectionString)
    {
        var random = new Random(7);
        var vocabulary = Enumerable.Range(0, 6000).Select(i => Word(random, i)).ToArray();
        var labels = new[] { "critical", "high", "normal", "low" };
        var now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.fffffff");
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();

        async Task<long> Scalar(string sql)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql + "; SELECT last_insert_rowid();";
            return (long)(await command.ExecuteScalarAsync())!;
        }

        var projectId = (int)await Scalar($"INSERT INTO Projects (Name, Description, CreatedAt, UpdatedAt) VALUES ('Bench', '', '{now}', '{now}')");
        var datasetId = (int)await Scalar($"INSERT INTO Datasets (ProjectId, Name, TaskKind, CanonicalSystemPrompt, Guidelines, Labels, RequiredAnnotations, CreatedAt, UpdatedAt) VALUES ({projectId}, 'Tickets', 'Classification', '', '', '[\"critical\",\"high\",\"normal\",\"low\"]', 1, '{now}', '{now}')");
        var versionId = (int)await Scalar($"INSERT INTO DatasetVersions (DatasetId, Number, Note, AuthorName, Target, Seed, ValidationShare, TestShare, FiltersJson, TrainCount, ValidationCount, TestCount, TokenStatsJson, ManifestJson, StoragePath, CreatedAt) VALUES ({datasetId}, 1, '', '', 'openai-chat', 1, 0, 0, '{{}}', {Examples}, 0, 0, '{{}}', '{{}}', '', '{now}')");

        await using var example = Prepared(connection, transaction,
            $"INSERT INTO Examples (DatasetId, Label, Tags, Notes, Source, Status, Split, ContentHash, SearchText, CreatedAt, UpdatedAt, Version) VALUES ({datasetId}, $label, '[]', '', 'Demo', 'Approved', 'Auto', $hash, '', '{now}', '{now}', $version); SELECT last_insert_rowid();",
            "$label", "$hash", "$version");
        await using var message = Prepared(connection, transaction,
            "INSERT INTO ExampleMessages (ExampleId, Position, Role, Content) VALUES ($example, $position, $role, $content)", "$example", "$position", "$role", "$content");
        await using var member = Prepared(connection, transaction,
            $"INSERT INTO DatasetVersionExamples (DatasetVersionId, ExampleId, Split, ContentHash) VALUES ({versionId}, $example, 'Train', '')", "$example");
        for (var i = 0; i < Examples; i++)
        {
            example.Parameters["$label"].Value = labels[random.Next(labels.Length)];
            example.Parameters["$hash"].Value = i.ToString("x16");
            example.Parameters["$version"].Value = Guid.NewGuid().ToString();
            var id = (long)(await example.ExecuteScalarAsync())!;
            foreach (var (position, role, content) in new[] { (0, "User", Text(random, vocabulary, 0, 3000)), (1, "Assistant", labels[random.Next(4)]) })
            {
                message.Parameters["$example"].Value = id;
                message.Parameters["$position"].Value = position;
                message.Parameters["$role"].Value = role;
                message.Parameters["$content"].Value = content;
                await message.ExecuteNonQueryAsync();
            }

            member.Parameters["$example"].Value = id;
            await member.ExecuteNonQueryAsync();
        }

        await using var log = Prepared(connection, transaction,
            $"INSERT INTO ProductionLogs (ProjectId, LoggedAt, MessagesJson, InputText, Response, ContentHash, SearchText, PersonalDataKinds, ImportedAt, ImportedByName) VALUES ({projectId}, $at, '[]', $input, $response, $hash, '', '', '{now}', 'bench')",
            "$at", "$input", "$response", "$hash");
        var start = DateTime.UtcNow.Date.AddDays(-84);
        for (var i = 0; i < Logs; i++)
        {
            // Twelve weeks; from week 8 on, a third of the traffic uses words the training data never had.
            var at = start.AddMinutes(i * (84.0 * 24 * 60 / Logs));
            var shifted = at >= start.AddDays(56) && i % 3 == 0;
            log.Parameters["$at"].Value = at.ToString("yyyy-MM-dd HH:mm:ss.fffffff");
            log.Parameters["$input"].Value = shifted ? Text(random, vocabulary, 3000, 6000) : Text(random, vocabulary, 0, 3000);
            log.Parameters["$response"].Value = labels[random.Next(4)];
            log.Parameters["$hash"].Value = i.ToString("x16");
            await log.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
        return projectId;
    }

    private static SqliteCommand Prepared(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var p in parameters)
        {
            command.Parameters.Add(new SqliteParameter(p, null));
        }

        return command;
    }

    private static string Word(Random random, int i)
    {
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        var length = 3 + random.Next(7);
        return string.Create(length, (random, i), static (span, state) =>
        {
            for (var k = 0; k < span.Length; k++)
            {
                span[k] = letters[state.random.Next(letters.Length)];
            }
        });
    }

    // Zipf-like: low word indices are common, as in real text; 10 to 80 words.
    private static string Text(Random random, string[] vocabulary, int from, int to)
    {
        var words = new string[10 + random.Next(71)];
        for (var k = 0; k < words.Length; k++)
        {
            var rank = (int)Math.Floor(Math.Pow(random.NextDouble(), 3) * (to - from));
            words[k] = vocabulary[from + rank];
        }

        return string.Join(' ', words);
    }
}
