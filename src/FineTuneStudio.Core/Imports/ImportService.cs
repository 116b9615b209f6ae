using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Imports labeled examples into a dataset, all or nothing: a first pass over the file collects every error,
/// and only a clean file is written, row by row through prepared commands, in one transaction. Asked to
/// (<see cref="InvalidRecordPolicy.Skip"/>), records with problems of their own are left out and listed instead.
/// </summary>
public sealed class ImportService(IDbContextFactory<StudioDbContext> factory, TimeProvider clock)
{
    public async Task<ImportResult> ImportAsync(
        int datasetId,
        Stream stream,
        ImportOptions options,
        Actor actor,
        IProgress<ImportProgress>? progress,
        CancellationToken cancellationToken)
    {
        var dataset = await LoadDatasetAsync(datasetId, cancellationToken);

        // Two passes need a stream that can go back to the start; anything else is copied to a temporary file first.
        FileStream? copy = null;
        try
        {
            if (!stream.CanSeek)
            {
                copy = await CopyToTempFileAsync(stream, options.MaxBytes, cancellationToken);
                if (copy is null)
                {
                    return TooLarge(options);
                }

                stream = copy;
            }

            if (stream.Length - stream.Position > options.MaxBytes)
            {
                return TooLarge(options);
            }

            // Sniffed once; a gzip file is unpacked here, so both passes read plain bytes.
            await using var file = await ImportFile.OpenAsync(stream, options.MaxBytes, cancellationToken);
            if (file.TooLarge)
            {
                return TooLarge(options);
            }

            if (file.Error is not null)
            {
                return Failed(options, options.Format, [file.Error], 1);
            }

            stream = file.Stream;
            var start = stream.Position;
            var total = stream.Length - start;
            var format = options.Format;
            if (file.Kind == ImportFileKind.Parquet && format == ImportFormat.Csv)
            {
                return Failed(options, format, [new InputError("format", "the file is Parquet, not CSV; choose auto or the file's JSON shape")], 1);
            }

            if (format == ImportFormat.Auto)
            {
                if (file.Kind == ImportFileKind.Empty)
                {
                    return Failed(options, ImportFormat.Auto, [new InputError("file", "the file has no examples", 1)], 1);
                }

                if (file.Kind == ImportFileKind.Csv)
                {
                    if (options.CsvMapping is null)
                    {
                        return Failed(options, ImportFormat.Auto,
                            [new InputError("format", "does not start with '{' or '[': a JSONL file holds one JSON object per line, a JSON file one array of them; to import a CSV file, choose CSV and map its columns", 1)], 1);
                    }

                    format = ImportFormat.Csv;
                }
            }

            if (format == ImportFormat.Csv && options.CsvMapping is null)
            {
                return Failed(options, format, [new InputError("mapping", "a CSV import needs a column mapping")], 1);
            }

            var input = new ImportInput(stream, file.Kind, format);
            var validation = await ValidateAsync(dataset, input, options, progress, total, cancellationToken);
            if (validation.TotalErrors > 0 || options.DryRun)
            {
                return validation;
            }

            stream.Position = start;
            return await WriteAsync(dataset, input, options, actor, progress, total, validation, cancellationToken);
        }
        finally
        {
            if (copy is not null)
            {
                await copy.DisposeAsync();
            }
        }
    }

    /// <summary>The plain file to read, what it is, and the shape asked for (or Auto).</summary>
    private sealed record DatasetRules(int Id, string Name, TaskKind TaskKind, IReadOnlyList<string> Labels, DateTime? ArchivedAt)
    {
        /// <summary>Each label under its case-insensitive spelling, for a look-up per row even with a thousand labels.</summary>
        public Dictionary<string, string> Canonical { get; } = Labels.DistinctBy(l => l, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(l => l, l => l, StringComparer.OrdinalIgnoreCase);
    }

    private async Task<DatasetRules> LoadDatasetAsync(int datasetId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var dataset = await db.Datasets.AsNoTracking().Where(d => d.Id == datasetId)
                .Select(d => new DatasetRules(d.Id, d.Name, d.TaskKind, d.Labels, d.ArchivedAt)).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("Dataset", datasetId);
        Dataset.RefuseIfArchived(dataset.Name, dataset.ArchivedAt, "imports");
        return dataset;
    }

    /// <summary>How a content hash is shortened to the 8-byte key of the duplicate set; tests replace it to force collisions.</summary>
    internal Func<string, ulong> DuplicateKey { get; init; } = HashKey;

    private async Task<HashKeySet> ExistingHashesAsync(int datasetId, DuplicatePolicy policy, CancellationToken cancellationToken)
    {
        var hashes = new HashKeySet();
        if (policy == DuplicatePolicy.Keep)
        {
            return hashes;
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await foreach (var hash in db.Examples.AsNoTracking().Where(e => e.DatasetId == datasetId).Select(e => e.ContentHash)
                           .AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            hashes.Add(DuplicateKey(hash));
        }

        return hashes;
    }

    private async Task<ImportResult> ValidateAsync(DatasetRules dataset, ImportInput input, ImportOptions options,
        IProgress<ImportProgress>? progress, long total, CancellationToken cancellationToken)
    {
        var hashes = await ExistingHashesAsync(dataset.Id, options.DuplicatePolicy, cancellationToken);
        var inFile = new HashKeySet();
        var errors = new List<InputError>();
        var warnings = new List<InputError>();
        var skipped = new List<SkippedRecord>();
        var leftOut = new List<InputError>();
        var leftOutLines = new List<int>();
        int totalErrors = 0, totalWarnings = 0, leftOutErrors = 0;
        int valid = 0, duplicates = 0, records = 0, invalid = 0;
        var fileProblem = false;
        var skipInvalid = options.InvalidRecords == InvalidRecordPolicy.Skip;
        var format = input.Format;
        await using var counter = new CountingStream(input.Stream, options.MaxBytes);
        var parser = new ParserRun(input, options, counter);
        try
        {
            await foreach (var row in parser.ParseAsync(cancellationToken))
            {
                records++;
                var rowErrors = row.IsValid ? CheckAgainstDataset(row, dataset) : row.Errors;
                if (rowErrors.Count > 0 && skipInvalid && !row.AboutFile)
                {
                    invalid++;
                    leftOutLines.Add(row.Line);
                    leftOutErrors += rowErrors.Count;
                    leftOut.AddRange(rowErrors.Take(Math.Max(0, options.MaxErrorsListed - leftOut.Count)));
                }
                else if (rowErrors.Count > 0)
                {
                    fileProblem |= row.AboutFile;
                    invalid += row.AboutFile ? 0 : 1;
                    totalErrors += rowErrors.Count;
                    errors.AddRange(rowErrors.Take(Math.Max(0, options.MaxErrorsListed - errors.Count)));
                }
                // A preview: a key seen before counts as a duplicate here; the write checks every such hit in full.
                else if (options.DuplicatePolicy == DuplicatePolicy.Skip
                         && DuplicateOf(DuplicateKey(CanonicalLabel(row.Content!, dataset).ComputeHash()), hashes, inFile) is { } reason)
                {
                    duplicates++;
                    AddCapped(skipped, new SkippedRecord(row.Line, reason), options.MaxErrorsListed);
                }
                else
                {
                    valid++;
                    totalWarnings += row.Warnings.Count;
                    foreach (var warning in row.Warnings)
                    {
                        AddCapped(warnings, warning, options.MaxErrorsListed);
                    }
                }

                if (records % 1000 == 0)
                {
                    progress?.Report(new ImportProgress(ImportPhase.Validating, records, parser.BytesRead, total));
                }
            }
        }
        catch (FileTooLargeException)
        {
            fileProblem = true;
            totalErrors++;
            if (errors.Count < options.MaxErrorsListed)
            {
                errors.Add(TooLargeError(options.MaxBytes));
            }
        }

        progress?.Report(new ImportProgress(ImportPhase.Validating, records, parser.BytesRead, total));
        if (totalErrors == 0 && invalid > 0 && valid + duplicates == 0)
        {
            // Leaving out every record would import nothing while reporting success: the problems are the answer.
            (errors, totalErrors) = (leftOut, leftOutErrors);
        }

        var ok = totalErrors == 0;
        return new ImportResult(ok ? valid : 0, ok ? duplicates : 0, errors, totalErrors, options.DryRun, parser.DetectedFormat ?? format)
        {
            Skipped = ok ? skipped : [],
            Warnings = ok ? warnings : [],
            TotalWarnings = ok ? totalWarnings : 0,
            InvalidRecords = invalid,
            LeftOut = ok ? leftOut : [],
            TotalLeftOut = ok ? leftOutErrors : 0,
            LeftOutLines = ok ? leftOutLines : [],
            ValidRecords = valid,
            FileProblem = fileProblem,
        };
    }

    private static IReadOnlyList<InputError> CheckAgainstDataset(ImportRow row, DatasetRules dataset)
    {
        var content = row.Content!;
        var isPair = content.PreferredCompletion is not null;
        if (dataset.TaskKind == TaskKind.Preference && !isPair)
        {
            return [new InputError("record", "this dataset holds preference pairs; the record has no chosen and rejected answers", row.Line)];
        }

        if (dataset.TaskKind != TaskKind.Preference && isPair)
        {
            return [new InputError("record", $"the record is a preference pair, but this is a {dataset.TaskKind.ToString().ToLowerInvariant()} dataset", row.Line)];
        }

        if (content.Label is { } label && dataset.Labels.Count > 0 && !dataset.Canonical.ContainsKey(label))
        {
            // A bare number against named labels is a Hugging Face class index; which name it stands for is the
            // dataset's ClassLabel order, which only the file's author knows, so it is named, not guessed.
            var hint = long.TryParse(label, out _) && !dataset.Labels.Any(l => long.TryParse(l, out _))
                ? "; a number is a Hugging Face class index: write the names instead, or add label_text with each row's name"
                : "";
            return [new InputError("label", $"'{label}' is not one of the dataset's labels ({ListText.Capped(dataset.Labels, 20)}){hint}", row.Line)];
        }

        return [];
    }

    private async Task<ImportResult> WriteAsync(DatasetRules dataset, ImportInput input, ImportOptions options, Actor actor,
        IProgress<ImportProgress>? progress, long total, ImportResult validation, CancellationToken cancellationToken)
    {
        var hashes = await ExistingHashesAsync(dataset.Id, options.DuplicatePolicy, cancellationToken);
        var inFile = new HashKeySet();
        var skipped = new List<SkippedRecord>();
        var source = options.Source ?? (input.Format == ImportFormat.Csv ? ExampleSource.CsvImport : ExampleSource.JsonlImport);
        var now = clock.GetUtcNow().UtcDateTime;
        var batchSize = Math.Max(1, options.BatchSize);
        int imported = 0, duplicates = 0, pending = 0;
        await using var counter = new CountingStream(input.Stream, options.MaxBytes);
        var parser = new ParserRun(input, options, counter);

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        // Not committed unless every row is written: a failure or a cancellation leaves the dataset as it was.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var searchIndex = await DeferredSearchIndex.BeginAsync(db, cancellationToken);
        // Rows go straight through prepared commands; only the current example is held, never the whole file.
        await using var inserter = ExampleBulkInserter.Create(db);
        await foreach (var row in parser.ParseAsync(cancellationToken))
        {
            if (!row.IsValid || CheckAgainstDataset(row, dataset).Count > 0)
            {
                if (options.InvalidRecords == InvalidRecordPolicy.Skip && !row.AboutFile)
                {
                    continue;
                }

                throw new StudioValidationException("file", "the file changed while it was being imported; nothing was imported");
            }

            var content = CanonicalLabel(row.Content!, dataset);
            var hash = content.ComputeHash();
            // The set holds 8 bytes per example, so a hit is confirmed against the full hash in the database (rows
            // written so far in this transaction included); two different examples sharing a key are both kept.
            if (options.DuplicatePolicy == DuplicatePolicy.Skip && DuplicateOf(DuplicateKey(hash), hashes, inFile) is { } reason
                && await db.Examples.AnyAsync(e => e.DatasetId == dataset.Id && e.ContentHash == hash, cancellationToken))
            {
                duplicates++;
                AddCapped(skipped, new SkippedRecord(row.Line, reason), options.MaxErrorsListed);
                continue;
            }

            var example = Example.Create(dataset.Id, source, options.Status, content, actor.UserId, now, contentHash: hash);
            await inserter.InsertAsync(example, cancellationToken);
            imported++;
            if (++pending == batchSize)
            {
                pending = 0;
                progress?.Report(new ImportProgress(ImportPhase.Writing, imported, parser.BytesRead, total));
            }
        }

        await searchIndex.CompleteAsync(cancellationToken);
        AuditLog.Record(db, actor, now, "example.import", nameof(Dataset), dataset.Id,
            $"{imported} examples imported, {duplicates} duplicates skipped"
            + (validation.InvalidRecords > 0 ? $", {validation.InvalidRecords} records with problems left out" : "")
            + $" ({validation.Format}, {source}, {options.Status})");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        progress?.Report(new ImportProgress(ImportPhase.Done, imported, parser.BytesRead, total));
        return validation with { Imported = imported, SkippedDuplicates = duplicates, Skipped = skipped };
    }

    /// <summary>Why a key is a duplicate (the dataset had it, or an earlier record of the file), or null when it is new; new keys are remembered.</summary>
    private static string? DuplicateOf(ulong key, HashKeySet dataset, HashKeySet file) =>
        dataset.Contains(key) ? SkipReasons.InDataset : file.Add(key) ? null : SkipReasons.EarlierInFile;

    private static void AddCapped<T>(List<T> list, T item, int max)
    {
        if (list.Count < max)
        {
            list.Add(item);
        }
    }

    /// <summary>
    /// The first 64 bits of a content hash as the key of the duplicate set (8 bytes per example instead of a
    /// 64-character string). Keys of different examples collide with probability about n² / 2^65; every hit is
    /// confirmed against the stored hash before a row is skipped.
    /// </summary>
    internal static ulong HashKey(string hash) =>
        hash.Length >= 16 && ulong.TryParse(hash.AsSpan(0, 16), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var key)
            ? key
            : System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(hash)));

    /// <summary>Labels take the dataset's spelling, so "Urgent" and "urgent" do not become two classes.</summary>
    private static ExampleContent CanonicalLabel(ExampleContent content, DatasetRules dataset) =>
        content.Label is { } label && dataset.Canonical.TryGetValue(label, out var canonical)
            ? content with { Label = canonical }
            : content;

    private static async Task<FileStream?> CopyToTempFileAsync(Stream stream, long? maxBytes, CancellationToken cancellationToken)
    {
        var file = ImportFile.NewTempFile();
        try
        {
            var buffer = new byte[81920];
            long copied = 0;
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                copied += read;
                if (copied > maxBytes)
                {
                    await file.DisposeAsync();
                    return null;
                }

                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            file.Position = 0;
            return file;
        }
        catch
        {
            await file.DisposeAsync();
            throw;
        }
    }

    private static InputError TooLargeError(long? maxBytes) =>
        new("file", $"the file is larger than the limit of {FormatBytes(maxBytes ?? 0)}; split it into smaller files");

    private static string FormatBytes(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024):0.#} MB" : $"{bytes} bytes";

    private static ImportResult TooLarge(ImportOptions options) => Failed(options, options.Format, [TooLargeError(options.MaxBytes)], 1);

    private static ImportResult Failed(ImportOptions options, ImportFormat format, IReadOnlyList<InputError> errors, int total) =>
        new(0, 0, errors, total, options.DryRun, format);
}
