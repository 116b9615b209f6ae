using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Quality;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Suggestions;

/// <summary>
/// The label suggestions shown to labelers: reads an example's, and stores them from a predictions file or an eval
/// run's outputs (endpoints: <see cref="EndpointSuggester"/>). This service is the one writer of the table: each new
/// suggestion replaces the example's current one. A file with any bad line changes nothing.
/// </summary>
public sealed class LabelSuggestionService(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, ILogger<LabelSuggestionService> logger)
{
    // Keeps each IN list well under every provider's parameter limit.
    private const int IdChunk = 500;

    public async Task<SuggestionView?> ForExampleAsync(int exampleId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Examples.AnyAsync(e => e.Id == exampleId, cancellationToken))
        {
            throw new NotFoundException("Example", exampleId);
        }

        return await db.LabelSuggestions.AsNoTracking().Where(s => s.ExampleId == exampleId)
            .Select(s => new SuggestionView(s.ExampleId, s.Label, s.Source, s.Confidence, s.CreatedAt)).SingleOrDefaultAsync(cancellationToken);
    }

    /// <summary>Stores a predictions file's labels; an unknown example or label fails the whole file with its line.</summary>
    public Task<SuggestionResult> ImportAsync(int datasetId, string text, string? fileName, Actor actor, CancellationToken cancellationToken) =>
        ImportAsync(datasetId, new StringReader(text), fileName, actor, cancellationToken);

    /// <inheritdoc cref="ImportAsync(int, string, string?, Actor, CancellationToken)"/>
    public async Task<SuggestionResult> ImportAsync(int datasetId, TextReader file, string? fileName, Actor actor, CancellationToken cancellationToken)
    {
        var predictions = PredictionFileParser.Parse(file, fileName);
        var dataset = await LabeledDatasetAsync(datasetId, cancellationToken);
        var errors = new List<InputError>();
        var inDataset = await ExampleIdsInAsync(datasetId, predictions.Select(p => p.ExampleId).ToList(), cancellationToken);
        var checkedPredictions = new List<Prediction>(predictions.Count);
        foreach (var prediction in predictions)
        {
            var label = SuggestionLabels.Match(prediction.Label, dataset.Labels);
            if (!inDataset.Contains(prediction.ExampleId))
            {
                errors.Add(new InputError("example_id", $"Example {prediction.ExampleId} is not in this dataset.", prediction.Line));
            }
            else if (label is null)
            {
                errors.Add(new InputError("label", $"\"{Cut(prediction.Label)}\" is not one of the dataset's labels.", prediction.Line));
            }
            else
            {
                checkedPredictions.Add(prediction with { Label = label });
            }
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors.Take(EvalFileParser.MaxErrors).ToList(), errors.Count);
        }

        var source = string.IsNullOrWhiteSpace(fileName) ? "predictions file" : Cut($"file {Path.GetFileName(fileName)}");
        var stored = await StoreAsync(datasetId, checkedPredictions, source, "suggestions.import", actor, cancellationToken);
        return new SuggestionResult(datasetId, source, stored);
    }

    /// <summary>
    /// Stores an eval run's outputs as suggestions for the examples its items came from: an item made from an example
    /// (an eval set cut from a version's test split, or from chosen examples) names it; any other item matches the
    /// examples whose user turns are the same text. Outputs that are no label, and items no example matches, are counted.
    /// </summary>
    public async Task<SuggestionResult> FromRunAsync(int datasetId, int runId, Actor actor, CancellationToken cancellationToken)
    {
        var dataset = await LabeledDatasetAsync(datasetId, cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // A run of another project is not found, as the project walls have it.
        var run = await db.EvalRuns.AsNoTracking().Where(r => r.Id == runId && r.EvalSet!.ProjectId == dataset.ProjectId)
            .Select(r => new { r.EvalSetId }).SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("Eval run", runId);
        var items = await db.EvalItems.AsNoTracking().Where(i => i.EvalSetId == run.EvalSetId).OrderBy(i => i.Id)
            .Select(i => new
            {
                i.SourceExampleId,
                i.InputJson,
                Output = db.EvalResults.Where(x => x.EvalRunId == runId && x.EvalItemId == i.Id && !x.Failed).Select(x => x.Output).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);

        var sources = await ExampleIdsInAsync(datasetId, items.Where(i => i.SourceExampleId is not null).Select(i => i.SourceExampleId!.Value).ToList(), cancellationToken);
        Dictionary<string, List<int>>? byUserText = null;
        var predictions = new Dictionary<int, Prediction>();
        int notALabel = 0, unmatched = 0, failed = 0;
        foreach (var item in items)
        {
            IReadOnlyList<int> examples = item.SourceExampleId is { } source && sources.Contains(source)
                ? [source]
                : (byUserText ??= await UserTextIndexAsync(db, datasetId, cancellationToken)).GetValueOrDefault(Normalize(QualityService.UserText(item.InputJson))) ?? [];
            if (examples.Count == 0)
            {
                unmatched++;
            }
            else if (string.IsNullOrWhiteSpace(item.Output))
            {
                failed++;
            }
            else if (SuggestionLabels.Match(item.Output, dataset.Labels) is not { } label)
            {
                notALabel++;
            }
            else
            {
                foreach (var exampleId in examples)
                {
                    predictions[exampleId] = new Prediction(exampleId, label, null);
                }
            }
        }

        var sourceName = $"eval run {runId}";
        var stored = await StoreAsync(datasetId, predictions.Values.ToList(), sourceName, "suggestions.from-run", actor, cancellationToken);
        return new SuggestionResult(datasetId, sourceName, stored, notALabel, unmatched, failed);
    }

    /// <summary>The dataset's project and label set; a dataset without labels takes no suggestions.</summary>
    internal async Task<LabeledDataset> LabeledDatasetAsync(int datasetId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var dataset = await db.Datasets.AsNoTracking().Where(d => d.Id == datasetId)
            .Select(d => new LabeledDataset(d.Id, d.ProjectId, d.Name, d.Labels, d.Guidelines, d.CanonicalSystemPrompt))
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("Dataset", datasetId);
        return dataset.Labels.Count > 0 ? dataset
            : throw new StudioValidationException("dataset", "the dataset has no label set; suggestions are labels, so give it labels first");
    }

    /// <summary>Replaces the examples' suggestions with these (checked by the caller) in one save, and records it.</summary>
    internal async Task<int> StoreAsync(int datasetId, IReadOnlyList<Prediction> predictions, string source, string action, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var chunk in predictions.Chunk(IdChunk))
        {
            var ids = chunk.Select(p => p.ExampleId).ToList();
            var current = await db.LabelSuggestions.Where(s => ids.Contains(s.ExampleId)).ToDictionaryAsync(s => s.ExampleId, cancellationToken);
            foreach (var prediction in chunk)
            {
                if (!current.TryGetValue(prediction.ExampleId, out var suggestion))
                {
                    suggestion = new LabelSuggestion { ExampleId = prediction.ExampleId, Label = prediction.Label, Source = source };
                    db.LabelSuggestions.Add(suggestion);
                }

                suggestion.Label = prediction.Label;
                suggestion.Source = source;
                suggestion.Confidence = prediction.Confidence;
                suggestion.CreatedAt = now;
            }
        }

        AuditLog.Record(db, actor, now, action, nameof(Dataset), datasetId, $"{predictions.Count} label suggestions from {source}");
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Stored {Count} label suggestions for dataset {DatasetId} from {Source}", predictions.Count, datasetId, source);
        return predictions.Count;
    }

    private async Task<HashSet<int>> ExampleIdsInAsync(int datasetId, IReadOnlyList<int> ids, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var found = new HashSet<int>();
        foreach (var chunk in ids.Distinct().Chunk(IdChunk))
        {
            found.UnionWith(await db.Examples.Where(e => e.DatasetId == datasetId && chunk.Contains(e.Id)).Select(e => e.Id).ToListAsync(cancellationToken));
        }

        return found;
    }

    /// <summary>The dataset's examples by the text of their user turns (several when examples repeat one another).</summary>
    private static async Task<Dictionary<string, List<int>>> UserTextIndexAsync(StudioDbContext db, int datasetId, CancellationToken cancellationToken)
    {
        var index = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var turns = db.ExampleMessages.AsNoTracking().Where(m => m.Role == MessageRole.User && db.Examples.Any(e => e.Id == m.ExampleId && e.DatasetId == datasetId))
            .OrderBy(m => m.ExampleId).ThenBy(m => m.Position).Select(m => new { m.ExampleId, m.Content }).AsAsyncEnumerable();
        int? exampleId = null;
        var text = new List<string>();
        await foreach (var turn in turns.WithCancellation(cancellationToken))
        {
            if (turn.ExampleId != exampleId)
            {
                Add();
                exampleId = turn.ExampleId;
                text.Clear();
            }

            text.Add(turn.Content ?? "");
        }

        Add();
        return index;

        void Add()
        {
            if (exampleId is { } id)
            {
                var key = Normalize(string.Join("\n", text));
                if (!index.TryGetValue(key, out var ids))
                {
                    index[key] = ids = [];
                }

                ids.Add(id);
            }
        }
    }

    private static string Normalize(string text) => text.ReplaceLineEndings("\n").Trim();

    private static string Cut(string text) => text.Length <= 200 ? text : text[..197] + "...";
}

/// <summary>What suggesting labels needs to know of a dataset.</summary>
internal sealed record LabeledDataset(int Id, int ProjectId, string Name, List<string> Labels, string Guidelines, string SystemPrompt);
