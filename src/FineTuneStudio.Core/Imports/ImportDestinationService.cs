using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Projects;

namespace FineTuneStudio.Core.Imports;

/// <summary>Where an import goes, and what had to be created for it.</summary>
public sealed record ImportDestination(int ProjectId, int DatasetId, bool CreatedProject, bool CreatedDataset, TaskKind TaskKind, IReadOnlyList<string> Labels)
{
    /// <summary>For a dataset made from the file: how many records carry each label, in the order the labels were first seen.</summary>
    public IReadOnlyList<LabelCount> LabelCounts { get; init; } = [];
}

public sealed record LabelCount(string Label, int Count);

/// <summary>What one pass over a file says about the dataset it needs.</summary>
public sealed record InferredDataset(TaskKind Kind, IReadOnlyList<LabelCount> LabelCounts)
{
    public IReadOnlyList<string> Labels => LabelCounts.Select(l => l.Label).ToList();
}

/// <summary>
/// Finds, or creates, the project and dataset an import from the command line names. A new dataset's task kind
/// comes from the file: preference pairs make a preference dataset; records with two or more distinct labels make a
/// classification dataset whose label set is every label found, however many; anything else is chat.
/// </summary>
public sealed class ImportDestinationService(ProjectService projects, DatasetService datasets)
{
    public async Task<ImportDestination> EnsureAsync(string project, string dataset, Stream file, ImportOptions options, Actor actor, CancellationToken cancellationToken)
    {
        var foundProject = await projects.FindAsync(project, cancellationToken);
        var foundDataset = foundProject is null ? null : await datasets.FindAsync(foundProject.Id, dataset, cancellationToken);
        if (foundProject is not null && foundDataset is not null)
        {
            return new ImportDestination(foundProject.Id, foundDataset.Id, false, false, foundDataset.TaskKind, foundDataset.Labels);
        }

        var inferred = await InferAsync(file, options, cancellationToken);
        var createdProject = foundProject is null;
        var projectId = foundProject?.Id ?? (await projects.CreateAsync(new ProjectInput(project, null), actor, cancellationToken)).Id;
        try
        {
            var created = await datasets.CreateAsync(projectId, new DatasetInput(dataset, inferred.Kind, Labels: inferred.Labels), actor, cancellationToken);
            return new ImportDestination(projectId, created.Id, createdProject, true, created.TaskKind, created.Labels) { LabelCounts = inferred.LabelCounts };
        }
        catch when (createdProject)
        {
            await projects.DeleteAsync(projectId, actor, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Removes what <see cref="EnsureAsync"/> created, after a failed import or a dry run: nothing is left behind.</summary>
    public async Task UndoAsync(ImportDestination destination, Actor actor)
    {
        if (destination.CreatedProject)
        {
            await projects.DeleteAsync(destination.ProjectId, actor, CancellationToken.None);
        }
        else if (destination.CreatedDataset)
        {
            await datasets.DeleteAsync(destination.DatasetId, actor, CancellationToken.None);
        }
    }

    /// <summary>One streaming pass that reads only shapes and labels; errors are left to the import itself.</summary>
    public static async Task<InferredDataset> InferAsync(Stream file, ImportOptions options, CancellationToken cancellationToken)
    {
        var start = file.Position;
        // Counted under one spelling per label (the first seen), as the import itself folds case.
        var order = new List<string>();
        var counts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var pairs = false;
        try
        {
            await using var plain = await ImportFile.OpenAsync(file, options.MaxBytes, cancellationToken);
            var format = options.Format;
            if (format == ImportFormat.Auto && options.CsvMapping is not null && plain.Kind is not (ImportFileKind.Json or ImportFileKind.Parquet))
            {
                format = ImportFormat.Csv;
            }

            var rows = plain.Error is not null || plain.TooLarge ? AsyncEnumerable.Empty<ImportRow>()
                : plain.Kind == ImportFileKind.Parquet ? new ParquetRecordReader().ParseAsync(plain.Stream, format, cancellationToken)
                : format == ImportFormat.Csv
                    ? (options.CsvMapping is null ? AsyncEnumerable.Empty<ImportRow>() : new CsvExampleParser().ParseAsync(plain.Stream, options.CsvMapping, cancellationToken))
                    : new JsonExampleParser().ParseAsync(plain.Stream, format, cancellationToken);
            await foreach (var row in rows)
            {
                if (row.Content is not { } content)
                {
                    continue;
                }

                pairs |= content.PreferredCompletion is not null;
                if (content.Label is { } label)
                {
                    if (counts.TryGetValue(label, out var count))
                    {
                        counts[label] = count + 1;
                    }
                    else
                    {
                        counts[label] = 1;
                        order.Add(label);
                    }
                }
            }
        }
        finally
        {
            file.Position = start;
        }

        if (pairs || options.Format is ImportFormat.Preference or ImportFormat.ShareGptPreference)
        {
            return new InferredDataset(TaskKind.Preference, []);
        }

        // One label is no classification (a chat file where a single record carries a stray label): such a file
        // makes a chat dataset, which keeps the label as written.
        return order.Count > 1
            ? new InferredDataset(TaskKind.Classification, order.Select(l => new LabelCount(l, counts[l])).ToList())
            : new InferredDataset(TaskKind.Chat, []);
    }
}
