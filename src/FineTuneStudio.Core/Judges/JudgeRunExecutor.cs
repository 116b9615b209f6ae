using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Generation;
using FineTuneStudio.Core.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Judges;

/// <summary>
/// The calling side of a judge run: claims it (one instance at a time, by lease), asks the judge about every
/// item without a verdict (a few at once, stored by one writer as they come; see <see cref="RunLoop"/>), stops on cancel or shutdown.
/// Pairwise items are asked twice, run A's output first and then run B's; score and pass/fail read each output alone.
/// </summary>
public sealed class JudgeRunExecutor(
    IDbContextFactory<StudioDbContext> factory,
    TimeProvider clock,
    EvalEndpointCatalog endpoints,
    JobLeaseService leases,
    ILogger<JudgeRunExecutor> logger)
{
    /// <summary>Claims a Pending run and judges it. False when another instance has it or it is not Pending any more.</summary>
    public async Task<bool> ExecuteAsync(int runId, Actor actor, IProgress<JudgeRunProgress>? progress, CancellationToken instanceStopping, CancellationToken cancellationToken)
    {
        var claim = await TryClaimAsync(runId, resume: false, cancellationToken);
        if (claim is null)
        {
            return false;
        }

        await JudgeClaimedAsync(claim, actor, progress, instanceStopping, cancellationToken);
        return true;
    }

    /// <summary>Takes over a Pending or Running run no live instance holds. Conflict when it has ended or is held.</summary>
    public async Task<JobLeaseHandle> ClaimOrphanAsync(int runId, Actor actor, CancellationToken cancellationToken)
    {
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            var status = await db.JudgeRuns.AsNoTracking().Where(r => r.Id == runId).Select(r => (EvalRunStatus?)r.Status)
                .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("Judge run", runId);
            if (status is not (EvalRunStatus.Pending or EvalRunStatus.Running))
            {
                throw new ConflictException($"Judge run {runId} has ended ({status}); there is nothing to resume.");
            }
        }

        var claim = await TryClaimAsync(runId, resume: true, cancellationToken)
            ?? throw new ConflictException($"Judge run {runId} is being judged by a running instance; it can be resumed only after that instance stops.");
        try
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            var kept = await db.JudgeVerdicts.CountAsync(v => v.JudgeRunId == runId, cancellationToken);
            AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "judgerun.resume", nameof(JudgeRun), runId, $"judging resumed; {kept} finished item(s) kept");
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            await claim.DisposeAsync();
            throw;
        }

        logger.LogInformation("Judge run {RunId} resumed by {Owner}", runId, leases.Owner);
        return claim;
    }

    /// <summary>Judges the items of a claimed run that have no verdict yet; the final status and the claim's release are written together.</summary>
    public async Task JudgeClaimedAsync(JobLeaseHandle claim, Actor actor, IProgress<JudgeRunProgress>? progress, CancellationToken instanceStopping, CancellationToken cancellationToken)
    {
        await using (claim)
        {
            await JudgeMissingAsync(int.Parse(claim.Key, System.Globalization.CultureInfo.InvariantCulture), claim, progress, instanceStopping, cancellationToken);
        }
    }

    private async Task JudgeMissingAsync(int runId, JobLeaseHandle claim, IProgress<JudgeRunProgress>? progress, CancellationToken instanceStopping, CancellationToken cancellationToken)
    {
        JudgeRun run;
        JudgeVersion version;
        List<EvalItem> items;
        Dictionary<int, EvalResult> outputsA;
        Dictionary<int, EvalResult> outputsB;
        int kept;
        int keptFailed;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            run = await db.JudgeRuns.AsNoTracking().SingleAsync(r => r.Id == runId, cancellationToken);
            version = await db.JudgeVersions.AsNoTracking().SingleAsync(v => v.Id == run.JudgeVersionId, cancellationToken);
            var (runA, runB) = (run.EvalRunId ?? 0, (int?)null);
            if (run.ComparisonId is { } comparisonId)
            {
                var comparison = await db.Comparisons.AsNoTracking().SingleAsync(c => c.Id == comparisonId, cancellationToken);
                (runA, runB) = (comparison.RunAId, comparison.RunBId);
            }

            var setId = await db.EvalRuns.Where(r => r.Id == runA).Select(r => r.EvalSetId).SingleAsync(cancellationToken);
            // Items judged before (by an instance that stopped) keep their verdict and are not asked again.
            items = await db.EvalItems.AsNoTracking().Where(i => i.EvalSetId == setId && !db.JudgeVerdicts.Any(v => v.JudgeRunId == runId && v.EvalItemId == i.Id))
                .OrderBy(i => i.Id).ToListAsync(cancellationToken);
            outputsA = await db.EvalResults.AsNoTracking().Where(r => r.EvalRunId == runA).ToDictionaryAsync(r => r.EvalItemId, cancellationToken);
            outputsB = runB is { } b ? await db.EvalResults.AsNoTracking().Where(r => r.EvalRunId == b).ToDictionaryAsync(r => r.EvalItemId, cancellationToken) : [];
            kept = await db.JudgeVerdicts.CountAsync(v => v.JudgeRunId == runId, cancellationToken);
            keptFailed = await db.JudgeVerdicts.CountAsync(v => v.JudgeRunId == runId && v.Failed, cancellationToken);
        }

        var total = kept + items.Count;
        var endpoint = endpoints.Find(version.Endpoint);
        if (endpoint is null)
        {
            var missing = $"the endpoint '{version.Endpoint}' is not configured on this machine";
            await FinishAsync(runId, EvalRunStatus.Failed, missing, claim, cancellationToken);
            progress?.Report(new JudgeRunProgress(runId, EvalRunStatus.Failed, kept, total, keptFailed, missing));
            return;
        }

        var settings = endpoints.Options;
        var timeout = TimeSpan.FromSeconds(Math.Max(1, settings.TimeoutSeconds));
        var ask = new Asker(
            ChatEndpointClient.Create(endpoint.BaseUrl!, version.Model, endpoint.ApiKey, maxRetries: 0, networkTimeout: timeout + TimeSpan.FromSeconds(5)),
            new ChatOptions { Temperature = version.Temperature },
            new EndpointRetry(settings.MaxRetries, settings.RetryDelayMilliseconds, timeout),
            version.Endpoint, endpoint.BaseUrl, clock);
        var comparing = run.ComparisonId is not null;
        logger.LogInformation("Judging run {RunId} with {Judge} v{Version} ({Mode}): {Items} items ({Kept} done before), at most {Concurrency} at once",
            runId, version.JudgeId, version.Number, version.Mode, items.Count, kept, settings.MaxConcurrency);

        var done = kept;
        var failed = keptFailed;
        progress?.Report(new JudgeRunProgress(runId, EvalRunStatus.Running, done, total, failed, null));
        RunLoopEnding ending;
        try
        {
            ending = await RunLoop.RunAsync(items, settings.MaxConcurrency,
                async (item, token) =>
                {
                    var verdict = comparing
                        ? await JudgePairAsync(ask, version, item, outputsA.GetValueOrDefault(item.Id), outputsB.GetValueOrDefault(item.Id), token)
                        : await JudgeAloneAsync(ask, version, item, outputsA.GetValueOrDefault(item.Id), token);
                    verdict.JudgeRunId = runId;
                    verdict.EvalItemId = item.Id;
                    if (verdict.Failed)
                    {
                        logger.LogWarning("Judge run {RunId}, item {ItemId}: no verdict: {Error}", runId, item.Id, verdict.Error);
                    }

                    return verdict;
                },
                async batch =>
                {
                    await using var write = await factory.CreateDbContextAsync(CancellationToken.None);
                    write.JudgeVerdicts.AddRange(batch);
                    await write.SaveChangesAsync(CancellationToken.None);
                    return await write.JudgeRuns.AnyAsync(r => r.Id == runId && r.Status == EvalRunStatus.Cancelled, CancellationToken.None);
                },
                batch =>
                {
                    done += batch.Count;
                    failed += batch.Count(v => v.Failed);
                    progress?.Report(new JudgeRunProgress(runId, EvalRunStatus.Running, done, total, failed, null));
                },
                () => IsCancelledAsync(runId), instanceStopping, cancellationToken);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Judge run {RunId} stopped after {Done} of {Total} items", runId, done, total);
            var stopped = $"stopped after {done} of {total} items; the error was logged";
            await FinishAsync(runId, EvalRunStatus.Failed, stopped, claim, CancellationToken.None);
            progress?.Report(new JudgeRunProgress(runId, EvalRunStatus.Failed, done, total, failed, stopped));
            throw;
        }

        if (ending == RunLoopEnding.InstanceStopping)
        {
            // The instance is shutting down, nobody cancelled: the run stays Running and resumable.
            logger.LogInformation("Judge run {RunId} left Running after {Done} of {Total} items: this instance is stopping", runId, done, total);
            progress?.Report(new JudgeRunProgress(runId, EvalRunStatus.Running, done, total, failed, null) { Orphaned = true });
            return;
        }

        if (ending == RunLoopEnding.Cancelled)
        {
            var message = $"cancelled after {done} of {total} items";
            await FinishAsync(runId, EvalRunStatus.Cancelled, message, claim, CancellationToken.None);
            logger.LogInformation("Judge run {RunId} was cancelled after {Done} of {Total} items", runId, done, total);
            progress?.Report(new JudgeRunProgress(runId, EvalRunStatus.Cancelled, done, total, failed, message));
            return;
        }

        var allFailed = total > 0 && failed == total;
        var status = allFailed ? EvalRunStatus.Failed : EvalRunStatus.Completed;
        var error = allFailed ? "no item got a verdict; see the item errors" : null;
        await FinishAsync(runId, status, error, claim, CancellationToken.None);
        logger.LogInformation("Judge run {RunId} finished: {Done} items, {Failed} without a verdict", runId, done, failed);
        progress?.Report(new JudgeRunProgress(runId, status, done, total, failed, error));
    }

    /// <summary>Two outputs of one item. Pairwise: both orders, the picks mapped back to runs; scores: each output alone, the higher one wins.</summary>
    private static async Task<JudgeVerdict> JudgePairAsync(Asker ask, JudgeVersion version, EvalItem item, EvalResult? a, EvalResult? b, CancellationToken token)
    {
        if ((NoOutput(a, "A") ?? NoOutput(b, "B")) is { } missing)
        {
            return Failed(missing);
        }

        var verdict = new JudgeVerdict();
        if (version.Mode == JudgeMode.Pairwise)
        {
            var aFirst = await ask.ReadAsync(version.Mode, JudgePrompt.Pairwise(version.Rubric, item.InputJson, item.Expected, a!.Output!, b!.Output!, item.AlsoAccepted), verdict, token);
            var bFirst = await ask.ReadAsync(version.Mode, JudgePrompt.Pairwise(version.Rubric, item.InputJson, item.Expected, b.Output!, a.Output!, item.AlsoAccepted), verdict, token);
            verdict.ReasoningAFirst = aFirst.Reasoning;
            verdict.ReasoningBFirst = bFirst.Reasoning;
            if ((aFirst.Error ?? bFirst.Error) is { } error)
            {
                return FailedWith(verdict, error);
            }

            // In the B-first order the answer shown as A is run B's.
            verdict.AFirstChoice = ToChoice(aFirst.Pick!, swapped: false);
            verdict.BFirstChoice = ToChoice(bFirst.Pick!, swapped: true);
            (var choice, verdict.PositionDependent) = JudgeCalibration.Combine(verdict.AFirstChoice.Value, verdict.BFirstChoice.Value);
            verdict.Choice = choice;
            return verdict;
        }

        var readA = await ask.ReadAsync(version.Mode, JudgePrompt.Single(version.Mode, version.Rubric, item.InputJson, item.Expected, a!.Output!, item.AlsoAccepted), verdict, token);
        var readB = await ask.ReadAsync(version.Mode, JudgePrompt.Single(version.Mode, version.Rubric, item.InputJson, item.Expected, b!.Output!, item.AlsoAccepted), verdict, token);
        verdict.ReasoningAFirst = readA.Reasoning;
        verdict.ReasoningBFirst = readB.Reasoning;
        if ((readA.Error ?? readB.Error) is { } scoreError)
        {
            return FailedWith(verdict, scoreError);
        }

        verdict.ScoreA = readA.Score;
        verdict.ScoreB = readB.Score;
        verdict.Choice = readA.Score > readB.Score ? JudgementChoice.A : readB.Score > readA.Score ? JudgementChoice.B : JudgementChoice.Tie;
        return verdict;
    }

    /// <summary>One run's output read alone: its score (or pass as 1, fail as 0) goes in <see cref="JudgeVerdict.ScoreA"/>.</summary>
    private static async Task<JudgeVerdict> JudgeAloneAsync(Asker ask, JudgeVersion version, EvalItem item, EvalResult? output, CancellationToken token)
    {
        if (NoOutput(output, "") is { } missing)
        {
            return Failed(missing);
        }

        var verdict = new JudgeVerdict();
        var reading = await ask.ReadAsync(version.Mode, JudgePrompt.Single(version.Mode, version.Rubric, item.InputJson, item.Expected, output!.Output!, item.AlsoAccepted), verdict, token);
        verdict.ReasoningAFirst = reading.Reasoning;
        if (reading.Error is { } error)
        {
            return FailedWith(verdict, error);
        }

        verdict.ScoreA = reading.Score;
        return verdict;
    }

    private static string? NoOutput(EvalResult? result, string run)
    {
        var name = run.Length == 0 ? "the run" : $"run {run}";
        return result switch
        {
            null => $"{name} has no output for this item",
            { Failed: true } => $"{name} failed on this item",
            { Output: null } => $"{name} has no output for this item",
            _ => null,
        };
    }

    private static JudgementChoice ToChoice(string pick, bool swapped) => pick switch
    {
        "A" => swapped ? JudgementChoice.B : JudgementChoice.A,
        "B" => swapped ? JudgementChoice.A : JudgementChoice.B,
        _ => JudgementChoice.Tie,
    };

    private static JudgeVerdict Failed(string error) => new() { Failed = true, Error = error };

    private static JudgeVerdict FailedWith(JudgeVerdict verdict, string error)
    {
        verdict.Failed = true;
        verdict.Error = error;
        verdict.Choice = null;
        return verdict;
    }

    private async Task<bool> IsCancelledAsync(int runId)
    {
        await using var db = await factory.CreateDbContextAsync(CancellationToken.None);
        return await db.JudgeRuns.AnyAsync(r => r.Id == runId && r.Status == EvalRunStatus.Cancelled, CancellationToken.None);
    }

    private Task<JobLeaseHandle?> TryClaimAsync(int runId, bool resume, CancellationToken cancellationToken) =>
        leases.TryClaimAsync(JudgeRuns.LeaseKind, JudgeRuns.LeaseKey(runId), resume, async token =>
        {
            await using var db = await factory.CreateDbContextAsync(token);
            return await db.JudgeRuns
                .Where(r => r.Id == runId && (r.Status == EvalRunStatus.Pending || (resume && r.Status == EvalRunStatus.Running)))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, EvalRunStatus.Running), token) == 1;
        }, cancellationToken);

    private async Task FinishAsync(int runId, EvalRunStatus status, string? error, JobLeaseHandle claim, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // A run someone cancelled stays cancelled even if its last items finished meanwhile.
        await db.JudgeRuns.Where(r => r.Id == runId && (r.Status == EvalRunStatus.Running || status == EvalRunStatus.Cancelled))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status).SetProperty(r => r.Error, error).SetProperty(r => r.CompletedAt, now), cancellationToken);
        await claim.ReleaseWithinAsync(db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>One judge call with retries, its answer read; tokens and latency add up on the verdict.</summary>
    private sealed record Asker(IChatClient Client, ChatOptions Options, EndpointRetry Retry, string EndpointName, string? BaseUrl, TimeProvider Clock)
    {
        public async Task<JudgeReading> ReadAsync(JudgeMode mode, List<ChatMessage> messages, JudgeVerdict verdict, CancellationToken token)
        {
            var answer = await EndpointAsk.AskAsync(Client, messages, Options, Retry, EndpointName, BaseUrl, Clock, token);
            verdict.PromptTokens = Add(verdict.PromptTokens, answer.PromptTokens);
            verdict.CompletionTokens = Add(verdict.CompletionTokens, answer.CompletionTokens);
            verdict.LatencyMs = Add(verdict.LatencyMs, answer.LatencyMs);
            return answer.Error is { } error ? new JudgeReading(null, null, "", error) : JudgePrompt.Read(mode, answer.Text);
        }

        private static int? Add(int? sum, int? more) => more is null ? sum : (sum ?? 0) + more;
    }
}
