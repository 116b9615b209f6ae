using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Feedback;

/// <summary>Promotes logged production requests to Draft examples, so they go through labeling and review.</summary>
public sealed class LogPromotion(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, DriftReports drift)
{
    public const int MaxPromotePerRequest = 1000;

    /// <summary>
    /// Turns the chosen logged requests into Draft examples (source ProductionLog) in a dataset, so they go
    /// through labeling and review like any other. Logs already promoted are left alone.
    /// </summary>
    public async Task<PromoteResult> PromoteAsync(int projectId, PromoteRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var dataset = await FeedbackDatasets.TargetAsync(factory, projectId, request.DatasetId, cancellationToken);
        var noNeighbour = await drift.LogIdsAsync(projectId, request.Filter, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var matching = TrafficLogs.Filtered(db, projectId, request.Filter, noNeighbour);
        var count = await matching.CountAsync(cancellationToken);
        if (count == 0)
        {
            throw new StudioValidationException("filter", "no logged requests match the selection");
        }

        if (count > MaxPromotePerRequest)
        {
            throw new StudioValidationException("filter", $"{count} logged requests match; promote at most {MaxPromotePerRequest} at a time (narrow the dates or the rating)");
        }

        var ids = await matching.Select(l => l.Id).ToListAsync(cancellationToken);
        var logs = await db.ProductionLogs.Where(l => ids.Contains(l.Id)).OrderBy(l => l.LoggedAt).ThenBy(l => l.Id).ToListAsync(cancellationToken);
        var labelSet = dataset.TaskKind == TaskKind.Classification ? dataset.Labels.ToHashSet(StringComparer.OrdinalIgnoreCase) : null;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var created = new List<(ProductionLog Log, Example Example)>();
        foreach (var log in logs.Where(l => l.PromotedExampleId is null))
        {
            var example = Example.Create(dataset.Id, ExampleSource.ProductionLog, ExampleStatus.Draft, ToContent(log, labelSet, dataset.TaskKind),
                actor.UserId, now,
                notes: $"From production log {log.Id}, logged {log.LoggedAt:yyyy-MM-dd HH:mm} UTC{(log.Model is null ? "" : $" by {log.Model}")}"
                       + (log.Rating is { } r ? $", rated {r}" : "") + ".");
            db.Examples.Add(example);
            created.Add((log, example));
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var (log, example) in created)
        {
            log.PromotedExampleId = example.Id;
            AuditLog.Record(db, actor, now, "example.create", "Example", example.Id, $"Draft promoted from production log {log.Id}");
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new PromoteResult(dataset.Id, created.Count, logs.Count - created.Count, created.Select(c => c.Example.Id).ToList());
    }

    private static ExampleContent ToContent(ProductionLog log, HashSet<string>? labelSet, TaskKind kind)
    {
        var turns = JsonSerializer.Deserialize<List<JsonElement>>(log.MessagesJson) ?? [];
        var messages = turns.Select(t => new MessageContent(
            Enum.Parse<MessageRole>(t.GetProperty("role").GetString()!, ignoreCase: true), t.GetProperty("content").GetString())).ToList();
        string? label = null;
        if (kind == TaskKind.Classification && labelSet is not null && labelSet.TryGetValue(log.Response.Trim(), out var known))
        {
            // The model's answer is only a suggestion: labelers confirm or correct it in review.
            label = known;
        }

        messages.Add(new MessageContent(MessageRole.Assistant, log.Response));
        return new ExampleContent(messages, label, ["production-log"]);
    }
}
