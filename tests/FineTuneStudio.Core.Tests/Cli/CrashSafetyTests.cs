using System.Diagnostics;
using System.Text;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Cli;

/// <summary>
/// The real <c>fts</c> process is killed (SIGKILL, no chance to clean up) in the middle of a long
/// import or export; the database must open afterwards consistent, with nothing half-done in it.
/// </summary>
public sealed class CrashSafetyTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-crash-").FullName;

    private string DbPath => Path.Combine(_folder, "studio.db");

    private string StoragePath => Path.Combine(_folder, "storage");

    private StudioDatabaseSettings Settings => new(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(DbPath));

    [Fact]
    public async Task Import_KilledWhileWriting_LeavesNoExamples_AndTheDatabaseIsIntact()
    {
        var file = Path.Combine(_folder, "big.jsonl");
        await WriteChatsAsync(file, 60_000);

        using var fts = StartFts("import", file, "--db", DbPath, "--project", "Crash", "--dataset", "Tickets");
        // The import reports each tenth of the file on stderr; once rows are being written, pull the plug.
        var sign = await fts.WaitForLineAsync(line => line.StartsWith("writing: ", StringComparison.Ordinal) && !line.StartsWith("writing: 0 ", StringComparison.Ordinal));
        sign.ShouldNotBeNull($"no write progress before the import ended: {fts.Transcript}");
        fts.Kill();

        IntegrityCheck().ShouldBe("ok");
        await using (var db = new SettingsDbContextFactory(Settings).CreateDbContext())
        {
            (await db.Examples.CountAsync()).ShouldBe(0);
            (await db.ExampleMessages.CountAsync()).ShouldBe(0);
        }

        // The import drops the search trigger inside its transaction and fills the index at the end: the kill rolls
        // both back, so the trigger is in place and the index holds nothing.
        Scalar("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'Examples_SearchInsert'").ShouldBe(1L);
        Scalar("SELECT count(*) FROM \"ExampleSearch_docsize\"").ShouldBe(0L);

        // After the restart the same import runs to the end.
        var small = Path.Combine(_folder, "small.jsonl");
        await WriteChatsAsync(small, 20);
        var again = await RunAsync("import", small, "--db", DbPath, "--project", "Crash", "--dataset", "Tickets");
        again.ExitCode.ShouldBe(0, again.Error);
        await using (var db = new SettingsDbContextFactory(Settings).CreateDbContext())
        {
            (await db.Examples.CountAsync()).ShouldBe(20);
        }

        // Every example of the second import is found by the search index, and the index matches its rows.
        Scalar("SELECT count(*) FROM \"ExampleSearch\" WHERE \"ExampleSearch\" MATCH '\"times out\"'").ShouldBe(20L);
        Scalar("INSERT INTO \"ExampleSearch\"(\"ExampleSearch\", rank) VALUES ('integrity-check', 1)").ShouldBeNull();
    }

    [Fact]
    public async Task Export_KilledWhileWritingFiles_LeavesNoVersion_AndTheDatabaseIsIntact()
    {
        var file = Path.Combine(_folder, "approved.jsonl");
        await WriteChatsAsync(file, 20_000);
        var import = await RunAsync("import", file, "--db", DbPath, "--project", "Crash", "--dataset", "Tickets", "--status", "approved");
        import.ExitCode.ShouldBe(0, import.Error);

        using var fts = StartFts("export", "--db", DbPath, "--project", "Crash", "--dataset", "Tickets", "--target", "openai-chat",
            "--out", Path.Combine(_folder, "out"), "--storage", StoragePath);
        // The version's files are written to a temporary folder first: once the training file grows, pull the plug.
        var started = await fts.WaitForAsync(() => Directory.Exists(Path.Combine(StoragePath, "tmp"))
            && Directory.EnumerateFiles(Path.Combine(StoragePath, "tmp"), "*.jsonl", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 0));
        started.ShouldBeTrue($"the export ended before it wrote anything: {fts.Transcript}");
        fts.Kill();

        IntegrityCheck().ShouldBe("ok");
        await using (var db = new SettingsDbContextFactory(Settings).CreateDbContext())
        {
            (await db.DatasetVersions.CountAsync()).ShouldBe(0);
            (await db.DatasetVersionFiles.CountAsync()).ShouldBe(0);
            (await db.DatasetVersionExamples.CountAsync()).ShouldBe(0);
            (await db.Examples.CountAsync()).ShouldBe(20_000);
        }

        // Version folders only appear by the final rename; the half-written files stay in tmp/.
        Directory.Exists(Path.Combine(StoragePath, "datasets")).ShouldBeFalse();
        var list = await RunAsync("datasets", "list", "--db", DbPath, "--project", "Crash");
        list.ExitCode.ShouldBe(0, list.Error);
    }

    [Fact]
    public async Task Database_MadeByTheCli_IsInWalMode_AndItsConnectionsWaitForLocks()
    {
        var migrate = await RunAsync("migrate", "--db", DbPath);
        migrate.ExitCode.ShouldBe(0, migrate.Error);

        // A context built the way the CLI and the web app build theirs.
        await using var db = StudioDbContextOptions.Create(Settings);
        await db.Database.OpenConnectionAsync();
        var connection = db.Database.GetDbConnection();
        Pragma(connection, "journal_mode").ShouldBe("wal");
        Pragma(connection, "busy_timeout").ShouldBe("30000");
    }

    private static string Pragma(System.Data.Common.DbConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name};";
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture)!;
    }

    private string IntegrityCheck()
    {
        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection(StudioDatabaseSettings.SqliteConnectionFor(DbPath));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        return (string)command.ExecuteScalar()!;
    }

    private object? Scalar(string sql)
    {
        SqliteConnection.ClearAllPools();
        using var connection = new SqliteConnection(StudioDatabaseSettings.SqliteConnectionFor(DbPath));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static async Task WriteChatsAsync(string path, int count)
    {
        var labels = new[] { "critical", "high", "normal", "low" };
        await using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false));
        for (var i = 0; i < count; i++)
        {
            await writer.WriteLineAsync(
                $$"""{"messages":[{"role":"system","content":"You sort support tickets by urgency."},{"role":"user","content":"Ticket {{i}}: the export page times out after {{i % 90 + 1}} seconds for account {{1000 + i % 9000}} in region {{i % 7}}."},{"role":"assistant","content":"{{labels[i % 4]}}"}]}""");
        }
    }

    private static FtsProcess StartFts(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "fts.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return new FtsProcess(Process.Start(info)!);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }

    /// <summary>A running fts with its output collected line by line.</summary>
    private sealed class FtsProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _transcript = new();
        private readonly Lock _gate = new();
        private readonly List<string> _lines = [];

        public FtsProcess(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) => Add(e.Data);
            _process.ErrorDataReceived += (_, e) => Add(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Transcript
        {
            get
            {
                lock (_gate)
                {
                    return _transcript.ToString();
                }
            }
        }

        private void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_gate)
            {
                _lines.Add(line);
                _transcript.AppendLine(line);
            }
        }

        /// <summary>The first output line that matches, or null when the process ended without one.</summary>
        public async Task<string?> WaitForLineAsync(Func<string, bool> match)
        {
            string? found = null;
            await WaitForAsync(() =>
            {
                lock (_gate)
                {
                    found = _lines.FirstOrDefault(match);
                }

                return found is not null;
            });
            return found;
        }

        /// <summary>Polls until the condition holds (true) or the process ends first (false).</summary>
        public async Task<bool> WaitForAsync(Func<bool> condition)
        {
            var until = DateTime.UtcNow + Patience;
            while (DateTime.UtcNow < until)
            {
                if (condition())
                {
                    return true;
                }

                if (_process.HasExited)
                {
                    return condition();
                }

                await Task.Delay(10);
            }

            return false;
        }

        /// <summary>SIGKILL: the process gets no chance to roll back, delete files or release anything.</summary>
        public void Kill()
        {
            _process.HasExited.ShouldBeFalse($"fts ended before it could be killed: {Transcript}");
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.Dispose();
        }
    }
}
