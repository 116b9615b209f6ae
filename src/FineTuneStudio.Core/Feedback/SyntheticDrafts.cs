using System.ClientModel;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Generation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Feedback;

/// <summary>Synthetic Draft examples written by the configured OpenAI-compatible model from seed examples.</summary>
public sealed class SyntheticDrafts(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, IOptions<GenerationOptions> generation)
{
    public const int MaxSyntheticPerRequest = 20;

    public bool GenerationConfigured => generation.Value.IsConfigured;

    public string? GenerationModel => generation.Value.IsConfigured ? generation.Value.Model : null;

    /// <summary>
    /// Asks the configured OpenAI-compatible model for new examples written like the seeds, and stores them as
    /// Draft examples with source Synthetic. Drafts count for nothing (readiness, versions) until approved.
    /// </summary>
    public async Task<SyntheticResult> GenerateSyntheticAsync(int projectId, SyntheticRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var settings = generation.Value;
        if (!settings.IsConfigured)
        {
            throw new StudioValidationException("generation",
                $"no generation endpoint is configured: set {GenerationOptions.Section}:BaseUrl and :Model (and :ApiKey if the endpoint needs one)");
        }

        var errors = new List<InputError>();
        if (string.IsNullOrWhiteSpace(request.Template))
        {
            errors.Add(new InputError("template", "describe what the new examples should be about"));
        }

        if (request.Count is < 1 or > MaxSyntheticPerRequest)
        {
            errors.Add(new InputError("count", $"must be between 1 and {MaxSyntheticPerRequest}"));
        }

        if (request.SeedExampleIds.Count is < 1 or > 10)
        {
            errors.Add(new InputError("seeds", "choose between 1 and 10 seed examples"));
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        var dataset = await FeedbackDatasets.TargetAsync(factory, projectId, request.DatasetId, cancellationToken);
        List<ExampleContent> seeds;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            var entities = await db.Examples.AsNoTracking().Include(e => e.Messages)
                .Where(e => e.DatasetId == dataset.Id && request.SeedExampleIds.Contains(e.Id)).ToListAsync(cancellationToken);
            var missing = request.SeedExampleIds.Except(entities.Select(e => e.Id)).ToList();
            if (missing.Count > 0)
            {
                throw new StudioValidationException("seeds", $"example {string.Join(", ", missing)} is not in dataset '{dataset.Name}'");
            }

            seeds = entities.Select(ExampleContent.FromEntity).ToList();
        }

        var client = CreateChatClient(settings);
        var prompt = SyntheticPrompt.Build(request.Template, seeds, dataset.TaskKind == TaskKind.Classification ? dataset.Labels : [], request.Count);
        ChatResponse response;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(Math.Max(5, settings.TimeoutSeconds)));
            response = await client.GetResponseAsync(prompt, new ChatOptions { Temperature = 0.9f }, timeout.Token);
        }
        // The client's retries give up with an AggregateException of what each attempt met.
        catch (Exception e) when (e is ClientResultException or HttpRequestException or AggregateException { InnerException: HttpRequestException or ClientResultException }
                                  or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Shown to the person asking: the endpoint's answer without its address (the settings name it).
            var reason = e switch
            {
                // Status 0: the client never got an HTTP answer.
                ClientResultException { Status: > 0 } http => EndpointFailure.HttpError(http, settings.BaseUrl),
                AggregateException { InnerException: ClientResultException { Status: > 0 } http } => EndpointFailure.HttpError(http, settings.BaseUrl),
                OperationCanceledException => $"no answer within {Math.Max(5, settings.TimeoutSeconds)} s",
                _ => EndpointFailure.NoConnection("synthetic drafts", e),
            };
            throw new StudioValidationException("generation", $"the generation endpoint did not answer usefully: {reason}");
        }

        var drafts = SyntheticPrompt.Parse(response.Text, seeds.FirstOrDefault()?.SystemPrompt, dataset.TaskKind == TaskKind.Classification ? dataset.Labels : [])
            .Take(request.Count).ToList();
        if (drafts.Count == 0)
        {
            throw new StudioValidationException("generation", "the model's answer held no usable examples (expected JSON lines with input and output)");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var write = await factory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await write.Database.BeginTransactionAsync(cancellationToken);
        var notes = $"Synthetic draft written by {settings.Model} from seed examples {string.Join(", ", request.SeedExampleIds)}. It counts as evidence only once a person approves it.";
        var examples = drafts.Select(content => Example.Create(dataset.Id, ExampleSource.Synthetic, ExampleStatus.Draft, content, actor.UserId, now, notes)).ToList();
        write.Examples.AddRange(examples);
        await write.SaveChangesAsync(cancellationToken);
        foreach (var example in examples)
        {
            AuditLog.Record(write, actor, now, "example.create", "Example", example.Id, $"Synthetic draft by {settings.Model}");
        }

        await write.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new SyntheticResult(dataset.Id, examples.Count, settings.Model!, examples.Select(e => e.Id).ToList());
    }

    private static IChatClient CreateChatClient(GenerationOptions settings) =>
        ChatEndpointClient.Create(settings.BaseUrl!, settings.Model!, settings.ApiKey);
}
