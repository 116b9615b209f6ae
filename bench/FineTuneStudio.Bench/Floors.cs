using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace FineTuneStudio.Bench;

/// <summary>
/// What the machine allows for import, export and validation, measured on the same file and database as the product's steps:
/// minimal Microsoft.Data.Sqlite programs without the product's layers, so a step's ratio to its floor says how much
/// the product adds. The floor's import writes into a database migrated like the product's (same tables, indexes and
/// foreign keys) whose search insert trigger is dropped: it fills the FTS5 trigram index itself, once, after the rows.
/// </summary>
internal static class Floors
{
    private const string ExampleColumns = "\"ContentHash\", \"CorrectedOutput\", \"CreatedAt\", \"CreatedById\", \"DatasetId\", \"Label\", \"Notes\", " +
                                          "\"PreferredCompletion\", \"Rating\", \"RejectedCompletion\", \"RejectionReason\", \"ReviewedAt\", \"ReviewedById\", " +
                                          "\"SearchText\", \"Source\", \"Split\", \"Status\", \"Tags\", \"ToolsJson\", \"UpdatedAt\", \"Version\"";

    /// <summary>
    /// One transaction; per line: parse, a 32-byte SHA-256 of the content, duplicates skipped, one example row and its
    /// message rows through prepared inserts; then the search index filled from the new rows. Returns (imported, skipped).
    /// </summary>
    public static async Task<(int Imported, int Skipped)> ImportAsync(string connectionString, int datasetId, string file, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken);
        var before = await ScalarAsync(connection, transaction, "SELECT coalesce(max(\"Id\"), 0) FROM \"Examples\"", cancellationToken);

        await using var example = connection.CreateCommand();
        example.Transaction = transaction;
        example.CommandText = $"INSERT INTO \"Examples\" ({ExampleColumns}) VALUES (" +
                              string.Join(", ", Enumerable.Range(0, 21).Select(i => "$e" + i)) + ") RETURNING \"Id\"";
        var e = Enumerable.Range(0, 21).Select(i => example.Parameters.Add(new SqliteParameter("$e" + i, DBNull.Value))).ToArray();
        await example.PrepareAsync(cancellationToken);

        await using var message = connection.CreateCommand();
        message.Transaction = transaction;
        message.CommandText = "INSERT INTO \"ExampleMessages\" (\"Content\", \"ExampleId\", \"Name\", \"Position\", \"Role\", \"ToolCallId\", \"ToolCallsJson\", \"Weight\") " +
                              "VALUES ($m0, $m1, $m2, $m3, $m4, $m5, $m6, $m7)";
        var m = Enumerable.Range(0, 8).Select(i => message.Parameters.Add(new SqliteParameter("$m" + i, DBNull.Value))).ToArray();
        await message.PrepareAsync(cancellationToken);

        var now = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);
        var seen = new HashSet<UInt128>();
        var hashText = new StringBuilder();
        var searchText = new StringBuilder();
        var hash = new byte[32];
        int imported = 0, skipped = 0;
        using var reader = new StreamReader(file, Encoding.UTF8, false, 256 * 1024);
        // Synchronous calls in the loop: Microsoft.Data.Sqlite's async methods run synchronously anyway.
        while (reader.ReadLine() is { } line)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var record = JsonDocument.Parse(line);
            var messages = record.RootElement.GetProperty("messages");
            hashText.Clear();
            searchText.Clear();
            foreach (var turn in messages.EnumerateArray())
            {
                var content = Text(turn, "content");
                hashText.Append(Text(turn, "role")).Append('\u001f').Append(content).Append('\u001f')
                    .Append(Raw(turn, "tool_calls")).Append('\u001f').Append(Text(turn, "tool_call_id")).Append('\u001e');
                if (!string.IsNullOrEmpty(content))
                {
                    searchText.Append(searchText.Length > 0 ? "\n" : "").Append(content);
                }
            }

            var tools = Raw(record.RootElement, "tools");
            hashText.Append("tools:").Append(tools);
            SHA256.HashData(Encoding.UTF8.GetBytes(hashText.ToString()), hash);
            if (!seen.Add(System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(hash)))
            {
                skipped++;
                continue;
            }

            object[] values =
            [
                Convert.ToHexStringLower(hash), DBNull.Value, now, DBNull.Value, datasetId, DBNull.Value, "", DBNull.Value, DBNull.Value,
                DBNull.Value, DBNull.Value, DBNull.Value, DBNull.Value, searchText.ToString().ToLowerInvariant(), "JsonlImport", "Auto",
                "Approved", "[]", (object?)tools ?? DBNull.Value, now, Guid.NewGuid().ToString().ToUpperInvariant(),
            ];
            for (var i = 0; i < values.Length; i++)
            {
                e[i].Value = values[i];
            }

            var id = (long)example.ExecuteScalar()!;
            var position = 0;
            foreach (var turn in messages.EnumerateArray())
            {
                m[0].Value = (object?)Text(turn, "content") ?? DBNull.Value;
                m[1].Value = id;
                m[2].Value = (object?)Text(turn, "name") ?? DBNull.Value;
                m[3].Value = position++;
                m[4].Value = Capitalized(Text(turn, "role")!);
                m[5].Value = (object?)Text(turn, "tool_call_id") ?? DBNull.Value;
                m[6].Value = (object?)Raw(turn, "tool_calls") ?? DBNull.Value;
                m[7].Value = turn.TryGetProperty("weight", out var w) && w.ValueKind == JsonValueKind.Number ? w.GetInt32() : DBNull.Value;
                message.ExecuteNonQuery();
            }

            imported++;
        }

        await using (var index = connection.CreateCommand())
        {
            index.Transaction = transaction;
            index.CommandText = "INSERT INTO \"ExampleSearch\"(rowid, \"SearchText\") SELECT \"Id\", \"SearchText\" FROM \"Examples\" WHERE \"Id\" > $before";
            index.Parameters.AddWithValue("$before", before);
            await index.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (imported, skipped);
    }

    /// <summary>
    /// Reads every row of Examples and ExampleMessages and writes each as one JSON object per line (column name to
    /// value, as <c>sqlite3 -json</c> would): the cost of getting the stored rows out, with nothing computed.
    /// Returns (rows, bytes written).
    /// </summary>
    public static async Task<(long Rows, long Bytes)> ExportAsync(string connectionString, string file, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 256 * 1024);
        await using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        long rows = 0;
        foreach (var table in new[] { "Examples", "ExampleMessages" })
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM \"{table}\" ORDER BY \"Id\"";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var names = Enumerable.Range(0, reader.FieldCount).Select(i => JsonEncodedText.Encode(reader.GetName(i))).ToArray();
            while (await reader.ReadAsync(cancellationToken))
            {
                writer.WriteStartObject();
                for (var i = 0; i < names.Length; i++)
                {
                    if (await reader.IsDBNullAsync(i, cancellationToken))
                    {
                        writer.WriteNull(names[i]);
                    }
                    else if (reader.GetFieldType(i) == typeof(long))
                    {
                        writer.WriteNumber(names[i], reader.GetInt64(i));
                    }
                    else
                    {
                        writer.WriteString(names[i], reader.GetString(i));
                    }
                }

                writer.WriteEndObject();
                await writer.FlushAsync(cancellationToken);
                stream.WriteByte((byte)'\n');
                writer.Reset();
                rows++;
            }
        }

        await writer.FlushAsync(cancellationToken);
        return (rows, stream.Length);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string? Raw(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value.GetRawText() : null;

    private static string Capitalized(string role) => char.ToUpperInvariant(role[0]) + role[1..];

    private static async Task<long> ScalarAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
    /// <summary>The cookbook checks' script when Node.js and its gpt-tokenizer package are there, else null.</summary>
    public static string? CookbookChecksScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "bench", "validate-floor", "cookbook-checks.mjs");
            if (File.Exists(script))
            {
                var installed = Directory.Exists(Path.Combine(Path.GetDirectoryName(script)!, "node_modules", "gpt-tokenizer"));
                return installed && OnPath("node") ? script : null;
            }
        }

        return null;
    }

    /// <summary>
    /// The validation floor: OpenAI's cookbook data-preparation checks for chat fine-tuning (format errors, token counts
    /// and their distributions, the epoch heuristic, billed tokens) in Node.js with gpt-tokenizer (a port of tiktoken), run on the same file. The
    /// script times itself from the loaded encoding and reports its own CPU time and peak resident memory.
    /// </summary>
    public static async Task<CookbookChecks> CookbookChecksAsync(string file, string encoding, CancellationToken cancellationToken)
    {
        var script = CookbookChecksScript() ?? throw new InvalidOperationException("Node.js or bench/validate-floor/node_modules is missing");
        var start = new System.Diagnostics.ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { script, file, encoding })
        {
            start.ArgumentList.Add(argument);
        }

        using var node = System.Diagnostics.Process.Start(start)!;
        var output = await node.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = await node.StandardError.ReadToEndAsync(cancellationToken);
        await node.WaitForExitAsync(cancellationToken);
        if (node.ExitCode != 0)
        {
            throw new InvalidOperationException($"the cookbook checks failed (exit {node.ExitCode}): {errors}");
        }

        using var result = JsonDocument.Parse(output);
        var root = result.RootElement;
        return new CookbookChecks(root.GetProperty("lines").GetInt32(), root.GetProperty("tokensTotal").GetInt64(),
            root.GetProperty("seconds").GetDouble(), root.GetProperty("cpuSeconds").GetDouble(), root.GetProperty("peakMb").GetDouble());
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Any(dir => File.Exists(Path.Combine(dir, program)));
}

/// <summary>What the cookbook checks reported about one file.</summary>
internal sealed record CookbookChecks(int Lines, long TokensTotal, double Seconds, double CpuSeconds, double PeakMb);
