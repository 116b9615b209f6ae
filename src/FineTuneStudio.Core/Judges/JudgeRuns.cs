using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Jobs;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Judges;

/// <summary>
/// Judge runs: record one (Pending, nothing called yet), list, read the verdicts and tallies, cancel, and
/// progress as the database has it. <see cref="JudgeRunExecutor"/> does the calling.
/// </summary>
public sealed class JudgeRuns(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, EvalEndpointCatalog endpoints, JobLeaseService leases)
{
    public const string LeaseKind = "judge-run";

    internal static string LeaseKey(int runId) => runId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Checks the request against the judge's current version and records a Pending run.</summary>
    public async Task<JudgeRunSummary> CreateAsync(JudgeRunRequest request, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var judge = await db.Judges.AsNoTracking().SingleOrDefaultAsync(j => j.Id == request.JudgeId, cancellationToken)
            ?? throw new NotFoundException("Judge", request.JudgeId);
        var version = await db.JudgeVersions.AsNoTracking().Where(v => v.JudgeId == judge.Id).OrderByDescending(v => v.Number).FirstAsync(cancellationToken);
        if ((request.ComparisonId is null) == (request.EvalRunId is null))
        {
            throw new StudioValidationException("comparisonId", "judge either a comparison or one eval run");
        }

        string target;
        int setId;
        if (request.ComparisonId is { } comparisonId)
        {
            var comparison = await db.Comparisons.AsNoTracking().Where(c => c.Id == comparisonId)
                .Select(c => new { c.Name, Run = db.EvalRuns.Where(r => r.Id == c.RunAId).Select(r => new { r.EvalSetId, r.EvalSet!.ProjectId }).First() })
                .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("Comparison", comparisonId);
            if (comparison.Run.ProjectId != judge.ProjectId)
            {
                throw new StudioValidationException("comparisonId", $"comparison {comparisonId} is not in the judge's project");
            }

            (target, setId) = (comparison.Name, comparison.Run.EvalSetId);
        }
        else
        {
            if (version.Mode == JudgeMode.Pairwise)
            {
                throw new StudioValidationException("comparisonId", $"judge '{judge.Name}' compares two answers: give it a comparison, not a single run");
            }

            var runId = request.EvalRunId!.Value;
            var run = await db.EvalRuns.AsNoTracking().Where(r => r.Id == runId).Select(r => new { r.Name, r.EvalSetId, r.EvalSet!.ProjectId })
                .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("Eval run", runId);
            if (run.ProjectId != judge.ProjectId)
            {
                throw new StudioValidationException("evalRunId", $"eval run {runId} is not in the judge's project");
            }

            (target, setId) = (run.Name, run.EvalSetId);
        }

        if (endpoints.Find(version.Endpoint) is null)
        {
            throw new StudioValidationException("endpoint", $"the judge's endpoint '{version.Endpoint}' is not configured on this machine");
        }

        var items = await db.EvalItems.CountAsync(i => i.EvalSetId == setId, cancellationToken);
        if (items == 0)
        {
            throw new StudioValidationException("comparisonId", "the eval set has no items to judge");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var judgeRun = new JudgeRun
        {
            JudgeVersionId = version.Id,
            ComparisonId = request.ComparisonId,
            EvalRunId = request.EvalRunId,
            Status = EvalRunStatus.Pending,
            CreatedBy = actor.Name,
            CreatedAt = now,
        };
        db.JudgeRuns.Add(judgeRun);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, actor, now, "judgerun.create", nameof(JudgeRun), judgeRun.Id, $"{judge.Name} v{version.Number} over {target}: {items} items");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return await GetAsync(judgeRun.Id, cancellationToken);
    }

    /// <summary>A project's judge runs, newest first; optionally one judge's or one comparison's.</summary>
    public async Task<IReadOnlyList<JudgeRunSummary>> ListAsync(int projectId, int? judgeId, int? comparisonId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var runs = db.JudgeRuns.Where(r => r.JudgeVersion!.Judge!.ProjectId == projectId);
        if (judgeId is { } j)
        {
            runs = runs.Where(r => r.JudgeVersion!.JudgeId == j);
        }

        if (comparisonId is { } c)
        {
            runs = runs.Where(r => r.ComparisonId == c);
        }

        return await SummariesAsync(db, runs, cancellationToken);
    }

    public async Task<JudgeRunSummary> GetAsync(int runId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return (await SummariesAsync(db, db.JudgeRuns.Where(r => r.Id == runId), cancellationToken)).SingleOrDefault()
            ?? throw new NotFoundException("Judge run", runId);
    }

    public async Task<JudgeRunResults> ResultsAsync(int runId, CancellationToken cancellationToken)
    {
        var summary = await GetAsync(runId, cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var verdicts = await db.JudgeVerdicts.AsNoTracking().Where(v => v.JudgeRunId == runId)
            .Join(db.EvalItems, v => v.EvalItemId, i => i.Id, (v, i) => new { v, i.ExternalId })
            .OrderBy(x => x.v.EvalItemId).ToListAsync(cancellationToken);
        var views = verdicts.Select(x => new JudgeVerdictView(x.v.EvalItemId, x.ExternalId, x.v.AFirstChoice, x.v.BFirstChoice, x.v.Choice, x.v.PositionDependent,
            x.v.ScoreA, x.v.ScoreB, x.v.ReasoningAFirst, x.v.ReasoningBFirst, x.v.Failed, x.v.Error, x.v.PromptTokens, x.v.CompletionTokens)).ToList();
        var judged = views.Where(v => !v.Failed).ToList();
        var winsA = judged.Count(v => v.Choice == JudgementChoice.A);
        var winsB = judged.Count(v => v.Choice == JudgementChoice.B);
        var both = judged.Where(v => v.AFirst is not null && v.BFirst is not null).Select(v => (v.AFirst!.Value, v.BFirst!.Value)).ToList();
        var scoresA = judged.Where(v => v.ScoreA is not null).Select(v => (double)v.ScoreA!.Value).ToList();
        var scoresB = judged.Where(v => v.ScoreB is not null).Select(v => (double)v.ScoreB!.Value).ToList();
        return new JudgeRunResults(summary, judged.Count, winsA, winsB, judged.Count(v => v.Choice == JudgementChoice.Tie), judged.Count(v => v.PositionDependent),
            summary.ComparisonId is null ? null : WilsonInterval.Compute(winsB, winsA + winsB),
            summary.Mode == JudgeMode.Pairwise ? JudgeCalibration.PositionBias(both) : null,
            scoresA.Count == 0 ? null : Math.Round(scoresA.Average(), 3), scoresB.Count == 0 ? null : Math.Round(scoresB.Average(), 3), views);
    }

    /// <summary>Marks a Pending or Running run Cancelled; the instance working on it stops after its current items. False when it had ended.</summary>
    public async Task<bool> RequestCancelAsync(int runId, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.JudgeRuns.AnyAsync(r => r.Id == runId, cancellationToken))
        {
            throw new NotFoundException("Judge run", runId);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var cancelled = await db.JudgeRuns.Where(r => r.Id == runId && (r.Status == EvalRunStatus.Pending || r.Status == EvalRunStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, EvalRunStatus.Cancelled).SetProperty(r => r.Error, "cancelled").SetProperty(r => r.CompletedAt, now), cancellationToken) > 0;
        if (cancelled)
        {
            await RecordCancelAsync(runId, actor, cancellationToken);
        }

        return cancelled;
    }

    public async Task RecordCancelAsync(int runId, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "judgerun.cancel", nameof(JudgeRun), runId, "judging stopped; finished items kept");
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<JudgeRunProgress> GetProgressAsync(int runId, CancellationToken cancellationToken)
    {
        var run = await GetAsync(runId, cancellationToken);
        var orphaned = run.Status is EvalRunStatus.Pending or EvalRunStatus.Running
            && await leases.HolderAsync(LeaseKind, LeaseKey(runId), cancellationToken) is null;
        return new JudgeRunProgress(runId, run.Status, run.Done, run.Items, run.Failed, run.Error) { Orphaned = orphaned };
    }

    /// <summary>Pending or Running runs no live instance holds, oldest first.</summary>
    public async Task<IReadOnlyList<int>> OrphanedRunIdsAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var held = JobLeaseService.LiveKeys(db, LeaseKind, clock.GetUtcNow().UtcDateTime);
        return await db.JudgeRuns.AsNoTracking()
            .Where(r => (r.Status == EvalRunStatus.Pending || r.Status == EvalRunStatus.Running) && !held.Contains(r.Id.ToString()))
            .OrderBy(r => r.Id).Select(r => r.Id).ToListAsync(cancellationToken);
    }

    /// <summary>The cost of tokens at an endpoint's configured prices; null when it has none.</summary>
    internal decimal? CostOf(string endpoint, long promptTokens, long completionTokens)
    {
        var options = endpoints.Find(endpoint);
        if (options?.InputPricePerMillion is null && options?.OutputPricePerMillion is null)
        {
            return null;
        }

        return Math.Round((promptTokens * (options.InputPricePerMillion ?? 0) + completionTokens * (options.OutputPricePerMillion ?? 0)) / 1_000_000m, 6);
    }

    private async Task<List<JudgeRunSummary>> SummariesAsync(StudioDbContext db, IQueryable<JudgeRun> runs, CancellationToken cancellationToken)
    {
        var rows = await runs.AsNoTracking().OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Select(r => new
        {
            Run = r,
            r.JudgeVersion!.JudgeId,
            r.JudgeVersion.Judge!.ProjectId,
            JudgeName = r.JudgeVersion.Judge.Name,
            r.JudgeVersion.Number,
            r.JudgeVersion.Mode,
            r.JudgeVersion.Endpoint,
            r.JudgeVersion.Model,
            Target = r.ComparisonId != null
                ? db.Comparisons.Where(c => c.Id == r.ComparisonId).Select(c => c.Name).FirstOrDefault()
                : db.EvalRuns.Where(e => e.Id == r.EvalRunId).Select(e => e.Name).FirstOrDefault(),
            SetId = r.ComparisonId != null
                ? db.Comparisons.Where(c => c.Id == r.ComparisonId).Select(c => db.EvalRuns.Where(e => e.Id == c.RunAId).Select(e => e.EvalSetId).First()).FirstOrDefault()
                : db.EvalRuns.Where(e => e.Id == r.EvalRunId).Select(e => e.EvalSetId).FirstOrDefault(),
            Done = r.Verdicts.Count,
            Failed = r.Verdicts.Count(v => v.Failed),
            Prompt = r.Verdicts.Sum(v => (long?)v.PromptTokens) ?? 0,
            Completion = r.Verdicts.Sum(v => (long?)v.CompletionTokens) ?? 0,
            Latency = r.Verdicts.Where(v => v.LatencyMs != null).Average(v => (double?)v.LatencyMs),
        }).ToListAsync(cancellationToken);
        var setIds = rows.Select(r => r.SetId).Distinct().ToList();
        var items = await db.EvalItems.Where(i => setIds.Contains(i.EvalSetId)).GroupBy(i => i.EvalSetId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return rows.Select(r => new JudgeRunSummary(r.Run.Id, r.ProjectId, r.JudgeId, r.JudgeName, r.Number, r.Mode, r.Endpoint, r.Model, r.Run.ComparisonId, r.Run.EvalRunId,
            r.Target ?? "", r.Run.Status, r.Run.Error, items.GetValueOrDefault(r.SetId), r.Done, r.Failed,
            new JudgeRunUsage(r.Prompt, r.Completion, CostOf(r.Endpoint, r.Prompt, r.Completion), r.Latency is { } l ? Math.Round(l, 1) : null),
            r.Run.CreatedBy, r.Run.CreatedAt, r.Run.CompletedAt)).ToList();
    }
}
