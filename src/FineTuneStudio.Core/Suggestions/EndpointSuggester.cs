using System.ClientModel;
using System.Collections.Concurrent;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Generation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Suggestions;

/// <summary>
/// Asks one of the OpenAI-compatible endpoints configured for generated eval runs for the label of each example in the
/// dataset's queue that has no suggestion yet, a bounded batch at a time. The label set and guidelines go in the
/// prompt; an answer that is none of the labels is dropped and counted. On cancel the answers already in are kept.
/// </summary>
public sealed class EndpointSuggester(
    IDbContextFactory<StudioDbContext> factory,
    EvalEndpointCatalog endpoints,
    LabelSuggestionService suggestions,
    ILogger<EndpointSuggester> logger)
{
    public async Task<SuggestionResult> SuggestAsync(int datasetId, EndpointSuggestionRequest request, Actor actor, IProgress<SuggestionProgress>? progress,
        CancellationToken cancellationToken)
    {
        var dataset = await suggestions.LabeledDatasetAsync(datasetId, cancellationToken);
        var endpoint = endpoints.Find(request.Endpoint ?? "") ?? throw new StudioValidationException("endpoint",
            $"no endpoint named '{request.Endpoint}' is configured; configured: {string.Join(", ", endpoints.List().Select(e => e.Name).DefaultIfEmpty("none"))}");
        var model = string.IsNullOrWhiteSpace(request.Model) ? endpoint.Models.FirstOrDefault() : request.Model.Trim();
        if (string.IsNullOrWhiteSpace(model))
        {
            throw new StudioValidationException("model", $"the endpoint '{request.Endpoint}' lists no models; name the model to ask");
        }

        if (request.Limit is < 1)
        {
            throw new StudioValidationException("limit", "must be at least 1");
        }

        var queue = await QueueWithoutSuggestionAsync(datasetId, request.Limit, cancellationToken);
        var settings = endpoints.Options;
        var timeout = TimeSpan.FromSeconds(Math.Max(1, settings.TimeoutSeconds));
        var client = ChatEndpointClient.Create(endpoint.BaseUrl!, model, endpoint.ApiKey, settings.MaxRetries, timeout + TimeSpan.FromSeconds(5));
        var instructions = SuggestionPrompt.Instructions(dataset.Labels, dataset.Guidelines);
        var source = $"endpoint {request.Endpoint!.Trim()}";
        logger.LogInformation("Asking endpoint {Endpoint} for label suggestions of {Count} examples of dataset {DatasetId}", request.Endpoint, queue.Count, datasetId);

        var answered = new ConcurrentBag<Prediction>();
        int done = 0, notALabel = 0, failed = 0;
        var cancelled = false;
        progress?.Report(new SuggestionProgress(0, queue.Count, 0, 0));
        try
        {
            await Parallel.ForEachAsync(queue, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, settings.MaxConcurrency), CancellationToken = cancellationToken },
                async (example, token) =>
                {
                    var answer = await AskAsync(client, instructions, example.UserText, timeout, example.Id, request.Endpoint, token);
                    if (answer is null)
                    {
                        Interlocked.Increment(ref failed);
                    }
                    else if (SuggestionLabels.Match(answer, dataset.Labels) is { } label)
                    {
                        answered.Add(new Prediction(example.Id, label, null));
                    }
                    else
                    {
                        Interlocked.Increment(ref notALabel);
                    }

                    progress?.Report(new SuggestionProgress(Interlocked.Increment(ref done), queue.Count, Volatile.Read(ref notALabel), Volatile.Read(ref failed)));
                });
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }

        // Not cancellable: what was answered before a cancel is kept.
        var stored = await suggestions.StoreAsync(datasetId, answered.OrderBy(p => p.ExampleId).ToList(), source, "suggestions.from-endpoint", actor, CancellationToken.None);
        logger.LogInformation("Endpoint {Endpoint} suggested {Stored} labels for dataset {DatasetId}; {NotALabel} answers were no label, {Failed} requests failed",
            request.Endpoint, stored, datasetId, notALabel, failed);
        return new SuggestionResult(datasetId, source, stored, notALabel, 0, failed, cancelled);
    }

    /// <summary>The answer's text, or null when the endpoint failed (logged with the endpoint's name, not the example's text).</summary>
    private async Task<string?> AskAsync(IChatClient client, string instructions, string userText, TimeSpan timeout, int exampleId, string? endpointName, CancellationToken cancellationToken)
    {
        using var perRequest = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        perRequest.CancelAfter(timeout);
        try
        {
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.System, instructions), new ChatMessage(ChatRole.User, userText)],
                new ChatOptions { Temperature = 0 }, perRequest.Token);
            return response.Text ?? "";
        }
        catch (Exception e) when (e is ClientResultException or HttpRequestException
                                      || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            logger.LogWarning(e, "Label suggestion for example {ExampleId}: the endpoint {Endpoint} failed", exampleId, endpointName);
            return null;
        }
    }

    private sealed record QueuedExample(int Id, string UserText);

    /// <summary>Examples still waiting for annotations and without a suggestion, in id order, with the text of their user turns.</summary>
    private async Task<List<QueuedExample>> QueueWithoutSuggestionAsync(int datasetId, int? limit, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var open = db.Examples.AsNoTracking().Where(e => e.DatasetId == datasetId
                && (e.Status == ExampleStatus.Draft || e.Status == ExampleStatus.Submitted)
                && e.Annotations.Count(a => a.Submitted) < e.Dataset!.RequiredAnnotations
                && !db.LabelSuggestions.Any(s => s.ExampleId == e.Id))
            .OrderBy(e => e.Id);
        var ids = await (limit is { } take ? open.Take(take) : open).Select(e => e.Id).ToListAsync(cancellationToken);
        var turns = await db.ExampleMessages.AsNoTracking().Where(m => ids.Contains(m.ExampleId) && m.Role == MessageRole.User)
            .OrderBy(m => m.ExampleId).ThenBy(m => m.Position).Select(m => new { m.ExampleId, m.Content }).ToListAsync(cancellationToken);
        var text = turns.GroupBy(t => t.ExampleId).ToDictionary(g => g.Key, g => string.Join("\n\n", g.Select(t => t.Content ?? "")));
        return ids.Select(id => new QueuedExample(id, text.GetValueOrDefault(id, ""))).ToList();
    }
}
