using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Jobs;
using Microsoft.EntityFrameworkCore;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// Cuts, lists, serves and compares dataset versions. A version is sealed only when every file passes the
/// target's validator; files go to a temporary folder first and are renamed into place in one step, then the
/// version row is inserted. Anything that fails or is cancelled on the way leaves neither a row nor a folder.
/// With <paramref name="leases"/>, one version of a dataset is cut at a time across every instance on the database.
/// </summary>
public sealed class ExportService(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, VersionStorage storage, JobLeaseService? leases = null)
{
    public const string LeaseKind = "export";

    public const string ManifestFile = "manifest.json";
    public const string CardFile = "README.md";
    private const int Batch = 500;
    private const int VersionExampleBatch = 2000;
    private const int MaxListedErrors = 200;

    public VersionStorage Storage => storage;

    public async Task<IReadOnlyList<VersionSummary>> ListAsync(int datasetId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Datasets.AnyAsync(d => d.Id == datasetId, cancellationToken))
        {
            throw new NotFoundException("Dataset", datasetId);
        }

        var versions = await db.DatasetVersions.AsNoTracking().Where(v => v.DatasetId == datasetId)
            .OrderByDescending(v => v.Number).Include(v => v.Files).ToListAsync(cancellationToken);
        return versions.Select(Summarise).ToList();
    }

    public async Task<VersionDetail> GetAsync(int versionId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var version = await db.DatasetVersions.AsNoTracking().Include(v => v.Files).Include(v => v.Dataset)
            .SingleOrDefaultAsync(v => v.Id == versionId, cancellationToken) ?? throw new NotFoundException("Version", versionId);
        var cardPath = Path.Combine(storage.FullPath(version.StoragePath), CardFile);
        var card = File.Exists(cardPath) ? await File.ReadAllTextAsync(cardPath, cancellationToken) : null;
        return new VersionDetail(Summarise(version), version.Dataset!.ProjectId, version.Dataset.Name, version.ManifestJson, card);
    }

    /// <summary>Cuts a new version. Throws <see cref="StudioValidationException"/> listing the validator's errors by example id.</summary>
    public async Task<VersionSummary> CutAsync(ExportRequest request, Actor actor, IProgress<ExportProgress>? progress, CancellationToken cancellationToken)
    {
        if (!TrainingTargets.TryGet(request.Target ?? "", out var target))
        {
            throw new StudioValidationException("target", $"Unknown target '{request.Target}'. Choose one of: {string.Join(", ", TrainingTargets.All.Select(t => t.Key))}.");
        }

        if (!double.IsFinite(request.ValidationShare) || !double.IsFinite(request.TestShare)
            || request.ValidationShare < 0 || request.TestShare < 0 || request.ValidationShare + request.TestShare >= 1)
        {
            throw new StudioValidationException("shares", "Validation and test shares must be zero or more and together below 1 (for example 0.1 and 0).");
        }

        if (request.Note is { Length: > 2000 })
        {
            throw new StudioValidationException("note", "Keep the note under 2,000 characters.");
        }

        var tags = (request.Tags ?? []).Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

        await using var claim = await ClaimAsync(request.DatasetId, cancellationToken);
        progress?.Report(new ExportProgress("Selecting examples", 0, 0));
        Dataset dataset;
        HashSet<string> evalHashes;
        HashSet<int> evalSources;
        int number;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            dataset = await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == request.DatasetId, cancellationToken)
                ?? throw new NotFoundException("Dataset", request.DatasetId);
            var evalItems = await db.EvalItems.AsNoTracking().Where(i => db.EvalSets.Any(s => s.Id == i.EvalSetId && s.ProjectId == dataset.ProjectId))
                .Select(i => new { i.ContentHash, i.SourceExampleId }).ToListAsync(cancellationToken);
            evalHashes = evalItems.Select(i => i.ContentHash).Where(h => h.Length > 0).ToHashSet(StringComparer.Ordinal);
            evalSources = evalItems.Where(i => i.SourceExampleId is not null).Select(i => i.SourceExampleId!.Value).ToHashSet();
            number = (await db.DatasetVersions.Where(v => v.DatasetId == dataset.Id).MaxAsync(v => (int?)v.Number, cancellationToken) ?? 0) + 1;
        }

        // Nothing is held per example: pass 1 counts per label, pass 2 keeps per label only the examples drawn for
        // validation and test, and the write pass streams the rows a third time and assigns each as it goes.
        var selection = new Selection(dataset.Id, request.Status, tags, evalHashes, evalSources);
        var plan = new SplitPlan(request.ValidationShare, request.TestShare, request.Seed);
        var matched = 0;
        var excludedCount = 0;
        await foreach (var row in ReadSplitRowsAsync(selection, cancellationToken))
        {
            matched++;
            if (selection.IsExcluded(row.Id, row.Hash))
            {
                excludedCount++;
                continue;
            }

            plan.Count(row.Label, row.Pin);
        }

        var kept = matched - excludedCount;
        if (kept == 0)
        {
            throw new StudioValidationException("examples", matched == 0
                ? "No example matches the filter; approve some examples or choose another status or tags."
                : "Every matching example also appears in an evaluation set, so nothing is left to train on.");
        }

        plan.StartDrawing();
        var offered = 0;
        await foreach (var row in ReadSplitRowsAsync(selection, cancellationToken))
        {
            if (selection.IsExcluded(row.Id, row.Hash))
            {
                continue;
            }

            if (!plan.Offer(row.Id, row.Label, row.Pin))
            {
                throw ChangedWhileCutting();
            }

            offered++;
        }

        if (offered != kept)
        {
            throw ChangedWhileCutting();
        }

        plan.FinishDrawing();
        var totals = plan.Totals;

        Directory.CreateDirectory(storage.TempRoot);
        var temp = Path.Combine(storage.TempRoot, $"v{dataset.Id}-{Guid.NewGuid():N}");
        string? final = null;
        var sealedVersion = false;
        try
        {
            Directory.CreateDirectory(temp);
            var splits = new[] { SplitPin.Train, SplitPin.Validation, SplitPin.Test }.Where(s => s == SplitPin.Train || Of(totals, s) > 0).ToList();
            var fit = new TargetFitChecker(target);
            var duplicates = request.DropUnsupported ? new DropDuplicateCounter() : null;
            var (errors, lists) = await WriteSplitsAsync(selection, plan, kept, target, AnswerTemplate.Of(dataset), temp, splits, new FitGate(fit, request.DropUnsupported, duplicates), progress, cancellationToken);
            var ids = new SplitExampleIds(lists[SplitPin.Train], lists[SplitPin.Validation], lists[SplitPin.Test]);
            // What the target cannot hold is refused once per feature, before the validator repeats it on every line.
            if (fit.Errors(request.DropUnsupported) is { Count: > 0 } refusal)
            {
                throw new StudioValidationException(refusal);
            }

            var reports = new Dictionary<SplitPin, ValidationReport>();
            var errorCount = errors.Count;
            foreach (var s in splits)
            {
                progress?.Report(new ExportProgress($"Validating {SplitNames.FileOf(s)}", 0, 0));
                await using var stream = OpenRead(Path.Combine(temp, SplitNames.FileOf(s)));
                var report = await new JsonlValidator(target, maxListedIssues: MaxListedErrors).ValidateAsync(stream, cancellationToken);
                reports[s] = report;
                foreach (var issue in report.Errors)
                {
                    // The minimum number of examples applies to the training file only.
                    if (s != SplitPin.Train && issue.Line is null && issue.Field == "file")
                    {
                        errorCount--;
                        continue;
                    }

                    errors.Add(Locate(issue, s, lists[s]));
                }

                errorCount += report.ErrorCount;
            }

            if (errorCount > 0)
            {
                throw new StudioValidationException(errors.Take(MaxListedErrors).ToList(), Math.Max(errorCount, errors.Count));
            }

            progress?.Report(new ExportProgress("Writing manifest and card", 0, 0));
            var files = new List<ManifestFile>();
            foreach (var s in splits)
            {
                var name = SplitNames.FileOf(s);
                var (sha, bytes) = await FileHasher.Sha256HexOfFileAsync(Path.Combine(temp, name), cancellationToken);
                files.Add(new ManifestFile(name, SplitNames.Of(s), sha, bytes, reports[s].LineCount));
            }

            var now = clock.GetUtcNow().UtcDateTime;
            var manifest = new DatasetManifest(
                number, dataset.Name, target.Key, target.DisplayName, string.IsNullOrWhiteSpace(request.Note) ? null : request.Note.Trim(),
                Filters(request.Status, tags), request.Seed, request.ValidationShare, request.TestShare,
                totals,
                plan.Labels.ToDictionary(l => l, plan.CountsOf, StringComparer.Ordinal), new SplitTokenStats(
                    reports.GetValueOrDefault(SplitPin.Train)?.Tokens ?? TokenStats.Empty,
                    reports.GetValueOrDefault(SplitPin.Validation)?.Tokens ?? TokenStats.Empty,
                    reports.GetValueOrDefault(SplitPin.Test)?.Tokens ?? TokenStats.Empty),
                reports[SplitPin.Train].Cost, target.PriceNote, target.Notice, files, ids, excludedCount,
                actor.Name, now, AppVersion,
                request.DropUnsupported ? fit.Lost.ToDictionary(p => TargetFitChecker.KeyOf(p.Key), p => p.Value, StringComparer.Ordinal) : null,
                duplicates?.Count ?? 0);
            // The manifest goes to its file as it is written; its text is then read once for the version row.
            var manifestPath = Path.Combine(temp, ManifestFile);
            await using (var output = new FileStream(manifestPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 256 * 1024, useAsync: true))
            {
                await ManifestWriter.WriteAsync(manifest, output, cancellationToken);
            }

            var manifestJson = await File.ReadAllTextAsync(manifestPath, Utf8NoBom, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(temp, CardFile), DatasetCardWriter.ToMarkdown(manifest), Utf8NoBom, cancellationToken);
            var extra = new List<DatasetVersionFile>();
            foreach (var name in new[] { ManifestFile, CardFile })
            {
                var path = Path.Combine(temp, name);
                var (sha, bytes) = await FileHasher.Sha256HexOfFileAsync(path, cancellationToken);
                var lines = name == ManifestFile ? manifestJson.AsSpan().Count('\n') : (await File.ReadAllTextAsync(path, Utf8NoBom, cancellationToken)).AsSpan().Count('\n');
                extra.Add(new DatasetVersionFile { Name = name, Sha256 = sha, Bytes = bytes, Lines = lines });
            }

            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new ExportProgress("Sealing the version", 0, 0));
            var relative = Path.Combine("datasets", dataset.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), $"v{number}-{Guid.NewGuid().ToString("N")[..8]}");
            final = storage.FullPath(relative);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            Directory.Move(temp, final);

            var version = new DatasetVersion
            {
                DatasetId = dataset.Id,
                Number = number,
                Note = manifest.Note ?? "",
                AuthorId = actor.UserId,
                AuthorName = actor.Name,
                Target = target.Key,
                Seed = request.Seed,
                ValidationShare = request.ValidationShare,
                TestShare = request.TestShare,
                FiltersJson = JsonSerializer.Serialize(manifest.Filters),
                TrainCount = manifest.Counts.Train,
                ValidationCount = manifest.Counts.Validation,
                TestCount = manifest.Counts.Test,
                TokenStatsJson = JsonSerializer.Serialize(manifest.Tokens),
                ManifestJson = manifestJson,
                StoragePath = relative.Replace('\\', '/'),
                CreatedAt = now,
                Files = files.Select(f => new DatasetVersionFile { Name = f.Name, Sha256 = f.Sha256, Bytes = f.Bytes, Lines = f.Lines }).Concat(extra).ToList(),
            };

            await using (var db = await factory.CreateDbContextAsync(cancellationToken))
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                var latest = await db.DatasetVersions.Where(v => v.DatasetId == dataset.Id).MaxAsync(v => (int?)v.Number, cancellationToken) ?? 0;
                if (latest + 1 != number)
                {
                    throw new ConflictException($"Someone else cut version {latest} of this dataset at the same time; cut again to make version {latest + 1}.");
                }

                db.DatasetVersions.Add(version);
                await db.SaveChangesAsync(cancellationToken);
                // The example list is saved in slices with the tracker cleared in between, so its memory does not grow with the dataset.
                db.ChangeTracker.AutoDetectChangesEnabled = false;
                foreach (var slice in InIdOrder(lists).Chunk(VersionExampleBatch))
                {
                    db.ChangeTracker.Clear();
                    var sliceIds = slice.Select(e => e.Id).ToArray();
                    var hashes = await db.Examples.AsNoTracking().Where(e => sliceIds.Contains(e.Id))
                        .Select(e => new { e.Id, e.ContentHash }).ToDictionaryAsync(e => e.Id, e => e.ContentHash, cancellationToken);
                    db.DatasetVersionExamples.AddRange(slice.Select(e => new DatasetVersionExample
                    {
                        DatasetVersionId = version.Id, ExampleId = e.Id, Split = e.Split,
                        ContentHash = hashes.TryGetValue(e.Id, out var hash) ? hash : throw new ConflictException($"Example {e.Id} was deleted while the version was being cut; cut again."),
                    }));
                    await db.SaveChangesAsync(cancellationToken);
                }

                db.ChangeTracker.Clear();
                AuditLog.Record(db, actor, now, "version.create", nameof(DatasetVersion), version.Id,
                    $"dataset {dataset.Id} version {number}: {target.Key}, {manifest.Counts.Total} examples");
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            sealedVersion = true;
            progress?.Report(new ExportProgress("Done", 1, 1));
            return Summarise(version);
        }
        finally
        {
            if (!sealedVersion)
            {
                TryDelete(temp);
                if (final is not null)
                {
                    TryDelete(final);
                }
            }
        }
    }

    private async Task<JobLeaseHandle?> ClaimAsync(int datasetId, CancellationToken cancellationToken) =>
        leases is null
            ? null
            : await leases.TryAcquireAsync(LeaseKind, datasetId.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken)
              ?? throw new ConflictException("A version of this dataset is being cut right now (perhaps on another instance); try again when it is done.");

    /// <summary>Opens a version file after checking its SHA-256 against the recorded one; a changed file is never served.</summary>
    public async Task<VersionFileStream> OpenFileAsync(int versionId, string name, CancellationToken cancellationToken)
    {
        var (version, file) = await FindFileAsync(versionId, name, cancellationToken);
        var stream = await OpenCheckedAsync(version, file, cancellationToken);
        return new VersionFileStream(file.Name, file.Sha256, stream);
    }

    /// <summary>Writes a zip of every file of a version to a temporary file (deleted on close) and returns it.</summary>
    public async Task<Stream> OpenZipAsync(int versionId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var version = await db.DatasetVersions.AsNoTracking().Include(v => v.Files)
            .SingleOrDefaultAsync(v => v.Id == versionId, cancellationToken) ?? throw new NotFoundException("Version", versionId);
        Directory.CreateDirectory(storage.TempRoot);
        var zipPath = Path.Combine(storage.TempRoot, $"zip-{Guid.NewGuid():N}.zip");
        var zip = new FileStream(zipPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81_920, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
            {
                foreach (var file in version.Files.OrderBy(f => f.Name, StringComparer.Ordinal))
                {
                    await using var source = await OpenCheckedAsync(version, file, cancellationToken);
                    var entry = archive.CreateEntry(file.Name, CompressionLevel.Optimal);
                    entry.LastWriteTime = new DateTimeOffset(version.CreatedAt, TimeSpan.Zero);
                    await using var target = await entry.OpenAsync(cancellationToken);
                    await source.CopyToAsync(target, cancellationToken);
                }
            }

            zip.Position = 0;
            return zip;
        }
        catch
        {
            await zip.DisposeAsync();
            throw;
        }
    }

    /// <summary>Compares two versions of the same dataset; token counts are re-read from the version files.</summary>
    public async Task<VersionDiffResult> DiffAsync(int olderId, int newerId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var older = await LoadForDiffAsync(db, olderId, cancellationToken);
        var newer = await LoadForDiffAsync(db, newerId, cancellationToken);
        if (older.Version.DatasetId != newer.Version.DatasetId)
        {
            throw new StudioValidationException("versions", "Both versions must belong to the same dataset.");
        }

        var diff = VersionDiffer.Diff(await SnapshotAsync(older.Version, older.Examples, cancellationToken), await SnapshotAsync(newer.Version, newer.Examples, cancellationToken));
        return new VersionDiffResult(Summarise(older.Version), Summarise(newer.Version), diff);
    }

    /// <summary>Which parts of an example the training loss sees for a target.</summary>
    public async Task<ExamplePreviewResult> PreviewAsync(int exampleId, string targetKey, CancellationToken cancellationToken)
    {
        if (!TrainingTargets.TryGet(targetKey ?? "", out var target))
        {
            throw new StudioValidationException("target", $"Unknown target '{targetKey}'.");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var example = await db.Examples.AsNoTracking().Include(e => e.Messages).Include(e => e.Dataset)
            .SingleOrDefaultAsync(e => e.Id == exampleId, cancellationToken) ?? throw new NotFoundException("Example", exampleId);
        return new ExamplePreviewResult(example.Id, example.Dataset!.ProjectId, TrainableTokenPreview.Preview(AnswerTemplate.Of(example.Dataset!).Complete(ExampleContent.FromEntity(example)), target));
    }

    /// <summary>Validates an uploaded JSONL file against a target, optionally with another encoding or token limit.</summary>
    public static async Task<ValidationReport> ValidateFileAsync(Stream stream, string targetKey, string? encoding, int? maxTokens, CancellationToken cancellationToken)
    {
        if (!TrainingTargets.TryGet(targetKey ?? "", out var target))
        {
            throw new StudioValidationException("target", $"Unknown target '{targetKey}'. Choose one of: {string.Join(", ", TrainingTargets.All.Select(t => t.Key))}.");
        }

        if (maxTokens is { } limit)
        {
            if (limit <= 0)
            {
                throw new StudioValidationException("max-tokens", "The token limit must be a positive number.");
            }

            target = target with { TokenLimitPerExample = limit };
        }

        var counter = TokenCounter.For(string.IsNullOrWhiteSpace(encoding) ? target.Encoding : encoding);
        return await new JsonlValidator(target, counter).ValidateAsync(stream, cancellationToken);
    }

    private async Task<(List<InputError> Errors, Dictionary<SplitPin, List<int>> Ids)> WriteSplitsAsync(
        Selection selection, SplitPlan plan, int total, TrainingTargetProfile target, AnswerTemplate answer, string folder, IReadOnlyList<SplitPin> splits, FitGate gate,
        IProgress<ExportProgress>? progress, CancellationToken cancellationToken)
    {
        var errors = new List<InputError>();
        var writer = new JsonlExampleWriter(target);
        var outputs = new Dictionary<SplitPin, FileStream>();
        // Ids per split in file order (ascending): 4 bytes per example, for the manifest and to name the example behind a failing line.
        var ids = new Dictionary<SplitPin, List<int>> { [SplitPin.Train] = [], [SplitPin.Validation] = [], [SplitPin.Test] = [] };
        var perLabel = new Dictionary<string, int[]>(StringComparer.Ordinal);
        try
        {
            foreach (var s in splits)
            {
                outputs[s] = new FileStream(Path.Combine(folder, SplitNames.FileOf(s)), FileMode.CreateNew, FileAccess.Write, FileShare.None, 256 * 1024, useAsync: true);
            }

            var done = 0;
            progress?.Report(new ExportProgress("Writing files", 0, total));
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
            var after = int.MinValue;
            var withHash = selection.EvalHashes.Count > 0;
            while (true)
            {
                var from = after;
                var examples = await Filter(db.Examples.Where(e => e.DatasetId == selection.DatasetId && e.Id > from), selection.Status, selection.Tags)
                    .OrderBy(e => e.Id).Take(Batch)
                    .Select(e => new { e.Id, e.Label, e.Split, Hash = withHash ? e.ContentHash : "", e.Tags, e.PreferredCompletion, e.RejectedCompletion, e.ToolsJson })
                    .ToListAsync(cancellationToken);
                if (examples.Count == 0)
                {
                    break;
                }

                after = examples[^1].Id;
                var chunk = examples.Where(e => !selection.IsExcluded(e.Id, e.Hash)).Select(e => e.Id).ToArray();
                var first = chunk.Length > 0 ? chunk[0] : 0;
                var last = chunk.Length > 0 ? chunk[^1] : -1;
                var messages = chunk.Length == 0
                    ? Enumerable.Empty<(int ExampleId, MessageContent Content)>().ToLookup(m => m.ExampleId, m => m.Content)
                    : (await db.ExampleMessages.Where(m => m.ExampleId >= first && m.ExampleId <= last && chunk.Contains(m.ExampleId))
                            .OrderBy(m => m.ExampleId).ThenBy(m => m.Position)
                            .Select(m => new { m.ExampleId, Content = new MessageContent(m.Role, m.Content, m.Name, m.ToolCallsJson, m.ToolCallId, m.Weight) })
                            .ToListAsync(cancellationToken))
                        .ToLookup(m => m.ExampleId, m => m.Content);
                foreach (var e in examples)
                {
                    if (selection.IsExcluded(e.Id, e.Hash))
                    {
                        continue;
                    }

                    var s = plan.Assign(e.Id, e.Split);
                    if (plan.CountOf(e.Label) == 0 || !outputs.TryGetValue(s, out var output))
                    {
                        throw ChangedWhileCutting();
                    }

                    var counts = perLabel.TryGetValue(e.Label ?? "", out var c) ? c : perLabel[e.Label ?? ""] = new int[3];
                    counts[s switch { SplitPin.Validation => 1, SplitPin.Test => 2, _ => 0 }]++;
                    var list = ids[s];
                    list.Add(e.Id);
                    var line = list.Count;
                    // A labelled example without an answer learns the label as the dataset's template renders it.
                    var content = answer.Complete(new ExampleContent(messages[e.Id].ToList(), e.Label, e.Tags, e.PreferredCompletion, e.RejectedCompletion, e.ToolsJson));
                    var text = "{}";
                    // An example the target cannot hold keeps its line so later line numbers still match the ids; the fit
                    // checker refuses the cut once per feature afterwards.
                    if (gate.Fit.Add(content, gate.DropUnsupported, e.Id))
                    {
                        var written = gate.DropUnsupported ? gate.Fit.Drop(content) : content;
                        try
                        {
                            text = writer.ToLine(written);
                            gate.Duplicates?.Add(text, content.ComputeHash(), !ReferenceEquals(written, content));
                        }
                        catch (StudioValidationException ex)
                        {
                            // The version will not be sealed.
                            errors.AddRange(ex.Errors.Select(err => new InputError($"example {e.Id} ({SplitNames.FileOf(s)} line {line}): {err.Field}", err.Message)));
                        }
                    }

                    var bytes = Encoding.UTF8.GetBytes(text + "\n");
                    await output.WriteAsync(bytes, cancellationToken);
                    done++;
                }

                progress?.Report(new ExportProgress("Writing files", done, total));
            }
        }
        finally
        {
            foreach (var output in outputs.Values)
            {
                await output.DisposeAsync();
            }
        }

        // The rows read now must be the ones counted and drawn from: same labels, same count in every split.
        if (perLabel.Count != plan.Labels.Count()
            || perLabel.Any(p => plan.CountOf(p.Key) == 0 || plan.CountsOf(p.Key) != new SplitCounts(p.Value[0], p.Value[1], p.Value[2])))
        {
            throw ChangedWhileCutting();
        }

        return (errors, ids);
    }

    /// <summary>What the write pass checks each example against, and what it drops when asked.</summary>
    private sealed record FitGate(TargetFitChecker Fit, bool DropUnsupported, DropDuplicateCounter? Duplicates);

    private static ConflictException ChangedWhileCutting() =>
        new("Examples of this dataset changed while the version was being cut; cut again.");

    private static int Of(SplitCounts counts, SplitPin split) => split switch
    {
        SplitPin.Validation => counts.Validation,
        SplitPin.Test => counts.Test,
        _ => counts.Train,
    };

    /// <summary>Every example of the version with its split, ascending by id (a merge of the three ascending lists).</summary>
    private static IEnumerable<(int Id, SplitPin Split)> InIdOrder(Dictionary<SplitPin, List<int>> lists)
    {
        var positions = new Dictionary<SplitPin, int> { [SplitPin.Train] = 0, [SplitPin.Validation] = 0, [SplitPin.Test] = 0 };
        while (true)
        {
            SplitPin? next = null;
            var smallest = int.MaxValue;
            foreach (var (split, list) in lists)
            {
                var at = positions[split];
                if (at < list.Count && (next is null || list[at] < smallest))
                {
                    next = split;
                    smallest = list[at];
                }
            }

            if (next is not { } chosen)
            {
                yield break;
            }

            positions[chosen]++;
            yield return (smallest, chosen);
        }
    }

    /// <summary>The examples a cut reads, and which of them are held out because an evaluation set holds them or their content.</summary>
    private sealed record Selection(int DatasetId, ExportStatusFilter Status, IReadOnlyList<string> Tags, HashSet<string> EvalHashes, HashSet<int> EvalSources)
    {
        public bool IsExcluded(int id, string hash) => EvalSources.Contains(id) || (EvalHashes.Count > 0 && EvalHashes.Contains(hash));
    }

    private readonly record struct SplitRow(int Id, string? Label, SplitPin Pin, string Hash);

    /// <summary>Id, label and pin of every selected example in id order, read as a stream; the content hash only when eval sets hold hashes.</summary>
    private async IAsyncEnumerable<SplitRow> ReadSplitRowsAsync(Selection selection, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var withHash = selection.EvalHashes.Count > 0;
        await foreach (var row in Filter(db.Examples.AsNoTracking().Where(e => e.DatasetId == selection.DatasetId), selection.Status, selection.Tags)
                           .OrderBy(e => e.Id).Select(e => new { e.Id, e.Label, e.Split, Hash = withHash ? e.ContentHash : "" })
                           .AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            yield return new SplitRow(row.Id, row.Label, row.Split, row.Hash);
        }
    }

    private static InputError Locate(ValidationIssue issue, SplitPin split, IReadOnlyList<int> ids)
    {
        var file = SplitNames.FileOf(split);
        if (issue.Line is { } line && line >= 1 && line <= ids.Count)
        {
            return new InputError($"example {ids[line - 1]} ({file} line {line}): {issue.Field}", issue.Message);
        }

        return new InputError($"{file}: {issue.Field}", issue.Message);
    }

    private static IQueryable<Example> Filter(IQueryable<Example> query, ExportStatusFilter status, IReadOnlyList<string> tags)
    {
        query = status == ExportStatusFilter.Approved
            ? query.Where(e => e.Status == ExampleStatus.Approved)
            : query.Where(e => e.Status != ExampleStatus.Rejected);
        if (tags.Count > 0)
        {
            query = query.Where(e => e.Tags.Any(t => tags.Contains(t)));
        }

        return query;
    }

    private static Dictionary<string, string> Filters(ExportStatusFilter status, IReadOnlyList<string> tags)
    {
        var filters = new Dictionary<string, string> { ["status"] = status == ExportStatusFilter.Approved ? "approved" : "all but rejected" };
        if (tags.Count > 0)
        {
            filters["tags"] = string.Join(",", tags);
        }

        return filters;
    }

    private async Task<(DatasetVersion Version, DatasetVersionFile File)> FindFileAsync(int versionId, string name, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var version = await db.DatasetVersions.AsNoTracking().Include(v => v.Files)
            .SingleOrDefaultAsync(v => v.Id == versionId, cancellationToken) ?? throw new NotFoundException("Version", versionId);
        // Only names recorded for this version are served, compared exactly: no path ever comes from the caller.
        var file = version.Files.SingleOrDefault(f => string.Equals(f.Name, name, StringComparison.Ordinal))
            ?? throw new NotFoundException($"Version {versionId} has no file named '{name}'.");
        return (version, file);
    }

    private async Task<Stream> OpenCheckedAsync(DatasetVersion version, DatasetVersionFile file, CancellationToken cancellationToken)
    {
        var folder = storage.FullPath(version.StoragePath);
        var path = Path.GetFullPath(Path.Combine(folder, file.Name));
        if (!path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(path))
        {
            throw new NotFoundException($"The file {file.Name} of version {version.Number} is missing from the storage folder.");
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81_920, useAsync: true);
        try
        {
            var actual = await FileHasher.Sha256HexAsync(stream, cancellationToken);
            var expected = ManifestHash(version.ManifestJson, file.Name) ?? file.Sha256;
            if (!string.Equals(actual, file.Sha256, StringComparison.Ordinal) || !string.Equals(actual, expected, StringComparison.Ordinal))
            {
                throw new ConflictException($"The file {file.Name} of version {version.Number} has changed since it was written (its SHA-256 no longer matches the manifest), so it will not be served.");
            }

            stream.Position = 0;
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>The SHA-256 the manifest records for a data file; null for files the manifest does not list (itself, the card).</summary>
    private static string? ManifestHash(string manifestJson, string name)
    {
        try
        {
            using var document = JsonDocument.Parse(manifestJson);
            if (document.RootElement.TryGetProperty("files", out var files) && files.ValueKind == JsonValueKind.Array)
            {
                foreach (var f in files.EnumerateArray())
                {
                    if (f.TryGetProperty("name", out var n) && n.GetString() == name)
                    {
                        return f.GetProperty("sha256").GetString();
                    }
                }
            }
        }
        catch (JsonException)
        {
            // A manifest we cannot read leaves the recorded hash as the only check.
        }

        return null;
    }

    private static async Task<(DatasetVersion Version, List<DatasetVersionExample> Examples)> LoadForDiffAsync(StudioDbContext db, int id, CancellationToken cancellationToken)
    {
        var version = await db.DatasetVersions.AsNoTracking().Include(v => v.Files)
            .SingleOrDefaultAsync(v => v.Id == id, cancellationToken) ?? throw new NotFoundException("Version", id);
        var examples = await db.DatasetVersionExamples.AsNoTracking().Where(e => e.DatasetVersionId == id)
            .OrderBy(e => e.ExampleId).ToListAsync(cancellationToken);
        return (version, examples);
    }

    /// <summary>
    /// The version's examples with the token figures its manifest recorded at the cut; only a manifest without them
    /// (written by an older release) makes the files be read and counted again.
    /// </summary>
    private async Task<VersionSnapshot> SnapshotAsync(DatasetVersion version, List<DatasetVersionExample> examples, CancellationToken cancellationToken)
    {
        var target = TrainingTargets.TryGet(version.Target, out var t) ? t : TrainingTargets.OpenAiChatProfile;
        if (ManifestTotals(version.ManifestJson) is { } totals)
        {
            return new VersionSnapshot(examples.Select(e => new VersionEntry(e.ExampleId, e.Split, e.ContentHash, 0)).ToList(),
                EpochHeuristic.Epochs(version.TrainCount), target.TokenLimitPerExample, target.PricePerMillionTrainingTokens, totals);
        }

        return await SnapshotFromFilesAsync(version, examples, target, cancellationToken);
    }

    /// <summary>Token totals per split and the billed training tokens, as the manifest recorded them; null when it has none.</summary>
    internal static VersionTokenTotals? ManifestTotals(string manifestJson)
    {
        try
        {
            using var document = JsonDocument.Parse(manifestJson);
            var root = document.RootElement;
            if (!root.TryGetProperty("tokens", out var tokens) || tokens.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("cost_estimate", out var cost) || !cost.TryGetProperty("billed_tokens", out var billed)
                || !billed.TryGetInt64(out var billedTokens))
            {
                return null;
            }

            long total = 0, train = 0;
            foreach (var split in tokens.EnumerateObject())
            {
                if (split.Value.ValueKind != JsonValueKind.Object || !split.Value.TryGetProperty("total", out var value) || !value.TryGetInt64(out var tokensOfSplit))
                {
                    return null;
                }

                total += tokensOfSplit;
                if (split.NameEquals("train"))
                {
                    train = tokensOfSplit;
                }
            }

            return new VersionTokenTotals(total, train, billedTokens);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Tokens per example from the files: each split file holds its examples in ascending id order.</summary>
    private async Task<VersionSnapshot> SnapshotFromFilesAsync(DatasetVersion version, List<DatasetVersionExample> examples, TrainingTargetProfile target,
        CancellationToken cancellationToken)
    {
        var validator = new JsonlValidator(target);
        var entries = new List<VersionEntry>(examples.Count);
        foreach (var s in new[] { SplitPin.Train, SplitPin.Validation, SplitPin.Test })
        {
            var ids = examples.Where(e => e.Split == s).ToList();
            if (ids.Count == 0)
            {
                continue;
            }

            var tokens = new List<int>(ids.Count);
            var file = version.Files.SingleOrDefault(f => f.Name == SplitNames.FileOf(s));
            if (file is not null)
            {
                await using var stream = await OpenCheckedAsync(version, file, cancellationToken);
                await foreach (var (_, bytes) in JsonlLineReader.ReadLinesAsync(stream, cancellationToken))
                {
                    using var document = JsonDocument.Parse(bytes);
                    tokens.Add(validator.CountTokens(document.RootElement));
                }
            }

            for (var i = 0; i < ids.Count; i++)
            {
                entries.Add(new VersionEntry(ids[i].ExampleId, s, ids[i].ContentHash, i < tokens.Count ? tokens[i] : 0));
            }
        }

        return new VersionSnapshot(entries, EpochHeuristic.Epochs(version.TrainCount), target.TokenLimitPerExample, target.PricePerMillionTrainingTokens);
    }

    private static VersionSummary Summarise(DatasetVersion v) => new(
        v.Id, v.DatasetId, v.Number, v.Target, string.IsNullOrEmpty(v.Note) ? null : v.Note,
        v.TrainCount, v.ValidationCount, v.TestCount, v.Seed, v.ValidationShare, v.TestShare, v.AuthorName, v.CreatedAt,
        v.Files.OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => new VersionFileSummary(f.Name, f.Sha256, f.Bytes, f.Lines)).ToList());

    private static FileStream OpenRead(string path) => new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 256 * 1024, useAsync: true);

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
            // Best effort: a leftover temporary folder is never listed as a version.
        }
    }

    private static string AppVersion { get; } =
        typeof(ExportService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
