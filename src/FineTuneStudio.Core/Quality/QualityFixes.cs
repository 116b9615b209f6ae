using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Quality;

/// <summary>The one-click fixes the quality report offers: reject duplicates, send conflicts to adjudication, apply the canonical prompt.</summary>
public sealed class QualityFixes(IDbContextFactory<StudioDbContext> factory, TimeProvider clock)
{
    /// <summary>Rejects duplicate examples (one click on a duplicate group): status Rejected with the reason.</summary>
    public async Task<int> RejectDuplicatesAsync(int datasetId, IReadOnlyList<int> exampleIds, string? reason, Actor actor, CancellationToken cancellationToken)
    {
        var text = string.IsNullOrWhiteSpace(reason) ? "Duplicate of another example (quality analysis)." : reason.Trim();
        if (text.Length > 500)
        {
            throw new StudioValidationException("reason", "The reason can be at most 500 characters.");
        }

        return await ChangeExamplesAsync(datasetId, exampleIds, includeMessages: false, actor, "example.reject", (example, now) =>
        {
            example.Reject(text, actor.UserId, now);
            return $"rejected as duplicate: {text}";
        }, cancellationToken);
    }

    /// <summary>Sends conflicting examples back to review (status Submitted) so an ML lead adjudicates them.</summary>
    public Task<int> SendToAdjudicationAsync(int datasetId, IReadOnlyList<int> exampleIds, Actor actor, CancellationToken cancellationToken) =>
        ChangeExamplesAsync(datasetId, exampleIds, includeMessages: false, actor, "example.adjudicate", (example, now) =>
        {
            example.Submit(now);
            return "sent to adjudication: conflicting answer for the same input";
        }, cancellationToken);

    /// <summary>Replaces (or adds) the system prompt of the examples with the dataset's canonical prompt.</summary>
    public async Task<int> ApplyCanonicalPromptAsync(int datasetId, IReadOnlyList<int> exampleIds, Actor actor, CancellationToken cancellationToken)
    {
        string canonical;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            canonical = await db.Datasets.Where(d => d.Id == datasetId).Select(d => d.CanonicalSystemPrompt).SingleOrDefaultAsync(cancellationToken)
                ?? throw new NotFoundException("Dataset", datasetId);
        }

        if (string.IsNullOrWhiteSpace(canonical))
        {
            throw new StudioValidationException("canonicalSystemPrompt", "The dataset has no canonical system prompt; set one in the dataset settings first.");
        }

        return await ChangeExamplesAsync(datasetId, exampleIds, includeMessages: true, actor, "example.update", (example, now) =>
        {
            var content = ExampleContent.FromEntity(example);
            var messages = content.Messages.ToList();
            var system = messages.FindIndex(m => m.Role == MessageRole.System);
            if (system >= 0)
            {
                messages[system] = messages[system] with { Content = canonical };
            }
            else
            {
                messages.Insert(0, new MessageContent(MessageRole.System, canonical));
            }

            example.ReplaceContent(content with { Messages = messages }, now);
            return "canonical system prompt applied";
        }, cancellationToken);
    }

    private async Task<int> ChangeExamplesAsync(int datasetId, IReadOnlyList<int> exampleIds, bool includeMessages, Actor actor, string action,
        Func<Example, DateTime, string> change, CancellationToken cancellationToken)
    {
        var ids = exampleIds.Distinct().ToList();
        if (ids.Count == 0)
        {
            throw new StudioValidationException("exampleIds", "Choose at least one example.");
        }

        if (ids.Count > 10_000)
        {
            throw new StudioValidationException("exampleIds", "At most 10,000 examples can be changed at once.");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        IQueryable<Example> query = db.Examples.Where(e => e.DatasetId == datasetId && ids.Contains(e.Id));
        if (includeMessages)
        {
            query = query.Include(e => e.Messages);
        }

        var examples = await query.OrderBy(e => e.Id).ToListAsync(cancellationToken);
        var missing = ids.Except(examples.Select(e => e.Id)).Order().ToList();
        if (missing.Count > 0)
        {
            throw new StudioValidationException("exampleIds", $"Not in dataset {datasetId}: {string.Join(", ", missing.Take(20))}{(missing.Count > 20 ? ", ..." : "")}.");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var example in examples)
        {
            // The change is one of the example's own methods, which renew its version and time.
            var summary = change(example, now);
            AuditLog.Record(db, actor, now, action, nameof(Example), example.Id, summary);
        }

        await db.SaveChangesAsync(cancellationToken);
        return examples.Count;
    }
}
