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
/// Cuts dataset versions: plans the split, stages the files and seals the version. A version is sealed only when
/// every file passes the target's validator; files go to a temporary folder first and are renamed into place in one
/// step, then the version row is inserted. Anything that fails or is cancelled on the way leaves neither a row nor a
/// folder. One version of a dataset is cut at a time across every instance on the database.
/// </summary>
public sealed class VersionCutter(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, VersionStorage storage, JobLeaseService leases)
{
    public const string LeaseKind = "export";

    private const int MaxListedErrors = 200;

    /// <summary>Cuts a new version. Throws <see cref="StudioValidationException"/> listing the validator's errors by example id.</summary>
    public async Task<VersionSummary> CutAsync(CutRequest request, Actor actor, IProgress<CutProgress>? progress, CancellationToken cancellationToken)
    {
        IReadOnlyList<TrainingTargetProfile> targets;
        await using (var lookup = await factory.CreateDbContextAsync(cancellationToken))
        {
            targets = await TrainingTargetTable.ProfilesAsync(lookup, cancellationToken);
        }

        var target = TrainingTargetTable.Find(targets, request.Target)
            ?? throw new StudioValidationException("target", $"Unknown target '{request.Target}'. Choose one of: {string.Join(", ", targets.Select(t => t.Key))}.");

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
        progress?.Report(new CutProgress("Selecting examples", 0, 0));
        Dataset dataset;
        int number;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            dataset = await db.Datasets.AsNoTracking().SingleOrDefaultAsync(d => d.Id == request.DatasetId, cancellationToken)
                ?? throw new NotFoundException("Dataset", request.DatasetId);
            number = (await db.DatasetVersions.Where(v => v.DatasetId == dataset.Id).MaxAsync(v => (int?)v.Number, cancellationToken) ?? 0) + 1;
        }

        progress?.Report(new CutProgress("Holding out what the eval sets ask", 0, 0));
        var heldOut = await CutSelection.HeldOutAsync(factory, dataset.Id, dataset.ProjectId, cancellationToken);

        // Nothing is held per example: pass 1 counts per label, pass 2 keeps per label only the examples drawn for
        // validation and test, and the write pass streams the rows a third time and assigns each as it goes.
        var selection = new CutSelection(dataset.Id, request.Status, tags, heldOut);
        var plan = new SplitPlan(request.ValidationShare, request.TestShare, request.Seed);
        var matched = 0;
        var excludedCount = 0;
        await foreach (var row in selection.ReadRowsAsync(factory, cancellationToken))
        {
            matched++;
            if (selection.IsExcluded(row.Id))
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
        await foreach (var row in selection.ReadRowsAsync(factory, cancellationToken))
        {
            if (selection.IsExcluded(row.Id))
            {
                continue;
            }

            if (!plan.Offer(row.Id, row.Label, row.Pin))
            {
                throw CutSelection.ChangedWhileCutting();
            }

            offered++;
        }

        if (offered != kept)
        {
            throw CutSelection.ChangedWhileCutting();
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
            var fit = new TargetFitChecker(target, targets);
            var duplicates = request.DropUnsupported ? new DropDuplicateCounter() : null;
            var (errors, lists) = await SplitFileWriter.WriteAsync(factory, selection, plan, kept, target, AnswerTemplate.Of(dataset), temp, splits, new FitGate(fit, request.DropUnsupported, duplicates), progress, cancellationToken);
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
                progress?.Report(new CutProgress($"Validating {SplitNames.FileOf(s)}", 0, 0));
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

            progress?.Report(new CutProgress("Writing manifest and card", 0, 0));
            var files = new List<ManifestFile>();
            foreach (var s in splits)
            {
                var name = SplitNames.FileOf(s);
                var (sha, bytes) = await FileHasher.Sha256HexOfFileAsync(Path.Combine(temp, name), cancellationToken);
                files.Add(new ManifestFile(name, SplitNames.Of(s), sha, bytes, reports[s].LineCount));
            }

            var recipes = TrainerRecipes.For(target, number, dataset.Name, [.. splits.Select(SplitNames.FileOf)], totals.Train, request.Seed);
            foreach (var recipe in recipes)
            {
                var path = Path.Combine(temp, recipe.FileName);
                await File.WriteAllTextAsync(path, recipe.Text, Utf8NoBom, cancellationToken);
                var (sha, bytes) = await FileHasher.Sha256HexOfFileAsync(path, cancellationToken);
                files.Add(new ManifestFile(recipe.FileName, TrainerRecipes.Split, sha, bytes, recipe.Text.AsSpan().Count('\n')));
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
                duplicates?.Count ?? 0,
                recipes);
            // The manifest goes to its file as it is written; its text is then read once for the version row.
            var manifestPath = Path.Combine(temp, VersionFolder.ManifestFile);
            await using (var output = new FileStream(manifestPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 256 * 1024, useAsync: true))
            {
                await ManifestWriter.WriteAsync(manifest, output, cancellationToken);
            }

            var manifestJson = await File.ReadAllTextAsync(manifestPath, Utf8NoBom, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(temp, VersionFolder.CardFile), DatasetCardWriter.ToMarkdown(manifest), Utf8NoBom, cancellationToken);
            var extra = new List<DatasetVersionFile>();
            foreach (var name in new[] { VersionFolder.ManifestFile, VersionFolder.CardFile })
            {
                var path = Path.Combine(temp, name);
                var (sha, bytes) = await FileHasher.Sha256HexOfFileAsync(path, cancellationToken);
                var lines = name == VersionFolder.ManifestFile ? manifestJson.AsSpan().Count('\n') : (await File.ReadAllTextAsync(path, Utf8NoBom, cancellationToken)).AsSpan().Count('\n');
                extra.Add(new DatasetVersionFile { Name = name, Sha256 = sha, Bytes = bytes, Lines = lines });
            }

            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new CutProgress("Sealing the version", 0, 0));
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
                await VersionExampleRows.InsertAsync(db, version.Id, InIdOrder(lists), cancellationToken);
                db.ChangeTracker.Clear();
                AuditLog.Record(db, actor, now, "version.create", nameof(DatasetVersion), version.Id,
                    $"dataset {dataset.Id} version {number}: {target.Key}, {manifest.Counts.Total} examples");
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }

            sealedVersion = true;
            progress?.Report(new CutProgress("Done", 1, 1));
            return VersionCatalog.Summarise(version);
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

    private async Task<JobLeaseHandle> ClaimAsync(int datasetId, CancellationToken cancellationToken) =>
        await leases.TryAcquireAsync(LeaseKind, datasetId.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken)
        ?? throw new ConflictException("A version of this dataset is being cut right now (perhaps on another instance); try again when it is done.");

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

    private static InputError Locate(ValidationIssue issue, SplitPin split, IReadOnlyList<int> ids)
    {
        var file = SplitNames.FileOf(split);
        if (issue.Line is { } line && line >= 1 && line <= ids.Count)
        {
            return new InputError($"example {ids[line - 1]} ({file} line {line}): {issue.Field}", issue.Message);
        }

        return new InputError($"{file}: {issue.Field}", issue.Message);
    }

    private static Dictionary<string, string> Filters(CutStatusFilter status, IReadOnlyList<string> tags)
    {
        var filters = new Dictionary<string, string> { ["status"] = status == CutStatusFilter.Approved ? "approved" : "all but rejected" };
        if (tags.Count > 0)
        {
            filters["tags"] = string.Join(",", tags);
        }

        return filters;
    }

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
        typeof(VersionCutter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
