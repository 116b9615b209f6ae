using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Generation;
using FineTuneStudio.Core.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// The per-item loop of a claimed eval run: asks the endpoint for every item without a result (a few at
/// once, each stored as it finishes), stops on cancel or instance shutdown, then scores the run. Logs
/// under the generation service's category, as before the split.
/// </summary>
public sealed class EvalRunGenerator(
    IDbContextFactory<StudioDbContext> factory,
    TimeProvider clock,
    EvalEndpointCatalog endpoints,
    EvalRuns runs,
    ILogger<EvalGenerationService> logger)
{
    private const string ScoringFailed = "every item has an output, but scoring them failed; the error was logged";

    /// <summary>
    /// Generates the items of a run that have no result yet, and scores it. The caller holds the run's
    /// <paramref name="claim"/>; the run's final status and the claim's release are written in one transaction.
    /// </summary>
    public async Task GenerateMissingAsync(int runId, JobLeaseHandle claim, Actor actor, IProgress<GenerationProgress>? progress, CancellationToken instanceStopping, CancellationToken cancellationToken)
    {
        EvalRun run;
        List<EvalItem> items;
        int kept;
        int keptFailed;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            run = await db.EvalRuns.AsNoTracking().SingleAsync(r => r.Id == runId, cancellationToken);
            // Items finished before (by an instance that stopped) keep their result and are not asked again.
            items = await db.EvalItems.AsNoTracking().Where(i => i.EvalSetId == run.EvalSetId && !db.EvalResults.Any(x => x.EvalRunId == runId && x.EvalItemId == i.Id))
                .OrderBy(i => i.Id).ToListAsync(cancellationToken);
            kept = await db.EvalResults.CountAsync(x => x.EvalRunId == runId, cancellationToken);
            keptFailed = await db.EvalResults.CountAsync(x => x.EvalRunId == runId && x.Failed, cancellationToken);
        }

        var total = kept + items.Count;
        var endpoint = endpoints.Find(run.Endpoint);
        if (endpoint is null)
        {
            await FinishAsync(runId, EvalRunStatus.Failed, $"the endpoint '{run.Endpoint}' is not configured on this machine", claim, cancellationToken);
            progress?.Report(new GenerationProgress(runId, EvalRunStatus.Failed, kept, total, keptFailed, $"endpoint '{run.Endpoint}' is not configured"));
            return;
        }

        var settings = endpoints.Options;
        var runSettings = JsonSerializer.Deserialize<EvalRunSettings>(run.SettingsJson, RunSummary.JsonOptions) ?? new EvalRunSettings(0, null);
        var timeout = TimeSpan.FromSeconds(Math.Max(1, settings.TimeoutSeconds));
        var client = ChatEndpointClient.Create(endpoint.BaseUrl!, run.Model, endpoint.ApiKey, maxRetries: 0, networkTimeout: timeout + TimeSpan.FromSeconds(5));
        var chatOptions = new ChatOptions { Temperature = runSettings.Temperature, MaxOutputTokens = runSettings.MaxOutputTokens };
        var retry = new EndpointRetry(settings.MaxRetries, settings.RetryDelayMilliseconds, timeout);
        logger.LogInformation("Generating eval run {RunId}: {Items} items ({Kept} done before), at most {Concurrency} at once", runId, items.Count, kept, settings.MaxConcurrency);

        var done = kept;
        var failed = keptFailed;
        progress?.Report(new GenerationProgress(runId, EvalRunStatus.Running, done, total, failed, null));
        RunLoopEnding ending;
        try
        {
            ending = await RunLoop.RunAsync(items, settings.MaxConcurrency,
                async (item, token) =>
                {
                    var outcome = await EndpointAsk.AskAsync(client, ToChatMessages(item.InputJson, run.SystemPrompt), chatOptions, retry, run.Endpoint, endpoint.BaseUrl, clock, token);
                    if (outcome.Failure is { } failure)
                    {
                        // The stored error names the endpoint only; the log keeps the exception with its address.
                        logger.LogWarning(failure, "Eval run {RunId}, item {ItemId}: the endpoint {Endpoint} failed: {Error}", runId, item.Id, run.Endpoint, outcome.Error);
                    }

                    return new EvalResult
                    {
                        EvalRunId = runId,
                        EvalItemId = item.Id,
                        Output = outcome.Text,
                        Failed = outcome.Error is not null,
                        Error = outcome.Error,
                        LatencyMs = outcome.LatencyMs,
                        PromptTokens = outcome.PromptTokens,
                        CompletionTokens = outcome.CompletionTokens,
                    };
                },
                async batch =>
                {
                    await using var write = await factory.CreateDbContextAsync(CancellationToken.None);
                    write.EvalResults.AddRange(batch);
                    await write.SaveChangesAsync(CancellationToken.None);
                    return await write.EvalRuns.AnyAsync(r => r.Id == runId && r.Status == EvalRunStatus.Cancelled, CancellationToken.None);
                },
                batch =>
                {
                    done += batch.Count;
                    failed += batch.Count(r => r.Failed);
                    progress?.Report(new GenerationProgress(runId, EvalRunStatus.Running, done, total, failed, null));
                },
                () => IsCancelledAsync(runId), instanceStopping, cancellationToken);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Eval run {RunId} stopped after {Done} of {Total} items", runId, done, total);
            // Not the exception's message: it may name the endpoint's address or the database's.
            var stopped = $"stopped after {done} of {total} items; the error was logged";
            await FinishAsync(runId, EvalRunStatus.Failed, stopped, claim, CancellationToken.None);
            progress?.Report(new GenerationProgress(runId, EvalRunStatus.Failed, done, total, failed, stopped));
            throw;
        }

        if (ending == RunLoopEnding.InstanceStopping)
        {
            // Not a person's cancel: the instance is shutting down. The run stays Running and its lease
            // is released on the way out, so it shows as resumable at once.
            logger.LogInformation("Eval run {RunId} left Running after {Done} of {Total} items: this instance is stopping", runId, done, total);
            progress?.Report(new GenerationProgress(runId, EvalRunStatus.Running, done, total, failed, null) { Orphaned = true });
            return;
        }

        if (ending == RunLoopEnding.Cancelled)
        {
            var message = $"cancelled after {done} of {total} items";
            await FinishAsync(runId, EvalRunStatus.Cancelled, message, claim, CancellationToken.None);
            logger.LogInformation("Eval run {RunId} was cancelled after {Done} of {Total} items", runId, done, total);
            progress?.Report(new GenerationProgress(runId, EvalRunStatus.Cancelled, done, total, failed, message));
            return;
        }

        try
        {
            await runs.ScoreRunAsync(runId, actor, CancellationToken.None);
        }
        catch (Exception e)
        {
            // Left Running, the run would be resumed with nothing to generate and fail to score again, forever.
            logger.LogError(e, "Scoring eval run {RunId} failed after its {Total} items were generated", runId, total);
            await FinishAsync(runId, EvalRunStatus.Failed, ScoringFailed, claim, CancellationToken.None);
            progress?.Report(new GenerationProgress(runId, EvalRunStatus.Failed, done, total, failed, ScoringFailed));
            return;
        }

        var allFailed = total > 0 && failed == total;
        var status = allFailed ? EvalRunStatus.Failed : EvalRunStatus.Completed;
        var error = allFailed ? "every item failed; see the item errors" : null;
        await FinishAsync(runId, status, error, claim, CancellationToken.None);
        logger.LogInformation("Eval run {RunId} generated: {Done} items, {Failed} failed", runId, done, failed);
        progress?.Report(new GenerationProgress(runId, status, done, total, failed, error));
    }

    private async Task<bool> IsCancelledAsync(int runId)
    {
        await using var db = await factory.CreateDbContextAsync(CancellationToken.None);
        return await db.EvalRuns.AnyAsync(r => r.Id == runId && r.Status == EvalRunStatus.Cancelled, CancellationToken.None);
    }

    /// <summary>Writes the run's final status and gives its claim back together: nobody sees the run ended while it is still held.</summary>
    private async Task FinishAsync(int runId, EvalRunStatus status, string? error, JobLeaseHandle claim, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // A run someone cancelled stays cancelled even if its last items finished meanwhile.
        await db.EvalRuns.Where(r => r.Id == runId && (r.Status == EvalRunStatus.Running || status == EvalRunStatus.Cancelled))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, status).SetProperty(r => r.Error, error).SetProperty(r => r.CompletedAt, now), cancellationToken);
        await claim.ReleaseWithinAsync(db, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    internal static List<ChatMessage> ToChatMessages(string inputJson, string? systemPrompt)
    {
        var stored = JsonSerializer.Deserialize<List<StoredMessage>>(inputJson, RunSummary.JsonOptions) ?? [];
        var messages = stored.Select(m => new ChatMessage(new ChatRole(string.IsNullOrWhiteSpace(m.Role) ? "user" : m.Role), m.Content ?? "")).ToList();
        if (!string.IsNullOrWhiteSpace(systemPrompt) && !messages.Any(m => m.Role == ChatRole.System))
        {
            messages.Insert(0, new ChatMessage(ChatRole.System, systemPrompt));
        }

        return messages;
    }

    private sealed record StoredMessage(string? Role, string? Content);
}
