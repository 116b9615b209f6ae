using System.Runtime.CompilerServices;
using System.Threading.Channels;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Quality;

/// <summary>
/// Reads a dataset's examples for the analysis in id order, one batch of examples and then their messages at
/// a time, read ahead on another thread so the next batch's database read overlaps the analysis of this one.
/// </summary>
internal static class QualityExampleReader
{
    /// <summary>
    /// Reads ahead on another thread (up to two batches), so the database read of the next batch
    /// overlaps the analysis of this one. Errors and cancellation of the reader reach the consumer.
    /// </summary>
    public static async IAsyncEnumerable<QualityInput> Prefetched(IAsyncEnumerable<QualityInput> source, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<QualityInput>(new BoundedChannelOptions(2 * QualityService.BatchSize) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var item in source.WithCancellation(stop.Token))
                {
                    await channel.Writer.WriteAsync(item, stop.Token);
                }

                channel.Writer.Complete();
            }
            catch (Exception e)
            {
                channel.Writer.Complete(e);
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return item;
            }
        }
        finally
        {
            // The consumer may stop early (an error, a cancellation): stop the reader and wait for it,
            // so no database context outlives the run.
            await stop.CancelAsync();
            await reader;
        }
    }

    public static async IAsyncEnumerable<QualityInput> Counted(IAsyncEnumerable<QualityInput> source, Action<int> onEach)
    {
        var n = 0;
        await foreach (var item in source)
        {
            onEach(++n);
            yield return item;
        }
    }

    private sealed record ExampleRow(int Id, ExampleStatus Status, SplitPin Split, string? Label, List<string> Tags,
        string? PreferredCompletion, string? RejectedCompletion, string? ToolsJson, string ContentHash);

    /// <summary>The dataset's examples in id order, a batch of examples and then their messages at a time.</summary>
    public static async IAsyncEnumerable<QualityInput> StreamAsync(IDbContextFactory<StudioDbContext> factory, int datasetId, int? versionId, [EnumeratorCancellation] CancellationToken cancellationToken,
        QualityTimings? timings = null)
    {
        var after = 0;
        while (true)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            var batch = new List<ExampleRow>(QualityService.BatchSize);
            await foreach (var row in db.Examples.AsNoTracking()
                               .Where(e => e.DatasetId == datasetId && e.Id > after)
                               .OrderBy(e => e.Id).Take(QualityService.BatchSize)
                               .Select(e => new ExampleRow(e.Id, e.Status, e.Split, e.Label, e.Tags, e.PreferredCompletion, e.RejectedCompletion, e.ToolsJson, e.ContentHash))
                               .AsAsyncEnumerable().WithCancellation(cancellationToken))
            {
                batch.Add(row);
            }

            if (batch.Count == 0)
            {
                timings?.Add("reading (database)", started);
                yield break;
            }

            var first = batch[0].Id;
            var last = batch[^1].Id;
            var messages = await db.ExampleMessages.AsNoTracking()
                .Where(m => m.ExampleId >= first && m.ExampleId <= last && db.Examples.Any(e => e.Id == m.ExampleId && e.DatasetId == datasetId))
                .OrderBy(m => m.ExampleId).ThenBy(m => m.Position)
                .Select(m => new { m.ExampleId, Message = new MessageContent(m.Role, m.Content, m.Name, m.ToolCallsJson, m.ToolCallId, m.Weight) })
                .ToListAsync(cancellationToken);
            var byExample = messages.GroupBy(m => m.ExampleId).ToDictionary(g => g.Key, g => g.Select(m => m.Message).ToList());

            Dictionary<int, SplitPin> assigned = [];
            if (versionId is { } vid)
            {
                assigned = await db.DatasetVersionExamples.AsNoTracking()
                    .Where(v => v.DatasetVersionId == vid && v.ExampleId >= first && v.ExampleId <= last)
                    .ToDictionaryAsync(v => v.ExampleId, v => v.Split, cancellationToken);
            }

            var inputs = new List<QualityInput>(batch.Count);
            foreach (var row in batch)
            {
                var content = new ExampleContent(byExample.GetValueOrDefault(row.Id) ?? [], row.Label, row.Tags, row.PreferredCompletion, row.RejectedCompletion, row.ToolsJson);
                var split = row.Split != SplitPin.Auto ? row.Split : assigned.GetValueOrDefault(row.Id, SplitPin.Auto);
                // The stored hash is the one written with the content (ExampleContent.ApplyTo); reading it saves hashing every example again.
                inputs.Add(new QualityInput(row.Id, content, row.Status, split, row.ContentHash));
            }

            timings?.Add("reading (database)", started);
            foreach (var input in inputs)
            {
                yield return input;
            }

            after = last;
        }
    }
}
