using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Evaluation;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Bench;

/// <summary>
/// Eval runs from batch files on a set of N items: <c>eval-set-import</c> imports the items, <c>eval-export-vertex</c>
/// writes Vertex AI's requests, then each import step records a run from a predictions file written as the host
/// writes it, in reverse order (batch hosts keep none): Vertex's (matched by the request it echoes), OpenAI's batch
/// output (by custom_id) and our own outputs CSV. <c>eval-import-floor</c> is what the machine allows for the same
/// Vertex file: every line parsed, its answer taken, one row per item inserted with bare ADO.NET, nothing scored.
/// </summary>
public static class EvalBench
{
    public static readonly string[] Steps = ["eval-set-import", "eval-export-vertex", "eval-import-vertex", "eval-import-batch", "eval-import-csv", "eval-import-floor"];

    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public static void Prepare(string folder, int items) => File.WriteAllText(Path.Combine(folder, "eval-items.txt"), items.ToString(CultureInfo.InvariantCulture));

    public static async Task<StepResult> RunStepAsync(string step, string folder, ServiceProvider provider, StudioDatabaseSettings settings, Stopwatch watch, CancellationToken ct)
    {
        var factory = provider.GetRequiredService<IDbContextFactory<StudioDbContext>>();
        var items = int.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "eval-items.txt"), ct), CultureInfo.InvariantCulture);
        var setFile = Path.Combine(folder, "eval-set.txt");
        var requests = Path.Combine(folder, "vertex-requests.jsonl");
        switch (step)
        {
            case "eval-set-import":
            {
                await StudioDatabaseMigrator.MigrateAsync(factory, settings, ct);
                var project = await provider.GetRequiredService<Core.Projects.ProjectService>().CreateAsync(new Core.Projects.ProjectInput("Bench evals", null), Actor.System, ct);
                var sets = provider.GetRequiredService<EvalSets>();
                var set = await sets.CreateSetAsync(project.Id, new EvalSetInput("Held-out", null, ["exact", "normalized"]), Actor.System, ct);
                var itemsFile = Path.Combine(folder, "items.jsonl");
                await File.WriteAllTextAsync(itemsFile, ItemsFile(items), ct);
                await WarmUpAsync(factory, set.Id, ct);
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                int imported;
                using (var reader = new StreamReader(itemsFile))
                {
                    imported = await sets.ImportItemsAsync(set.Id, reader, "items.jsonl", Actor.System, ct);
                }

                watch.Stop();
                await File.WriteAllTextAsync(setFile, set.Id.ToString(CultureInfo.InvariantCulture), ct);
                return StepResult.Of(step, watch, imported, "items", $"{imported:N0} chat items ({new FileInfo(itemsFile).Length / 1048576.0:0.0} MB)");
            }

            case "eval-export-vertex":
            {
                var setId = await ReadSetAsync(setFile);
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                int written;
                await using (var output = File.Create(requests))
                {
                    written = await provider.GetRequiredService<EvalSetExport>().WriteAsync(setId, EvalSetExport.VertexGeminiFormat, null, "Answer in one sentence.", 0, output, ct);
                }

                watch.Stop();
                WritePredictionFiles(folder, requests);
                return StepResult.Of(step, watch, written, "items", $"{written:N0} requests, {new FileInfo(requests).Length / 1048576.0:0.0} MB");
            }

            case "eval-import-vertex" or "eval-import-batch" or "eval-import-csv":
            {
                var setId = await ReadSetAsync(setFile);
                var file = Path.Combine(folder, step switch { "eval-import-vertex" => "vertex-predictions.jsonl", "eval-import-batch" => "batch-output.jsonl", _ => "outputs.csv" });
                var runs = provider.GetRequiredService<EvalRuns>();
                await WarmUpAsync(factory, setId, ct);
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                using var outputs = new StreamReader(file);
                var run = await runs.ImportRunAsync(setId, new EvalRunInput(step), outputs, Path.GetFileName(file), Actor.System, ct);
                watch.Stop();
                return StepResult.Of(step, watch, items, "outputs", string.Create(CultureInfo.InvariantCulture,
                    $"{new FileInfo(file).Length / 1048576.0:0.0} MB reversed, {run.Summary!.Failed:N0} failed, exact {run.Summary.Metrics["exact"]:P1}"));
            }

            case "eval-import-floor":
            {
                var setId = await ReadSetAsync(setFile);
                var file = Path.Combine(folder, "vertex-predictions.jsonl");
                await using var connection = new SqliteConnection(settings.ConnectionString);
                await connection.OpenAsync(ct);
                StepResult.CpuAtStart = Process.GetCurrentProcess().TotalProcessorTime;
                watch.Start();
                var answers = new List<string?>(items);
                await foreach (var line in File.ReadLinesAsync(file, ct))
                {
                    using var document = JsonDocument.Parse(line);
                    answers.Add(document.RootElement.TryGetProperty("response", out var response)
                        ? response.GetProperty("candidates")[0].GetProperty("content").GetProperty("parts")[0].GetProperty("text").GetString()
                        : null);
                }

                await using (var transaction = connection.BeginTransaction())
                {
                    await using var insertRun = connection.CreateCommand();
                    insertRun.CommandText = "INSERT INTO EvalRuns (EvalSetId, Name, Model, Provider, Endpoint, SystemPrompt, SettingsJson, IsBaseline, Notes, Status, SummaryJson, CreatedAt, Error) " +
                                            "VALUES ($set, 'floor', '', '', '', '', '{}', 0, '', 'Completed', '{}', '2026-01-01', '') RETURNING Id";
                    insertRun.Parameters.AddWithValue("$set", setId);
                    var runId = (long)(await insertRun.ExecuteScalarAsync(ct))!;
                    await using var insert = connection.CreateCommand();
                    insert.CommandText = "INSERT INTO EvalResults (EvalRunId, EvalItemId, Output, Failed, Error, ScoresJson) " +
                                         "SELECT $run, Id, $output, 0, '', '{}' FROM EvalItems WHERE EvalSetId = $set AND ExternalId = $id";
                    var run = insert.Parameters.Add("$run", SqliteType.Integer);
                    var set = insert.Parameters.Add("$set", SqliteType.Integer);
                    var id = insert.Parameters.Add("$id", SqliteType.Text);
                    var output = insert.Parameters.Add("$output", SqliteType.Text);
                    (run.Value, set.Value) = (runId, setId);
                    for (var i = 0; i < answers.Count; i++)
                    {
                        // The predictions are reversed: line i answers item N - i.
                        (id.Value, output.Value) = ($"q{answers.Count - i}", (object?)answers[i] ?? DBNull.Value);
                        await insert.ExecuteNonQueryAsync(ct);
                    }

                    await transaction.CommitAsync(ct);
                }

                watch.Stop();
                return StepResult.Of(step, watch, answers.Count, "outputs", "Vertex file parsed line by line, one bare INSERT per answer in one transaction, nothing matched or scored");
            }

            default:
                throw new ArgumentException($"unknown step '{step}'; eval steps: {string.Join(", ", Steps)}");
        }
    }

    /// <summary>N items, each a system turn and a question with its expected answer; every third a two-turn chat.</summary>
    private static string ItemsFile(int items)
    {
        var text = new StringBuilder();
        for (var i = 1; i <= items; i++)
        {
            var input = i % 3 == 0
                ? new object[]
                {
                    new { role = "user", content = $"Order {i} arrived damaged." },
                    new { role = "assistant", content = "I am sorry to hear that. Was it paid by card?" },
                    new { role = "user", content = $"Yes, by card, on order {i}. How long does the refund take?" },
                }
                : [new { role = "system", content = "You answer billing questions." }, new { role = "user", content = $"Question {i}: how long does a refund take when order {i} was paid by card?" }];
            text.Append(JsonSerializer.Serialize(new { id = $"q{i}", input, expected = i % 2 == 0 ? "14 days" : $"Order {i} is refunded within 14 days." }, Compact)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>
    /// The predictions Vertex would write for the requests (reversed, every 50th line failed with a status), and the
    /// same answers as OpenAI's batch output and as our outputs CSV. Line i answers item N - i.
    /// </summary>
    private static void WritePredictionFiles(string folder, string requestsFile)
    {
        var lines = File.ReadAllLines(requestsFile);
        using var vertex = new StreamWriter(Path.Combine(folder, "vertex-predictions.jsonl"));
        using var batch = new StreamWriter(Path.Combine(folder, "batch-output.jsonl"));
        using var csv = new StreamWriter(Path.Combine(folder, "outputs.csv"));
        csv.Write("id,output\n");
        for (var i = lines.Length - 1; i >= 0; i--)
        {
            var item = i + 1;
            var answer = item % 2 == 0 ? "14 days" : $"Order {item} is refunded within 14 days, counted from the day the return reaches us.";
            using var request = JsonDocument.Parse(lines[i]);
            var failed = item % 50 == 0;
            vertex.Write(failed
                ? JsonSerializer.Serialize(new { status = "Bad Request: {\"error\": {\"code\": 400}}", processed_time = "2026-12-08T09:12:45Z", request = request.RootElement.GetProperty("request") }, Compact)
                : JsonSerializer.Serialize(new
                {
                    status = "",
                    processed_time = "2026-12-08T09:12:44.021+00:00",
                    request = request.RootElement.GetProperty("request"),
                    response = new
                    {
                        candidates = new[] { new { content = new { role = "model", parts = new[] { new { text = answer } } }, finishReason = "STOP", avgLogprobs = -0.05 } },
                        usageMetadata = new { promptTokenCount = 24, candidatesTokenCount = 9, totalTokenCount = 33 },
                        modelVersion = "gemini-2.5-flash",
                    },
                }, Compact));
            vertex.Write('\n');
            batch.Write(JsonSerializer.Serialize(new
            {
                id = $"batch_req_{item}",
                custom_id = $"q{item}",
                response = new
                {
                    status_code = 200,
                    request_id = $"req_{item}",
                    body = new
                    {
                        id = $"chatcmpl-{item}",
                        @object = "chat.completion",
                        model = "gpt-4.1-mini",
                        choices = new[] { new { index = 0, message = new { role = "assistant", content = answer }, finish_reason = "stop" } },
                        usage = new { prompt_tokens = 24, completion_tokens = 9, total_tokens = 33 },
                    },
                },
                error = (object?)null,
            }, Compact));
            batch.Write('\n');
            csv.Write($"q{item},\"{answer.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n");
        }
    }

    /// <summary>EF builds its model and compiles the queries on first use; a running server has paid that before an import.</summary>
    private static async Task WarmUpAsync(IDbContextFactory<StudioDbContext> factory, int setId, CancellationToken ct)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        _ = await db.EvalSets.AsNoTracking().SingleAsync(s => s.Id == setId, ct);
        _ = await db.EvalItems.AsNoTracking().Where(i => i.EvalSetId == setId).OrderBy(i => i.Id).Take(1).ToListAsync(ct);
    }

    private static async Task<int> ReadSetAsync(string file) => int.Parse(await File.ReadAllTextAsync(file), CultureInfo.InvariantCulture);
}
