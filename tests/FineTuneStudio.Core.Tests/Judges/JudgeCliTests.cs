using System.Globalization;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Tests.Evaluation;
using FineTuneStudio.Core.Tests.Support;
using static FineTuneStudio.Core.Tests.Support.CliRun;

namespace FineTuneStudio.Core.Tests.Judges;

/// <summary>
/// <c>fts judge</c> and <c>fts comparisons</c> as a script runs them: twelve items where the candidate gives the
/// longer answer on q1–q8, the baseline on q9–q12, reviewed blind by two people who prefer the longer answer.
/// </summary>
public sealed class JudgeCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fts-judge-cli-").FullName;
    private readonly string _endpoint = $"judgecli{Guid.NewGuid():N}";

    private string DbPath => Path.Combine(_folder, "studio.db");

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Outputs(Func<int, string> output) => "id,output\n" + string.Concat(Enumerable.Range(1, 12).Select(i => $"q{i},{output(i)}\n"));

    /// <summary>The project, set, runs and blind review made with fts itself; the people's picks through the review service, as the browser records them.</summary>
    private async Task<(int ComparisonId, int CandidateId)> ArrangeAsync()
    {
        (await RunAsync("migrate", "--db", DbPath)).ExitCode.ShouldBe(0);
        await JsonAsync(DbPath, "projects", "create", "--name", "Billing");
        await JsonAsync(DbPath, "eval-sets", "create", "--project", "Billing", "--name", "Held-out", "--metrics", "exact");
        var items = string.Join('\n', Enumerable.Range(1, 12).Select(i => $$"""{"id":"q{{i}}","input":"question {{i}}","expected":"refund in 14 days"}"""));
        await JsonAsync(DbPath, "eval-sets", "import", "--project", "Billing", "--set", "Held-out", Write("items.jsonl", items));
        var baseline = (await JsonAsync(DbPath, "eval", "import-run", "--project", "Billing", "--set", "Held-out", "--name", "Prompted", "--baseline",
            "--outputs", Write("a.csv", Outputs(i => i <= 8 ? "no" : "a refund takes 14 days from the request")))).GetProperty("id").GetInt32();
        var candidate = (await JsonAsync(DbPath, "eval", "import-run", "--project", "Billing", "--set", "Held-out", "--name", "Tuned v1",
            "--outputs", Write("b.csv", Outputs(i => i <= 8 ? "your refund arrives within 14 days" : "no")))).GetProperty("id").GetInt32();
        var comparison = (await JsonAsync(DbPath, "comparisons", "create", "--baseline", Id(baseline), "--candidate", Id(candidate), "--name", "Tuned v1 vs prompted")).GetProperty("id").GetInt32();

        var factory = new SettingsDbContextFactory(new StudioDatabaseSettings(DatabaseProvider.Sqlite, StudioDatabaseSettings.SqliteConnectionFor(DbPath)));
        var reviews = new ComparisonService(factory, TimeProvider.System);
        foreach (var reviewer in new[] { "reviewer-1", "reviewer-2" })
        {
            while (await reviews.NextAsync(comparison, reviewer, default) is { } pair)
            {
                await reviews.JudgeAsync(comparison, pair.ItemId, reviewer, pair.LeftOutput.Length > pair.RightOutput.Length ? BlindPick.Left : BlindPick.Right, null, Actor.System, default);
            }
        }

        return (comparison, candidate);
    }

    private static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>Points the endpoint this test names at a scripted judge for the duration of the body.</summary>
    private async Task WithEndpointAsync(Func<string, int, FakeReply> rule, Func<Task> body)
    {
        await using var server = ScriptedChatServer.Start(rule);
        var prefix = $"Studio__Evaluation__Generation__Endpoints__{_endpoint}__";
        Environment.SetEnvironmentVariable(prefix + "BaseUrl", server.BaseUrl);
        Environment.SetEnvironmentVariable(prefix + "ApiKey", "sk-judge-cli");
        try
        {
            await body();
        }
        finally
        {
            Environment.SetEnvironmentVariable(prefix + "BaseUrl", null);
            Environment.SetEnvironmentVariable(prefix + "ApiKey", null);
        }
    }

    [Fact]
    public async Task LongerAnswerJudge_RunsOverTheReview_AgreesWithThePeople_AndIsTrusted()
    {
        var (comparison, _) = await ArrangeAsync();
        var rubric = Write("rubric.md", "# Refund answers\n- Names the refund period\n- Says how long it takes\n");
        await WithEndpointAsync(ScriptedJudges.PrefersLonger, async () =>
        {
            var created = await RunAsync("judge", "create", "--db", DbPath, "--project", "Billing", "--name", "Longer is better", "--rubric", rubric, "--endpoint", _endpoint, "--model", "judge-model");
            created.ExitCode.ShouldBe(0, created.Error);
            created.Output.ShouldContain("created judge");

            var run = await RunAsync("judge", "run", "--db", DbPath, "--comparison", Id(comparison), "--judge", "longer is better", "--json");
            run.ExitCode.ShouldBe(0, run.Error);
            var results = JsonDocument.Parse(run.Output).RootElement;
            (results.GetProperty("winsA").GetInt32(), results.GetProperty("winsB").GetInt32(), results.GetProperty("positionDependent").GetInt32()).ShouldBe((4, 8, 0));
            results.GetProperty("run").GetProperty("status").GetString().ShouldBe("Completed");
            run.Error.ShouldContain("12/12 items judged, 0 failed");

            var calibration = await RunAsync("judge", "calibration", "--db", DbPath, "--judge", "Longer is better", "--json");
            calibration.ExitCode.ShouldBe(0, calibration.Error);
            var report = JsonDocument.Parse(calibration.Output).RootElement;
            // Judge and people agree on all 12 pairs (4 baseline, 8 candidate): p_o = 1, kappa = 1.
            report.GetProperty("figures").GetProperty("kappa").GetDouble().ShouldBe(1);
            report.GetProperty("figures").GetProperty("agreements").GetInt32().ShouldBe(12);
            report.GetProperty("positionBias").GetProperty("rate").GetDouble().ShouldBe(0);
            report.GetProperty("trust").GetProperty("trusted").GetBoolean().ShouldBeTrue();

            var text = await RunAsync("judge", "calibration", "--db", DbPath, "--judge", "Longer is better", "--project", "Billing");
            text.ExitCode.ShouldBe(0, text.Error);
            text.Output.ShouldContain("judge 'Longer is better' v1 (Pairwise): TRUSTED: kappa 1.00 against the people over 12 pairs");
            text.Output.ShouldContain("raw agreement: 100.0% (12 of 12 pairs)");
            text.Output.ShouldContain("position bias: the verdict flips with the order on 0.0% of pairs (0 of 12)");

            var list = await RunAsync("judge", "list", "--db", DbPath, "--project", "Billing");
            list.Output.ShouldContain("trusted: kappa 1.00");
        });
    }

    [Fact]
    public async Task AlwaysAJudge_ShowsFullPositionBias_NoTrustedVerdict_AndCalibrationExits1()
    {
        var (comparison, _) = await ArrangeAsync();
        var rubric = Write("rubric.md", "- Names the refund period\n");
        await WithEndpointAsync(ScriptedJudges.AlwaysA, async () =>
        {
            (await RunAsync("judge", "create", "--db", DbPath, "--project", "Billing", "--name", "First is best", "--rubric", rubric, "--endpoint", _endpoint, "--model", "judge-model")).ExitCode.ShouldBe(0);

            var run = await RunAsync("judge", "run", "--db", DbPath, "--comparison", Id(comparison), "--judge", "First is best");
            run.ExitCode.ShouldBe(0, run.Error);
            // "A" read first is the baseline in one order and the candidate in the other: every verdict flips.
            run.Output.ShouldContain("baseline wins 0, candidate wins 0, ties 12 (12 of them position-dependent");

            var calibration = await RunAsync("judge", "calibration", "--db", DbPath, "--judge", "First is best");
            calibration.ExitCode.ShouldBe(1);
            calibration.Output.ShouldContain("NOT TRUSTED");
            calibration.Output.ShouldContain("position bias: the verdict flips with the order on 100.0% of pairs (12 of 12)");
            // The people picked the baseline on q9-q12 and the candidate on q1-q8; the judge tied every pair.
            calibration.Output.ShouldContain("baseline        0         0          4");
            calibration.Output.ShouldContain("candidate       0         0          8");
            calibration.Output.ShouldContain("disagreement q1 (review 1, item 1): people candidate (2 vote(s)), judge tie (position-dependent)");
            calibration.Error.ShouldContain("is not trusted: kappa 0.00 against the people is below 0.60");
            var json = await RunAsync("judge", "calibration", "--db", DbPath, "--judge", "First is best", "--json");
            json.ExitCode.ShouldBe(1);
            var report = JsonDocument.Parse(json.Output).RootElement;
            report.GetProperty("positionBias").GetProperty("rate").GetDouble().ShouldBe(1);
            report.GetProperty("disagreements").GetArrayLength().ShouldBe(12);
        });
    }

    [Fact]
    public async Task PassFailJudge_OverOneRun_PrintsThePassRate()
    {
        var (_, candidate) = await ArrangeAsync();
        var rubric = Write("rubric.md", "- Names the refund period\n");
        // The candidate answers "no" on q9-q12: those fail, the eight that name the period pass.
        await WithEndpointAsync((prompt, _) => FakeReply.Text(prompt.Contains("<answer>\nno\n</answer>", StringComparison.Ordinal) ? """{"verdict":"fail"}""" : """{"verdict":"pass"}"""), async () =>
        {
            (await RunAsync("judge", "create", "--db", DbPath, "--project", "Billing", "--name", "Names the period", "--mode", "pass-fail", "--rubric", rubric, "--endpoint", _endpoint, "--model", "judge-model")).ExitCode.ShouldBe(0);

            var run = await RunAsync("judge", "run", "--db", DbPath, "--run", Id(candidate), "--judge", "Names the period", "--project", "Billing");

            run.ExitCode.ShouldBe(0, run.Error);
            run.Output.ShouldContain("over Tuned v1: Completed, 12 of 12 items, 0 failed");
            run.Output.ShouldContain("pass rate 66.7%");
            run.Output.ShouldNotContain("baseline wins");
        });
    }

    [Fact]
    public async Task BadInput_UsageIs2_UnknownJudgeOrClosedReviewIs1()
    {
        var (comparison, _) = await ArrangeAsync();

        var both = await RunAsync("judge", "run", "--db", DbPath, "--judge", "X", "--comparison", Id(comparison), "--run", "1");
        both.ExitCode.ShouldBe(2);
        both.Error.ShouldContain("give one of --comparison ID or --run ID");
        (await RunAsync("judge", "run", "--db", DbPath, "--comparison", Id(comparison))).ExitCode.ShouldBe(2);
        var badMode = await RunAsync("judge", "create", "--db", DbPath, "--project", "Billing", "--name", "n", "--rubric", "r.md", "--endpoint", "e", "--model", "m", "--mode", "vibes");
        badMode.ExitCode.ShouldBe(2);

        var unknown = await RunAsync("judge", "calibration", "--db", DbPath, "--judge", "Nobody");
        unknown.ExitCode.ShouldBe(1);
        unknown.Error.ShouldContain("judge: no judge is named 'Nobody'");
        var noEndpoint = await RunAsync("judge", "create", "--db", DbPath, "--project", "Billing", "--name", "n", "--rubric", Write("r.md", "- x"), "--endpoint", "nowhere", "--model", "m");
        noEndpoint.ExitCode.ShouldBe(1);
        noEndpoint.Error.ShouldContain("endpoint");

        var closed = await RunAsync("comparisons", "close", Id(comparison), "--db", DbPath);
        closed.ExitCode.ShouldBe(0, closed.Error);
        closed.Output.ShouldContain("closed blind review");
        var again = await RunAsync("comparisons", "close", Id(comparison), "--db", DbPath);
        again.ExitCode.ShouldBe(1);
        again.Error.ShouldContain("already closed");
        var listed = await JsonAsync(DbPath, "comparisons", "list", "--project", "Billing");
        (listed[0].GetProperty("judgements").GetInt32(), listed[0].GetProperty("isClosed").GetBoolean()).ShouldBe((24, true));
        (await RunAsync("comparisons", "reopen", Id(comparison), "--db", DbPath)).ExitCode.ShouldBe(0);
        (await RunAsync("comparisons", "list", "--project", "Billing", "--db", DbPath)).Output.ShouldContain("open");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
