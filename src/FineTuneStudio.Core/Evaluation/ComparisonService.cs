using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>What the reviewer picked, by the side it was shown on: left is labelled "A", right "B".</summary>
public enum BlindPick { Left, Right, Tie, BothBad }

public sealed record ComparisonSummary(int Id, string Name, int EvalSetId, string EvalSetName, int RunAId, string RunAName, int RunBId, string RunBName, int Items, int Judgements, DateTime CreatedAt, DateTime? ClosedAt = null)
{
    public bool IsClosed => ClosedAt is not null;
}

/// <summary>
/// A review as a reviewer who may not see results sees it: no name (a default name holds the run names), no run,
/// no tally; only the eval set, their own progress, and whether it is closed.
/// </summary>
public sealed record ReviewAssignment(int ComparisonId, string EvalSetName, int Items, int JudgedByMe, DateTime CreatedAt, DateTime? ClosedAt);

/// <summary>
/// One pair as a reviewer sees it: no run id, name or model, only the two outputs by side.
/// </summary>
public sealed record BlindPair(int ComparisonId, int ItemId, int Position, int Total, int JudgedByMe, IReadOnlyList<FineTuneStudio.Core.Domain.MessageContent> Input, string LeftOutput, string RightOutput)
{
    /// <summary>The reviewer's own earlier pick on this pair, by side (when looking at it again); never anyone else's.</summary>
    public BlindPick? MyPick { get; init; }

    public string? MyReason { get; init; }
}

public sealed record ReviewerCount(string ReviewerId, string Reviewer, int Judgements, int WinsA, int WinsB, int Ties, int BothBad);

/// <summary>
/// A/B results. Run A is the baseline, run B the candidate; the win rate is B's share of the
/// judgements that picked a side, with a Wilson 95% interval. Position bias is the share of those
/// picks that went to the left side, whichever run was there: 0.5 means no bias.
/// </summary>
public sealed record ComparisonResults(
    ComparisonSummary Comparison,
    int Judged,
    int WinsA,
    int WinsB,
    int Ties,
    int BothBad,
    ProportionInterval CandidateWinRate,
    double? LeftShare,
    IReadOnlyList<ReviewerCount> Reviewers);

/// <summary>
/// Blind A/B comparisons of two runs over the same eval set: create, serve the next pair to a judge with
/// the sides shuffled, record the pick, and sum up the results.
/// </summary>
public sealed class ComparisonService(IDbContextFactory<StudioDbContext> factory, TimeProvider clock)
{
    public async Task<ComparisonSummary> CreateAsync(int runAId, int runBId, string? name, Actor actor, CancellationToken cancellationToken)
    {
        if (runAId == runBId)
        {
            throw new StudioValidationException("runB", "choose two different runs");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var runs = await db.EvalRuns.AsNoTracking().Where(r => r.Id == runAId || r.Id == runBId)
            .Select(r => new { r.Id, r.EvalSetId, r.Name }).ToListAsync(cancellationToken);
        var a = runs.SingleOrDefault(r => r.Id == runAId) ?? throw new NotFoundException("Eval run", runAId);
        var b = runs.SingleOrDefault(r => r.Id == runBId) ?? throw new NotFoundException("Eval run", runBId);
        if (a.EvalSetId != b.EvalSetId)
        {
            throw new StudioValidationException("runB", "both runs must be on the same eval set");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var comparison = new Comparison
        {
            RunAId = runAId,
            RunBId = runBId,
            Name = string.IsNullOrWhiteSpace(name) ? $"{a.Name} vs {b.Name}" : name.Trim(),
            Seed = Random.Shared.Next(),
            CreatedAt = now,
        };
        if (comparison.Name.Length > 200)
        {
            throw new StudioValidationException("name", "the name is longer than 200 characters");
        }

        db.Comparisons.Add(comparison);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, actor, now, "comparison.create", nameof(Comparison), comparison.Id, comparison.Name);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return await GetAsync(comparison.Id, cancellationToken);
    }

    /// <summary>Every comparison of a project, newest first.</summary>
    public async Task<IReadOnlyList<ComparisonSummary>> ListAsync(int projectId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await QueryAsync(db, projectId, null, cancellationToken);
    }

    /// <summary>A page of a project's comparisons, newest first, with how many there are (see <see cref="Paging"/>).</summary>
    public async Task<Paged<ComparisonSummary>> ListAsync(int projectId, int? skip, int? take, CancellationToken cancellationToken)
    {
        var (from, count) = Paging.Clamp(skip, take);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var total = await OfProject(db, db.Comparisons.AsNoTracking(), projectId).CountAsync(cancellationToken);
        return new Paged<ComparisonSummary>(await QueryAsync(db, projectId, null, cancellationToken, from, count), total, from, count);
    }

    public async Task<ComparisonSummary> GetAsync(int comparisonId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return (await QueryAsync(db, null, comparisonId, cancellationToken)).SingleOrDefault()
            ?? throw new NotFoundException("Comparison", comparisonId);
    }

    /// <summary>
    /// The reviewer's next unjudged pair in the comparison's shuffled order, or null when all are done or the
    /// review is closed.
    /// </summary>
    public async Task<BlindPair?> NextAsync(int comparisonId, string reviewerId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var comparison = await FindAsync(db, comparisonId, cancellationToken);
        if (comparison.ClosedAt is not null)
        {
            return null;
        }

        var order = await OrderAsync(db, comparison, cancellationToken);
        var judged = await JudgedByAsync(db, comparisonId, reviewerId, cancellationToken);
        var pending = order.Select((o, index) => (o.ItemId, o.AIsLeft, index)).Where(o => !judged.Contains(o.ItemId)).ToList();
        return pending.Count == 0 ? null : await PairAsync(db, comparison, pending[0], order.Count, judged.Count, cancellationToken);
    }

    /// <summary>
    /// One item's pair, sides as every reviewer sees them, to look at again (a disagreement with a judge, say);
    /// judging it again replaces the reviewer's earlier pick.
    /// </summary>
    public async Task<BlindPair> PairAsync(int comparisonId, int itemId, string reviewerId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var comparison = await FindAsync(db, comparisonId, cancellationToken);
        var order = await OrderAsync(db, comparison, cancellationToken);
        var index = order.Select((o, i) => (o.ItemId, i)).FirstOrDefault(o => o.ItemId == itemId).i;
        if (order.Count == 0 || order[index].ItemId != itemId)
        {
            throw new NotFoundException($"Item {itemId} of comparison", comparisonId);
        }

        var judged = await JudgedByAsync(db, comparisonId, reviewerId, cancellationToken);
        var pair = await PairAsync(db, comparison, (itemId, order[index].AIsLeft, index), order.Count, judged.Count, cancellationToken);
        var mine = await db.Judgements.AsNoTracking().Where(j => j.ComparisonId == comparisonId && j.EvalItemId == itemId && j.ReviewerId == reviewerId)
            .Select(j => new { j.Choice, j.AWasLeft, j.Reason }).SingleOrDefaultAsync(cancellationToken);
        return mine is null ? pair : pair with
        {
            MyPick = mine.Choice switch
            {
                JudgementChoice.A => mine.AWasLeft ? BlindPick.Left : BlindPick.Right,
                JudgementChoice.B => mine.AWasLeft ? BlindPick.Right : BlindPick.Left,
                JudgementChoice.Tie => BlindPick.Tie,
                _ => BlindPick.BothBad,
            },
            MyReason = mine.Reason,
        };
    }

    /// <summary>The reviews of a project a reviewer can work on, open ones first, with the reviewer's own progress.</summary>
    public async Task<IReadOnlyList<ReviewAssignment>> AssignmentsAsync(int projectId, string reviewerId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var rows = await QueryAsync(db, projectId, null, cancellationToken);
        var ids = rows.Select(r => r.Id).ToList();
        var mine = await db.Judgements.AsNoTracking().Where(j => ids.Contains(j.ComparisonId) && j.ReviewerId == reviewerId)
            .GroupBy(j => j.ComparisonId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return rows.OrderBy(r => r.IsClosed).ThenByDescending(r => r.CreatedAt)
            .Select(r => new ReviewAssignment(r.Id, r.EvalSetName, r.Items, mine.GetValueOrDefault(r.Id), r.CreatedAt, r.ClosedAt)).ToList();
    }

    /// <summary>Closes the review: no more judgements; reviewers who may not see results until then now may. Conflict when already closed.</summary>
    public Task<ComparisonSummary> CloseAsync(int comparisonId, Actor actor, CancellationToken cancellationToken) => SetClosedAsync(comparisonId, close: true, actor, cancellationToken);

    /// <summary>Opens a closed review again for more judgements. Conflict when it is open.</summary>
    public Task<ComparisonSummary> ReopenAsync(int comparisonId, Actor actor, CancellationToken cancellationToken) => SetClosedAsync(comparisonId, close: false, actor, cancellationToken);

    private async Task<ComparisonSummary> SetClosedAsync(int comparisonId, bool close, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var comparison = await db.Comparisons.SingleOrDefaultAsync(c => c.Id == comparisonId, cancellationToken) ?? throw new NotFoundException("Comparison", comparisonId);
        if ((comparison.ClosedAt is not null) == close)
        {
            throw new ConflictException(close ? $"Comparison {comparisonId} is already closed." : $"Comparison {comparisonId} is open; there is nothing to reopen.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        comparison.ClosedAt = close ? now : null;
        var judgements = await db.Judgements.CountAsync(j => j.ComparisonId == comparisonId, cancellationToken);
        AuditLog.Record(db, actor, now, close ? "comparison.close" : "comparison.reopen", nameof(Comparison), comparisonId,
            close ? $"{comparison.Name}: closed with {judgements} judgement(s)" : $"{comparison.Name}: reopened");
        await db.SaveChangesAsync(cancellationToken);
        return await GetAsync(comparisonId, cancellationToken);
    }

    private static async Task<Comparison> FindAsync(StudioDbContext db, int comparisonId, CancellationToken cancellationToken) =>
        await db.Comparisons.AsNoTracking().SingleOrDefaultAsync(c => c.Id == comparisonId, cancellationToken) ?? throw new NotFoundException("Comparison", comparisonId);

    private static async Task<HashSet<int>> JudgedByAsync(StudioDbContext db, int comparisonId, string reviewerId, CancellationToken cancellationToken) =>
        (await db.Judgements.AsNoTracking().Where(j => j.ComparisonId == comparisonId && j.ReviewerId == reviewerId)
            .Select(j => j.EvalItemId).ToListAsync(cancellationToken)).ToHashSet();

    private static async Task<BlindPair> PairAsync(StudioDbContext db, Comparison comparison, (int ItemId, bool AIsLeft, int index) next, int total, int judgedByMe, CancellationToken cancellationToken)
    {
        var comparisonId = comparison.Id;
        var item = await db.EvalItems.AsNoTracking().SingleAsync(i => i.Id == next.ItemId, cancellationToken);
        var outputs = await db.EvalResults.AsNoTracking().Where(r => r.EvalItemId == next.ItemId && (r.EvalRunId == comparison.RunAId || r.EvalRunId == comparison.RunBId))
            .Select(r => new { r.EvalRunId, r.Output }).ToListAsync(cancellationToken);
        var outputA = outputs.FirstOrDefault(o => o.EvalRunId == comparison.RunAId)?.Output ?? "";
        var outputB = outputs.FirstOrDefault(o => o.EvalRunId == comparison.RunBId)?.Output ?? "";
        return new BlindPair(comparisonId, item.Id, next.index + 1, total, judgedByMe, ReadMessages(item.InputJson),
            next.AIsLeft ? outputA : outputB, next.AIsLeft ? outputB : outputA);
    }

    /// <summary>Records (or replaces) the reviewer's pick for one item, translated from side to run.</summary>
    public async Task JudgeAsync(int comparisonId, int itemId, string reviewerId, BlindPick pick, string? reason, Actor actor, CancellationToken cancellationToken)
    {
        if ((reason?.Length ?? 0) > 2000)
        {
            throw new StudioValidationException("reason", "the reason is longer than 2000 characters");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var comparison = await FindAsync(db, comparisonId, cancellationToken);
        if (comparison.ClosedAt is not null)
        {
            throw new ConflictException($"Comparison {comparisonId} is closed: an ML lead can reopen it for more judgements.");
        }

        var order = await OrderAsync(db, comparison, cancellationToken);
        var slot = order.FirstOrDefault(o => o.ItemId == itemId);
        if (slot.ItemId != itemId)
        {
            throw new StudioValidationException("itemId", $"item {itemId} is not part of this comparison");
        }

        var choice = pick switch
        {
            BlindPick.Left => slot.AIsLeft ? JudgementChoice.A : JudgementChoice.B,
            BlindPick.Right => slot.AIsLeft ? JudgementChoice.B : JudgementChoice.A,
            BlindPick.Tie => JudgementChoice.Tie,
            _ => JudgementChoice.BothBad,
        };
        var now = clock.GetUtcNow().UtcDateTime;
        var judgement = await db.Judgements.SingleOrDefaultAsync(j => j.ComparisonId == comparisonId && j.EvalItemId == itemId && j.ReviewerId == reviewerId, cancellationToken);
        if (judgement is null)
        {
            judgement = new Judgement { ComparisonId = comparisonId, EvalItemId = itemId, ReviewerId = reviewerId };
            db.Judgements.Add(judgement);
        }

        judgement.AWasLeft = slot.AIsLeft;
        judgement.Choice = choice;
        judgement.Reason = reason?.Trim() ?? "";
        judgement.CreatedAt = now;
        // The audit names the item but not the pick: the log must not unblind the review.
        AuditLog.Record(db, actor, now, "judgement.record", nameof(Comparison), comparisonId, $"item {itemId}");
        await db.SaveChangesAsync(cancellationToken);
    }

    public async Task<ComparisonResults> ResultsAsync(int comparisonId, CancellationToken cancellationToken)
    {
        var summary = await GetAsync(comparisonId, cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // Counted by the database: at most reviewers × picks × sides rows come back, however many judgements there are.
        var counts = await db.Judgements.AsNoTracking().Where(j => j.ComparisonId == comparisonId)
            .GroupBy(j => new { j.ReviewerId, j.Choice, j.AWasLeft })
            .Select(g => new { g.Key.ReviewerId, g.Key.Choice, g.Key.AWasLeft, Count = g.Count() }).ToListAsync(cancellationToken);
        var reviewerIds = counts.Select(j => j.ReviewerId).Distinct().ToList();
        var names = await db.Users.AsNoTracking().Where(u => reviewerIds.Contains(u.Id))
            .Select(u => new { u.Id, Name = u.DisplayName != "" ? u.DisplayName : u.Email }).ToDictionaryAsync(u => u.Id, u => u.Name ?? u.Id, cancellationToken);

        int Count(JudgementChoice choice) => counts.Where(c => c.Choice == choice).Sum(c => c.Count);
        var winsA = Count(JudgementChoice.A);
        var winsB = Count(JudgementChoice.B);
        var decisive = winsA + winsB;
        var left = counts.Where(c => c.Choice is JudgementChoice.A or JudgementChoice.B && (c.Choice == JudgementChoice.A) == c.AWasLeft).Sum(c => c.Count);
        var reviewers = counts.GroupBy(c => c.ReviewerId)
            .Select(g => new ReviewerCount(g.Key, names.GetValueOrDefault(g.Key, g.Key), g.Sum(c => c.Count),
                g.Where(c => c.Choice == JudgementChoice.A).Sum(c => c.Count), g.Where(c => c.Choice == JudgementChoice.B).Sum(c => c.Count),
                g.Where(c => c.Choice == JudgementChoice.Tie).Sum(c => c.Count), g.Where(c => c.Choice == JudgementChoice.BothBad).Sum(c => c.Count)))
            .OrderByDescending(r => r.Judgements).ThenBy(r => r.Reviewer, StringComparer.Ordinal).ToList();
        return new ComparisonResults(summary, counts.Sum(c => c.Count), winsA, winsB, Count(JudgementChoice.Tie), Count(JudgementChoice.BothBad),
            WilsonInterval.Compute(winsB, decisive), decisive == 0 ? null : (double)left / decisive, reviewers);
    }

    private static async Task<IReadOnlyList<(int ItemId, bool AIsLeft)>> OrderAsync(StudioDbContext db, Comparison comparison, CancellationToken cancellationToken)
    {
        var setId = await db.EvalRuns.Where(r => r.Id == comparison.RunAId).Select(r => r.EvalSetId).SingleAsync(cancellationToken);
        var itemIds = await db.EvalItems.Where(i => i.EvalSetId == setId).Select(i => i.Id).ToListAsync(cancellationToken);
        return BlindOrder.Assign(comparison.Seed, itemIds);
    }

    private static IReadOnlyList<FineTuneStudio.Core.Domain.MessageContent> ReadMessages(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return document.RootElement.EnumerateArray().Select(m => new FineTuneStudio.Core.Domain.MessageContent(
            Enum.TryParse<MessageRole>(m.GetProperty("role").GetString(), true, out var role) ? role : MessageRole.User,
            m.TryGetProperty("content", out var c) ? c.GetString() : null)).ToList();
    }

    private static IQueryable<Comparison> OfProject(StudioDbContext db, IQueryable<Comparison> comparisons, int projectId) =>
        comparisons.Where(c => db.EvalRuns.Any(r => r.Id == c.RunAId && r.EvalSet!.ProjectId == projectId));

    /// <summary>Newest first; names and counts of the (at most one page of) comparisons are joined in memory after three small queries.</summary>
    private static async Task<List<ComparisonSummary>> QueryAsync(StudioDbContext db, int? projectId, int? comparisonId, CancellationToken cancellationToken,
        int skip = 0, int? take = null)
    {
        var comparisons = db.Comparisons.AsNoTracking();
        if (comparisonId is { } id)
        {
            comparisons = comparisons.Where(c => c.Id == id);
        }

        if (projectId is { } p)
        {
            comparisons = OfProject(db, comparisons, p);
        }

        comparisons = comparisons.OrderByDescending(c => c.CreatedAt).ThenByDescending(c => c.Id).Skip(skip);
        if (take is { } t)
        {
            comparisons = comparisons.Take(t);
        }

        var rows = await comparisons.Select(c => new { c.Id, c.Name, c.RunAId, c.RunBId, c.CreatedAt, c.ClosedAt, Judgements = c.Judgements.Count }).ToListAsync(cancellationToken);
        var runIds = rows.SelectMany(r => new[] { r.RunAId, r.RunBId }).Distinct().ToList();
        var runs = await db.EvalRuns.AsNoTracking().Where(r => runIds.Contains(r.Id))
            .Select(r => new { r.Id, r.Name, r.EvalSetId, SetName = r.EvalSet!.Name, Items = db.EvalItems.Count(i => i.EvalSetId == r.EvalSetId) })
            .ToDictionaryAsync(r => r.Id, cancellationToken);
        return rows.Select(c =>
        {
            var a = runs[c.RunAId];
            var b = runs[c.RunBId];
            return new ComparisonSummary(c.Id, c.Name, a.EvalSetId, a.SetName, a.Id, a.Name, b.Id, b.Name, a.Items, c.Judgements, c.CreatedAt, c.ClosedAt);
        }).ToList();
    }
}
