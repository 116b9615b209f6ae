using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Imports;

public enum DuplicatePolicy
{
    /// <summary>Leave out records whose content hash is already in the dataset or earlier in the file.</summary>
    Skip,
    /// <summary>Import every record, duplicates included.</summary>
    Keep,
}

public sealed record ImportOptions
{
    public ImportFormat Format { get; init; } = ImportFormat.Auto;
    /// <summary>Required for CSV.</summary>
    public CsvMapping? CsvMapping { get; init; }
    public ExampleStatus Status { get; init; } = ExampleStatus.Draft;
    /// <summary>Null: CSV or JSONL import, from the file's format.</summary>
    public ExampleSource? Source { get; init; }
    public DuplicatePolicy DuplicatePolicy { get; init; } = DuplicatePolicy.Skip;
    /// <summary>Validate and count only; nothing is written.</summary>
    public bool DryRun { get; init; }
    /// <summary>How many errors, warnings and skipped records the result lists; the counts cover them all.</summary>
    public int MaxErrorsListed { get; init; } = 100;
    /// <summary>Stop with an error once the file is larger than this; null for no limit.</summary>
    public long? MaxBytes { get; init; }
    /// <summary>Examples written between two progress reports.</summary>
    public int BatchSize { get; init; } = 1000;
}

public enum ImportPhase { Validating, Writing, Done }

/// <summary>A record left out of an import, and why.</summary>
public sealed record SkippedRecord(int Line, string Reason);

internal static class SkipReasons
{
    public const string InDataset = "duplicate: the same content is already in the dataset";
    public const string EarlierInFile = "duplicate: the same content appears earlier in this file";
}

/// <summary><see cref="TotalBytes"/> is null when the size of the upload is not known.</summary>
public sealed record ImportProgress(ImportPhase Phase, int Records, long BytesRead, long? TotalBytes);

/// <summary>
/// The outcome of an import. With any error nothing was written: <see cref="Errors"/> lists the first ones,
/// <see cref="TotalErrors"/> counts them all. In a dry run <see cref="Imported"/> is what would have been imported.
/// </summary>
public sealed record ImportResult(
    int Imported,
    int SkippedDuplicates,
    IReadOnlyList<InputError> Errors,
    int TotalErrors,
    bool DryRun,
    ImportFormat Format)
{
    public bool Succeeded => TotalErrors == 0;

    /// <summary>The first skipped records with their lines; <see cref="SkippedDuplicates"/> counts them all.</summary>
    public IReadOnlyList<SkippedRecord> Skipped { get; init; } = [];

    /// <summary>What was imported but not as written (keys nothing reads), the first ones; <see cref="TotalWarnings"/> counts them all.</summary>
    public IReadOnlyList<InputError> Warnings { get; init; } = [];

    public int TotalWarnings { get; init; }

    /// <summary>For callers that report failures as exceptions (API, CLI).</summary>
    public ImportResult EnsureSucceeded() => Succeeded ? this : throw new StudioValidationException(Errors, TotalErrors);
}
