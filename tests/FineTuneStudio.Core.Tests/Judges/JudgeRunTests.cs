using System.Globalization;
using System.Text.RegularExpressions;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Judges;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Core.Tests.Evaluation;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Tests.Judges;

/// <summary>
/// Judge runs against a scripted endpoint on 127.0.0.1, over a comparison of twelve items where the candidate
/// (run B) gives the longer answer on q1–q8 and the baseline (run A) on q9–q12; two people reviewed it blind,
/// each preferring the longer answer.
/// </summary>
public sealed partial class JudgeRunTests : IAsyncLifetime
{
    private const int Items = 12;
    private static readonly Actor Lead = new("user-lead", "lead@example.test");
    private readonly ManualClock _clock = new(new DateTime(2026, 12, 5, 9, 0, 0, DateTimeKind.Utc));
    private TestDatabase _db = default!;
    private int _projectId;
    private int _baselineId;
    private int _candidateId;
    private int _comparisonId;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateOnFileAsync();
        _projectId = (await new ProjectService(_db, _clock).CreateAsync(new ProjectInput("Billing", null), Lead, default)).Id;
        var sets = new EvalSets(_db, _clock);
        var setId = (await sets.CreateSetAsync(_projectId, new EvalSetInput("Held-out", "", ["exact"]), Lead, default)).Id;
        var items = Enumerable.Range(1, Items).Select(i => $$"""{"id":"q{{i}}","input":"question {{i}}","expected":"refund in 14 days"}""");
        await sets.ImportItemsAsync(setId, string.Join('\n', items), "items.jsonl", Lead, default);
        var runs = new EvalRuns(_db, _clock);
        _baselineId = (await runs.ImportRunAsync(setId, new EvalRunInput("Prompted", Model: "base", IsBaseline: true), Outputs(i => i <= 8 ? "no" : "a refund takes 14 days from the request"), "a.csv", Lead, default)).Id;
        _candidateId = (await runs.ImportRunAsync(setId, new EvalRunInput("Tuned v1", Model: "tuned"), Outputs(i => i <= 8 ? "your refund arrives within 14 days" : "no"), "b.csv", Lead, default)).Id;
        var reviews = new ComparisonService(_db, _clock);
        _comparisonId = (await reviews.CreateAsync(_baselineId, _candidateId, "Tuned v1 vs prompted", Lead, default)).Id;
        foreach (var reviewer in new[] { "reviewer-1", "reviewer-2" })
        {
            await ReviewPreferringLongerAsync(reviews, _comparisonId, reviewer);
        }
    }

    public async Task DisposeAsync() => await _db.DisposeAsync();

    private static string Outputs(Func<int, string> output) =>
        "id,output\n" + string.Concat(Enumerable.Range(1, Items).Select(i => $"q{i},{output(i)}\n"));

    /// <summary>A person who reads both sides and picks the longer answer.</summary>
    private static async Task ReviewPreferringLongerAsync(ComparisonService reviews, int comparisonId, string reviewer)
    {
        while (await reviews.NextAsync(comparisonId, reviewer, default) is { } pair)
        {
            var pick = pair.LeftOutput.Length > pair.RightOutput.Length ? BlindPick.Left : BlindPick.Right;
            await reviews.JudgeAsync(comparisonId, pair.ItemId, reviewer, pick, null, Lead, default);
        }
    }

    [GeneratedRegex(@"question (\d+)")]
    private static partial Regex Question();

    private static int QuestionOf(string prompt) => int.Parse(Question().Match(prompt).Groups[1].Value, CultureInfo.InvariantCulture);

    private static FakeReply PrefersLonger(string prompt, int attempt) => ScriptedJudges.PrefersLonger(prompt, attempt);

    private static FakeReply AlwaysA(string prompt, int attempt) => ScriptedJudges.AlwaysA(prompt, attempt);

    private async Task<int> JudgeAsync(Judging judging, string name, JudgeMode mode = JudgeMode.Pairwise) =>
        (await judging.Judges.CreateAsync(_projectId, new JudgeRequest { Name = name, Rubric = "- Names the refund period", Mode = mode, Endpoint = "judge", Model = "judge-model" }, Lead, default)).Judge.Id;

    private static async Task<int> RunAsync(Judging judging, int judgeId, int? comparisonId, int? evalRunId = null)
    {
        var run = await judging.Runs.CreateAsync(new JudgeRunRequest(judgeId, comparisonId, evalRunId), Lead, default);
        run.Status.ShouldBe(EvalRunStatus.Pending);
        (await judging.Executor.ExecuteAsync(run.Id, Lead, null, CancellationToken.None, default)).ShouldBeTrue();
        return run.Id;
    }

    [Fact]
    public async Task PairwiseJudge_PreferringTheLongerAnswer_AgreesWithThePeople_AndIsTrusted()
    {
        await using var server = ScriptedChatServer.Start(PrefersLonger);
        var judging = Judging.For(_db, _clock, server.BaseUrl, inputPrice: 2.5m, outputPrice: 10m);
        var judgeId = await JudgeAsync(judging, "Longer is better");

        var runId = await RunAsync(judging, judgeId, _comparisonId);

        server.TotalRequests.ShouldBe(2 * Items); // every pair in both orders
        var results = await judging.Runs.ResultsAsync(runId, default);
        results.Run.Status.ShouldBe(EvalRunStatus.Completed);
        (results.Judged, results.WinsA, results.WinsB, results.Ties, results.PositionDependent).ShouldBe((12, 4, 8, 0, 0));
        results.CandidateWinRate!.Rate.ShouldBe(8.0 / 12, 1e-9);
        results.PositionBias!.Rate.ShouldBe(0);
        var q1 = results.Verdicts.Single(v => v.ExternalId == "q1");
        (q1.AFirst, q1.BFirst, q1.Choice).ShouldBe((JudgementChoice.B, JudgementChoice.B, JudgementChoice.B));
        q1.ReasoningAFirst.ShouldBe("answer B says more");
        q1.ReasoningBFirst.ShouldBe("answer A says more"); // run B's answer was shown as A
        (q1.PromptTokens, q1.CompletionTokens).ShouldBe((200, 40));
        // 12 × 200 prompt tokens at $2.50 per million, 12 × 40 completion tokens at $10 per million.
        results.Run.Usage.PromptTokens.ShouldBe(2400);
        results.Run.Usage.CompletionTokens.ShouldBe(480);
        results.Run.Usage.CostUsd.ShouldBe(2400 * 2.5m / 1_000_000 + 480 * 10m / 1_000_000);

        var calibration = await judging.Calibration.CalibrateAsync(judgeId, null, default);
        calibration.Figures.Pairs.ShouldBe(12);
        calibration.Figures.Agreement.ShouldBe(1);
        calibration.Figures.Kappa.ShouldBe(1);
        calibration.PositionBias!.Rate.ShouldBe(0);
        calibration.Trust.Trusted.ShouldBeTrue();
        calibration.Disagreements.ShouldBeEmpty();
        calibration.Comparisons.Single().ShouldBe(new ComparisonCalibration(_comparisonId, "Tuned v1 vs prompted", runId, EvalRunStatus.Completed, 12, 12, 12, 1));

        var dashboard = (await judging.Calibration.ProjectVerdictsAsync(_projectId, default)).Single();
        dashboard.HumanJudgements.ShouldBe(24);
        dashboard.HumanWinRate.Rate.ShouldBe(16.0 / 24, 1e-9);
        var byJudge = dashboard.Judges.Single();
        (byJudge.JudgeName, byJudge.Judged, byJudge.Trust.Trusted).ShouldBe(("Longer is better", 12, true));
        byJudge.CandidateWinRate.Rate.ShouldBe(8.0 / 12, 1e-9);
    }

    [Fact]
    public async Task AlwaysAJudge_FlipsWithTheOrderOnEveryPair_CountsNoVerdict_AndIsNotTrusted()
    {
        await using var server = ScriptedChatServer.Start(AlwaysA);
        var judging = Judging.For(_db, _clock, server.BaseUrl);
        var judgeId = await JudgeAsync(judging, "First is best");

        var runId = await RunAsync(judging, judgeId, _comparisonId);

        var results = await judging.Runs.ResultsAsync(runId, default);
        (results.WinsA, results.WinsB, results.Ties, results.PositionDependent).ShouldBe((0, 0, 12, 12));
        results.Verdicts.ShouldAllBe(v => v.AFirst == JudgementChoice.A && v.BFirst == JudgementChoice.B && v.Choice == JudgementChoice.Tie);
        results.CandidateWinRate!.Trials.ShouldBe(0);

        var calibration = await judging.Calibration.CalibrateAsync(judgeId, null, default);
        calibration.PositionBias!.Rate.ShouldBe(1);
        calibration.PositionBias.Low.ShouldBeGreaterThan(0.75); // Wilson, 12 of 12
        calibration.Figures.Agreement.ShouldBe(0);
        calibration.Figures.Kappa.ShouldBe(0);
        calibration.Trust.Trusted.ShouldBeFalse();
        calibration.Trust.Reason.ShouldBe("kappa 0.00 against the people is below 0.60; its verdict flips with the order on 100% of pairs");
        calibration.Disagreements.Count.ShouldBe(12);
        calibration.Disagreements.ShouldAllBe(d => d.Judge == JudgementChoice.Tie && d.PositionDependent && d.HumanVotes == 2);
        calibration.Disagreements.Single(d => d.ExternalId == "q9").Human.ShouldBe(JudgementChoice.A);
        (await judging.Calibration.ProjectVerdictsAsync(_projectId, default)).Single().Judges.Single().Trust.Trusted.ShouldBeFalse();
    }

    [Fact]
    public async Task JudgeTyingTheLastTwo_KappaTwoThirds_AsComputedByHand()
    {
        // People: B on q1–q8, A on q9–q12. Judge: the same, but a tie on q11 and q12. po = 10/12;
        // people's shares B 2/3, A 1/3, tie 0; the judge's B 2/3, A 1/6, tie 1/6: pe = 4/9 + 1/18 = 1/2,
        // kappa = (5/6 − 1/2) / (1 − 1/2) = 2/3.
        await using var server = ScriptedChatServer.Start((prompt, attempt) =>
            QuestionOf(prompt) >= 11 ? FakeReply.Text("""{"verdict":"tie"}""") : PrefersLonger(prompt, attempt));
        var judging = Judging.For(_db, _clock, server.BaseUrl);
        var judgeId = await JudgeAsync(judging, "Mostly longer");
        await RunAsync(judging, judgeId, _comparisonId);

        var calibration = await judging.Calibration.CalibrateAsync(judgeId, null, default);

        calibration.Figures.Agreement!.Value.ShouldBe(10.0 / 12, 1e-9);
        calibration.Figures.Kappa!.Value.ShouldBe(2.0 / 3, 1e-9);
        calibration.Figures.Confusion.Counts.Select(r => r.ToArray()).ShouldBe([[2, 0, 2], [0, 8, 0], [0, 0, 0]]);
        calibration.Figures.KappaInterval!.Low.ShouldBeLessThan(2.0 / 3);
        calibration.Trust.Trusted.ShouldBeTrue();
        calibration.Disagreements.Select(d => d.ExternalId).ShouldBe(["q11", "q12"]);
    }

    [Fact]
    public async Task UnreadableAnswer_ThatItemFailsWithTheReason_TheOthersCount()
    {
        await using var server = ScriptedChatServer.Start((prompt, attempt) =>
            QuestionOf(prompt) == 5 ? FakeReply.Text("Hard to say.") : PrefersLonger(prompt, attempt));
        var judging = Judging.For(_db, _clock, server.BaseUrl);
        var judgeId = await JudgeAsync(judging, "Longer");

        var runId = await RunAsync(judging, judgeId, _comparisonId);

        var results = await judging.Runs.ResultsAsync(runId, default);
        results.Run.Status.ShouldBe(EvalRunStatus.Completed);
        results.Run.Failed.ShouldBe(1);
        results.Judged.ShouldBe(11);
        var q5 = results.Verdicts.Single(v => v.ExternalId == "q5");
        q5.Failed.ShouldBeTrue();
        q5.Choice.ShouldBeNull();
        q5.Error.ShouldBe("the judge's answer has no verdict A, B or tie: \"Hard to say.\"");
        (await judging.Calibration.CalibrateAsync(judgeId, null, default)).Figures.Pairs.ShouldBe(11);
    }

    [Fact]
    public async Task EndpointDown_RetriedThenTheItemFails_NamingTheEndpointNotItsAddress()
    {
        await using var server = ScriptedChatServer.Start((prompt, attempt) =>
            QuestionOf(prompt) == 2 ? FakeReply.Status(503) : PrefersLonger(prompt, attempt));
        var judging = Judging.For(_db, _clock, server.BaseUrl);
        var runId = await RunAsync(judging, await JudgeAsync(judging, "Longer"), _comparisonId);

        var q2 = (await judging.Runs.ResultsAsync(runId, default)).Verdicts.Single(v => v.ExternalId == "q2");

        q2.Failed.ShouldBeTrue();
        q2.Error!.ShouldContain("503");
        q2.Error!.ShouldContain("after 2 attempts");
        q2.Error!.ShouldNotContain("127.0.0.1");
    }

    [Fact]
    public async Task ScoreJudge_ReadsEachOutputAlone_TheHigherScoreWins()
    {
        await using var server = ScriptedChatServer.Start((prompt, _) =>
        {
            var answer = Regex.Match(prompt, "<answer>\n(.*?)\n</answer>", RegexOptions.Singleline).Groups[1].Value;
            return FakeReply.Text(answer.Contains("14 days", StringComparison.Ordinal) ? """{"score": 5}""" : """{"score": 2}""");
        });
        var judging = Judging.For(_db, _clock, server.BaseUrl);
        var runId = await RunAsync(judging, await JudgeAsync(judging, "Scorer", JudgeMode.Score), _comparisonId);

        var results = await judging.Runs.ResultsAsync(runId, default);

        server.TotalRequests.ShouldBe(2 * Items);
        (results.WinsA, results.WinsB, results.PositionDependent).ShouldBe((4, 8, 0));
        results.PositionBias.ShouldBeNull(); // no order to swap
        // A: 2 on q1–q8, 5 on q9–q12 → 36 / 12 = 3; B: 5 on q1–q8, 2 on q9–q12 → 48 / 12 = 4.
        (results.MeanScoreA, results.MeanScoreB).ShouldBe((3.0, 4.0));
    }

    [Fact]
    public async Task PassFailJudge_OverOneRun_PassIsOneFailZero()
    {
        await using var server = ScriptedChatServer.Start((prompt, _) =>
            FakeReply.Text(prompt.Contains("<answer>\nno\n</answer>", StringComparison.Ordinal) ? """{"verdict":"fail","reasoning":"no period named"}""" : """{"verdict":"pass"}"""));
        var judging = Judging.For(_db, _clock, server.BaseUrl);
        var runId = await RunAsync(judging, await JudgeAsync(judging, "Names the period", JudgeMode.PassFail), null, _candidateId);

        var results = await judging.Runs.ResultsAsync(runId, default);

        server.TotalRequests.ShouldBe(Items);
        results.Run.Target.ShouldBe("Tuned v1");
        results.Verdicts.Where(v => v.ScoreA == 1).Select(v => v.ExternalId).ShouldBe(Enumerable.Range(1, 8).Select(i => $"q{i}"), ignoreOrder: true);
        results.Verdicts.Single(v => v.ExternalId == "q9").ReasoningAFirst.ShouldBe("no period named");
        results.MeanScoreA!.Value.ShouldBe(8.0 / 12, 0.001);
        results.CandidateWinRate.ShouldBeNull();
    }

    [Fact]
    public async Task Create_RefusesWhatCannotBeJudged_NamingTheField()
    {
        var judging = Judging.For(_db, _clock, "http://127.0.0.1:9/v1");
        var pairwise = await JudgeAsync(judging, "Pairwise");

        var single = await Should.ThrowAsync<StudioValidationException>(() => judging.Runs.CreateAsync(new JudgeRunRequest(pairwise, null, _candidateId), Lead, default));
        single.Errors.Single().Field.ShouldBe("comparisonId");
        single.Errors.Single().Message.ShouldContain("give it a comparison");
        var both = await Should.ThrowAsync<StudioValidationException>(() => judging.Runs.CreateAsync(new JudgeRunRequest(pairwise, _comparisonId, _candidateId), Lead, default));
        both.Errors.Single().Message.ShouldBe("judge either a comparison or one eval run");
        await Should.ThrowAsync<NotFoundException>(() => judging.Runs.CreateAsync(new JudgeRunRequest(pairwise, 9999, null), Lead, default));

        var otherProject = (await new ProjectService(_db, _clock).CreateAsync(new ProjectInput("Other team", null), Lead, default)).Id;
        var foreign = (await judging.Judges.CreateAsync(otherProject, new JudgeRequest { Name = "Theirs", Rubric = "r", Endpoint = "judge", Model = "m" }, Lead, default)).Judge.Id;
        var wall = await Should.ThrowAsync<StudioValidationException>(() => judging.Runs.CreateAsync(new JudgeRunRequest(foreign, _comparisonId, null), Lead, default));
        wall.Errors.Single().Message.ShouldContain("not in the judge's project");

        // The endpoint was configured when the judge was made, not any more on this instance.
        var elsewhere = Judging.For(_db, _clock);
        var gone = await Should.ThrowAsync<StudioValidationException>(() => elsewhere.Runs.CreateAsync(new JudgeRunRequest(pairwise, _comparisonId, null), Lead, default));
        gone.Errors.Single().Field.ShouldBe("endpoint");
        await using var db = _db.CreateDbContext();
        (await db.JudgeRuns.CountAsync()).ShouldBe(0);
    }

    private async Task WaitForVerdictsAsync(int runId, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            await using var db = _db.CreateDbContext();
            if (await db.JudgeVerdicts.CountAsync(v => v.JudgeRunId == runId, timeout.Token) >= count)
            {
                return;
            }

            await Task.Delay(10, timeout.Token);
        }
    }

    [Fact]
    public async Task Cancel_DuringTheRun_StopsAfterTheCurrentItem_KeepsWhatWasJudged()
    {
        Judging judging = null!;
        var runId = 0;
        var cancelled = 0;
        await using var server = ScriptedChatServer.Start(async (prompt, attempt) =>
        {
            if (QuestionOf(prompt) == 3 && Interlocked.Exchange(ref cancelled, 1) == 0)
            {
                // Verdicts are stored by a writer beside the run: wait until the first two are, so the cancel is
                // noticed when pair 3's verdict is stored (noticed at pair 2's, it would stop pair 3 half judged).
                await WaitForVerdictsAsync(runId, 2);
                await judging.Runs.RequestCancelAsync(runId, Lead, default);
            }

            // Later pairs take as long as a slow judge: the run ends only by noticing the cancel.
            return QuestionOf(prompt) <= 3 ? PrefersLonger(prompt, attempt) : FakeReply.Hang;
        });
        judging = Judging.For(_db, _clock, server.BaseUrl, concurrency: 1);
        var judgeId = await JudgeAsync(judging, "Longer");
        runId = (await judging.Runs.CreateAsync(new JudgeRunRequest(judgeId, _comparisonId, null), Lead, default)).Id;

        await judging.Executor.ExecuteAsync(runId, Lead, null, CancellationToken.None, default);

        var run = await judging.Runs.GetAsync(runId, default);
        run.Status.ShouldBe(EvalRunStatus.Cancelled);
        run.Done.ShouldBe(3);
        await using var db = _db.CreateDbContext();
        (await db.AuditEvents.CountAsync(e => e.Action == "judgerun.cancel" && e.EntityId == runId.ToString())).ShouldBe(1);
        (await db.JobLeases.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Resume_AfterTheInstanceVanished_JudgesOnlyTheMissingItems()
    {
        await using var server = ScriptedChatServer.Start(PrefersLonger);
        var judging = Judging.For(_db, _clock, server.BaseUrl);
        var judgeId = await JudgeAsync(judging, "Longer");
        var runId = (await judging.Runs.CreateAsync(new JudgeRunRequest(judgeId, _comparisonId, null), Lead, default)).Id;
        await using (var db = _db.CreateDbContext())
        {
            // What a stopped instance leaves: the run Running, two verdicts, and a lease nobody renews.
            await db.JudgeRuns.Where(r => r.Id == runId).ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, EvalRunStatus.Running));
            foreach (var external in new[] { "q1", "q2" })
            {
                var itemId = await db.EvalItems.Where(i => i.ExternalId == external).Select(i => i.Id).SingleAsync();
                db.JudgeVerdicts.Add(new JudgeVerdict { JudgeRunId = runId, EvalItemId = itemId, AFirstChoice = JudgementChoice.B, BFirstChoice = JudgementChoice.B, Choice = JudgementChoice.B });
            }

            db.JobLeases.Add(new JobLease
            {
                Kind = JudgeRuns.LeaseKind, Key = runId.ToString(CultureInfo.InvariantCulture), Owner = "gone:4242:0000",
                Token = Guid.NewGuid(), AcquiredAt = _clock.UtcNow, ExpiresAt = _clock.UtcNow + JobLeaseService.Duration,
            });
            await db.SaveChangesAsync();
        }

        using var runner = judging.Runner();
        await Should.ThrowAsync<ConflictException>(() => runner.ResumeAsync(runId, Lead, default)); // the lease still looks live
        _clock.Advance(JobLeaseService.Duration + TimeSpan.FromSeconds(1));
        (await judging.Runs.GetProgressAsync(runId, default)).ShouldBe(new JudgeRunProgress(runId, EvalRunStatus.Running, 2, Items, 0, null) { Orphaned = true });
        (await judging.Runs.OrphanedRunIdsAsync(default)).ShouldBe([runId]);

        (await runner.ResumeAsync(runId, Lead, default)).Done.ShouldBe(2);
        await runner.WaitAsync(runId);

        server.TotalRequests.ShouldBe(2 * (Items - 2));
        server.Bodies.ShouldNotContain(b => b.Contains("question 1\\n", StringComparison.Ordinal));
        var results = await judging.Runs.ResultsAsync(runId, default);
        (results.Run.Status, results.Judged, results.WinsB).ShouldBe((EvalRunStatus.Completed, 12, 8));
        await using var check = _db.CreateDbContext();
        (await check.AuditEvents.CountAsync(e => e.Action == "judgerun.resume" && e.EntityId == runId.ToString())).ShouldBe(1);
        (await check.JobLeases.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task Runner_StartsInTheBackground_AndReportsProgressToTheEnd()
    {
        await using var server = ScriptedChatServer.Start(PrefersLonger);
        var judging = Judging.For(_db, _clock, server.BaseUrl);
        using var runner = judging.Runner();
        var seen = new List<JudgeRunProgress>();
        runner.Changed += p =>
        {
            lock (seen)
            {
                seen.Add(p);
            }
        };

        var run = await runner.StartAsync(new JudgeRunRequest(await JudgeAsync(judging, "Longer"), _comparisonId, null), Lead, default);
        await runner.WaitAsync(run.Id);

        seen.Last().ShouldBe(new JudgeRunProgress(run.Id, EvalRunStatus.Completed, Items, Items, 0, null));
        // Reported as verdicts are stored (one by one, or in a batch when several finish during a save): from 0 up to all.
        var running = seen.Where(p => p.Status == EvalRunStatus.Running).Select(p => p.Done).ToList();
        (running[0], running[^1]).ShouldBe((0, Items));
        running.ShouldBe(running.Order().ToList());
        (await runner.ProgressAsync(run.Id, default)).Percent.ShouldBe(100);
    }

    [Fact]
    public async Task Readiness_CountsATrustedJudgeAsEvidence_AnUntrustedOneOnlyByName()
    {
        await using var firstServer = ScriptedChatServer.Start(AlwaysA);
        await using var longerServer = ScriptedChatServer.Start(PrefersLonger);
        var judging = Judging.For(_db, _clock, firstServer.BaseUrl);
        var reader = new FineTuneStudio.Core.Readiness.ReadinessEvidenceReader(_db, new FineTuneStudio.Core.Quality.QualityService(_db, _clock,
            Microsoft.Extensions.Options.Options.Create(new FineTuneStudio.Core.Quality.QualityThresholds())), judging.Calibration);
        (await reader.GatherEvidenceAsync(_projectId, default)).TrustedJudges.ShouldBeNull(); // no judges: not measured

        var alwaysFirst = await judging.Judges.CreateAsync(_projectId, new JudgeRequest { Name = "First", Rubric = "Always first", Endpoint = "judge", Model = "m" }, Lead, default);
        await RunAsync(judging, alwaysFirst.Judge.Id, _comparisonId);
        var untrusted = await reader.GatherEvidenceAsync(_projectId, default);
        (untrusted.TrustedJudges, untrusted.UntrustedJudges, untrusted.BestJudgeKappa).ShouldBe((0, 1, null));
        var answers = new Dictionary<string, System.Text.Json.JsonElement> { [FineTuneStudio.Core.Readiness.ReadinessQuestionIds.EvalMetrics] = System.Text.Json.JsonSerializer.SerializeToElement("generic") };
        var kept = FineTuneStudio.Core.Readiness.ReadinessFacts.From(answers, untrusted).EvidenceUses.Single(u => u.QuestionId == FineTuneStudio.Core.Readiness.ReadinessQuestionIds.EvalMetrics);
        kept.Used.ShouldBe(FineTuneStudio.Core.Readiness.EvidenceSource.Answer);
        kept.Explanation.ShouldContain("not counted as evidence");

        var longer = Judging.For(_db, _clock, longerServer.BaseUrl);
        await RunAsync(longer, await JudgeAsync(longer, "Longer"), _comparisonId);
        var trusted = await reader.GatherEvidenceAsync(_projectId, default);
        (trusted.TrustedJudges, trusted.UntrustedJudges, trusted.BestJudgeKappa).ShouldBe((1, 1, 1.0));
        var used = FineTuneStudio.Core.Readiness.ReadinessFacts.From(answers, trusted).EvidenceUses.Single(u => u.QuestionId == FineTuneStudio.Core.Readiness.ReadinessQuestionIds.EvalMetrics);
        used.Used.ShouldBe(FineTuneStudio.Core.Readiness.EvidenceSource.Measured);
        used.Measured.ShouldBe("LLM judges in the project that agree with the blind human reviews: 1 (best kappa 1.00)");
        FineTuneStudio.Core.Readiness.ReadinessEvidenceText.MeasuredLines(trusted).ShouldContain(("LLM judges trusted against the blind human reviews", "1 of 2 (best kappa 1.00)"));
    }
}
