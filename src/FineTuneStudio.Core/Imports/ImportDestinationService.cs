using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Projects;

namespace FineTuneStudio.Core.Imports;

/// <summary>Where an import goes, and what had to be created for it.</summary>
public sealed record ImportDestination(int ProjectId, int DatasetId, bool CreatedProject, bool CreatedDataset, TaskKind TaskKind, IReadOnlyList<string> Labels);

/// <summary>
/// Finds, or creates, the project and dataset an import from the command line names. A new dataset's task kind
/// comes from the file: preference pairs make a preference dataset; records with labels make a classification
/// dataset whose label set is the labels found (up to <see cref="MaxInferredLabels"/>); anything else is chat.
/// </summary>
public sealed class ImportDestinationService(ProjectService projects, DatasetService datasets)
{
    public const int MaxInferredLabels = 50;

    public async Task<ImportDestination> EnsureAsync(string project, string dataset, Stream file, ImportOptions options, Actor actor, CancellationToken cancellationToken)
    {
        var foundProject = await projects.FindAsync(project, cancellationToken);
        var foundDataset = foundProject is null ? null : await datasets.FindAsync(foundProject.Id, dataset, cancellationToken);
        if (foundProject is not null && foundDataset is not null)
        {
            return new ImportDestination(foundProject.Id, foundDataset.Id, false, false, foundDataset.TaskKind, foundDataset.Labels);
        }

        var (kind, labels) = await InferAsync(file, options, cancellationToken);
        var createdProject = foundProject is null;
        var projectId = foundProject?.Id ?? (await projects.CreateAsync(new ProjectInput(project, null), actor, cancellationToken)).Id;
        try
        {
            var created = await datasets.CreateAsync(projectId, new DatasetInput(dataset, kind, Labels: labels), actor, cancellationToken);
            return new ImportDestination(projectId, created.Id, createdProject, true, created.TaskKind, created.Labels);
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
    public static async Task<(TaskKind Kind, IReadOnlyList<string> Labels)> InferAsync(Stream file, ImportOptions options, CancellationToken cancellationToken)
    {
        var start = file.Position;
        var labels = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pairs = false;
        var tooMany = false;
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
                if (content.Label is { } label && seen.Add(label))
                {
                    tooMany |= seen.Count > MaxInferredLabels;
                    if (!tooMany)
                    {
                        labels.Add(label);
                    }
                }
            }
        }
        finally
        {
            file.Position = start;
        }

        if (pairs || options.Format == ImportFormat.Preference)
        {
            return (TaskKind.Preference, []);
        }

        // Past the cap the labels look free-form: keep the kind, leave the label set for a person to choose.
        return seen.Count > 0 ? (TaskKind.Classification, tooMany ? [] : labels) : (TaskKind.Chat, []);
    }
}
