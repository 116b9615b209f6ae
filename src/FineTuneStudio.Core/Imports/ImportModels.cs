using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// An import of a line file that can leave out the lines with problems: with any error nothing was written
/// (<see cref="Errors"/> lists the first ones, <see cref="TotalErrors"/> counts them all); asked to skip them, the
/// others were written and the left-out lines are listed.
/// </summary>
public abstract record LineImportResult(IReadOnlyList<InputError> Errors, int TotalErrors)
{
    public bool Succeeded => TotalErrors == 0;

    /// <summary>Lines with problems: left out of a successful import when asked to skip them (listed in <see cref="LeftOut"/>), or counted in a refusal.</summary>
    public int InvalidRecords { get; init; }

    /// <summary>Lines without problems, duplicates included: what a refused import would read with the others left out.</summary>
    public int ValidRecords { get; init; }

    /// <summary>The first problems of the lines left out; <see cref="TotalLeftOut"/> counts them all.</summary>
    public IReadOnlyList<InputError> LeftOut { get; init; } = [];

    public int TotalLeftOut { get; init; }

    /// <summary>Every left-out line's number, in file order: what <see cref="ImportRejects"/> copies out.</summary>
    public IReadOnlyList<int> LeftOutLines { get; init; } = [];

    public bool CanSkipInvalid => !Succeeded && InvalidRecords > 0 && ValidRecords > 0;

    public string ProblemCounts => ListText.ProblemCounts(InvalidRecords, ValidRecords, "line");

    /// <summary>For callers that report a refusal as an exception (API, CLI, pages).</summary>
    public void ThrowIfRefused()
    {
        if (!Succeeded)
        {
            throw new StudioValidationException(Errors, TotalErrors);
        }
    }
}

public enum DuplicatePolicy
{
    /// <summary>Leave out records whose content hash is already in the dataset or earlier in the file.</summary>
    Skip,
    /// <summary>Import every record, duplicates included.</summary>
    Keep,
}

public enum InvalidRecordPolicy
{
    /// <summary>Any record with a problem stops the import: nothing is written and every problem is listed.</summary>
    Refuse,
    /// <summary>Records with problems are left out and listed; the others are imported. A problem with the file itself still refuses it.</summary>
    Skip,
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
    public InvalidRecordPolicy InvalidRecords { get; init; } = InvalidRecordPolicy.Refuse;
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

    /// <summary>
    /// Records with problems of their own: left out of a successful import under <see cref="InvalidRecordPolicy.Skip"/>
    /// (their problems in <see cref="LeftOut"/>), or, when the import was refused, how many of its errors' records there are.
    /// </summary>
    public int InvalidRecords { get; init; }

    /// <summary>The first problems of the records left out, with their lines; <see cref="TotalLeftOut"/> counts them all.</summary>
    public IReadOnlyList<InputError> LeftOut { get; init; } = [];

    public int TotalLeftOut { get; init; }

    /// <summary>The line each left-out record starts on, all of them in file order: what <see cref="ImportRejects"/> copies out.</summary>
    public IReadOnlyList<int> LeftOutLines { get; init; } = [];

    /// <summary>Records without problems, duplicates aside: what a refused import would write with the invalid ones left out.</summary>
    public int ValidRecords { get; init; }

    /// <summary>Some error is the file's own (its structure, header or size), so leaving records out cannot help.</summary>
    public bool FileProblem { get; init; }

    /// <summary>A refused import that would go through with <see cref="InvalidRecordPolicy.Skip"/>.</summary>
    public bool CanSkipInvalid => !Succeeded && !FileProblem && InvalidRecords > 0 && ValidRecords > 0;

    /// <summary>"2 records have problems and 9,998 have none", for the choice a refusal offers.</summary>
    public string ProblemCounts => ListText.ProblemCounts(InvalidRecords, ValidRecords, "record");

    /// <summary>For callers that report failures as exceptions (API, CLI).</summary>
    public ImportResult EnsureSucceeded() => Succeeded ? this : throw new StudioValidationException(Errors, TotalErrors);
}
