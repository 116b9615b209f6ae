using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Training;

/// <summary>
/// Mean tokens (o200k_base, as the cut counts them, message envelopes included) of the most recent examples of a
/// query: what one training example really costs, measured on a sample instead of assumed.
/// </summary>
public static class ExampleTokenSample
{
    public const int DefaultSize = 500;

    /// <summary>The mean over the latest <paramref name="size"/> examples by id, and how many were counted; null when there are none.</summary>
    public static async Task<(int Mean, int Sample)?> MeanTokensAsync(StudioDbContext db, IQueryable<Example> examples, CancellationToken cancellationToken, int size = DefaultSize)
    {
        var ids = await examples.OrderByDescending(e => e.Id).Take(size).Select(e => e.Id).ToListAsync(cancellationToken);
        var messages = await db.ExampleMessages.AsNoTracking().Where(m => ids.Contains(m.ExampleId)).OrderBy(m => m.ExampleId).ThenBy(m => m.Position)
            .Select(m => new { m.ExampleId, Content = new MessageContent(m.Role, m.Content, m.Name, m.ToolCallsJson, m.ToolCallId, m.Weight) })
            .ToListAsync(cancellationToken);
        var totals = messages.GroupBy(m => m.ExampleId).Select(g => ExampleTokens.Count(g.Select(m => m.Content).ToList()).Total).ToList();
        return totals.Count == 0 ? null : ((int)Math.Round(totals.Average(), MidpointRounding.AwayFromZero), totals.Count);
    }
}
