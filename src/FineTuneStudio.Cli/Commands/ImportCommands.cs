using System.CommandLine;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Imports;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Cli.Commands;

public static class ImportCommands
{
    /// <summary>Files at least this big report progress on stderr.</summary>
    private const long ProgressFromBytes = 5L * 1024 * 1024;

    /// <summary>"checking: 120000 records, 40% of the file", then the same for "writing".</summary>
    private static IProgress<ImportProgress> ImportProgressLines(TextWriter error) => StderrProgress.Tenths<ImportProgress>(error,
        p => (PhaseName(p.Phase), p.BytesRead, p.TotalBytes ?? 0),
        (p, tenth) => $"{PhaseName(p.Phase)}: {p.Records} records, {tenth * 10}% of the file");

    private static string PhaseName(ImportPhase phase) =>
        phase switch { ImportPhase.Validating => "checking", ImportPhase.Writing => "writing", _ => "done" };

    /// <summary>The top-level commands of this feature.</summary>
    public static IEnumerable<Command> Build()
    {
        yield return BuildImport();
    }

    /// <summary>
    /// A CSV file given without --map is read with the mapping the browser's import page starts from, guessed from
    /// the header names; stderr says which columns went where and which were left out, so a wrong guess shows.
    /// </summary>
    private static async Task<CsvMapping> GuessMappingAsync(Stream stream, TextWriter error, CancellationToken ct)
    {
        var start = stream.Position;
        var preview = await new CsvExampleParser().PreviewAsync(stream, 0, ct);
        stream.Position = start;
        var mapping = preview.SuggestedMapping;
        if (mapping.User is null)
        {
            throw new CliException(preview.Headers.Count == 0
                ? "FILE: the file is empty; a CSV file starts with a header row"
                : $"--map: no column of the header ({string.Join(", ", preview.Headers)}) reads as the user's message; map the columns, as in --map user=question,assistant=answer");
        }

        string?[] used = [mapping.System, mapping.User, mapping.Input, mapping.Assistant, mapping.Label, mapping.Tags];
        var left = preview.Headers.Where(h => !used.Contains(h, StringComparer.OrdinalIgnoreCase)).ToList();
        await error.WriteLineAsync($"columns mapped from the header: {ImportSettings.FormatMapping(mapping)}"
            + (left.Count > 0 ? $"; not imported: {string.Join(", ", left)}" : "") + " (choose others with --map)");
        return mapping;
    }

    /// <summary><c>--invalid refuse|skip</c>, for the imports that can leave records with problems out.</summary>
    internal static Option<string> InvalidOption(string what, string more = "")
    {
        var invalid = new Option<string>("--invalid")
        {
            Description = $"{what}: refuse the file (nothing is imported) or skip them (each listed on stderr{more})",
            DefaultValueFactory = _ => "refuse",
        };
        invalid.AcceptOnlyFromAmong("refuse", "skip");
        return invalid;
    }

    /// <summary>
    /// A line file's import (a traffic log, eval items): refused, with what leaving the bad lines out would import when
    /// that can help, or done, with the lines it left out listed on stderr.
    /// </summary>
    internal static async Task EnsureImportedAsync(TextWriter error, LineImportResult result)
    {
        if (result.CanSkipInvalid)
        {
            await error.WriteLineAsync($"{result.ProblemCounts}; fix the file, or pass --invalid skip to import the others and leave those out");
        }

        result.ThrowIfRefused();
        await WriteLeftOutAsync(error, result.LeftOut, result.TotalLeftOut);
    }

    /// <summary>Each problem of the records an import left out, on stderr, and how many more there were.</summary>
    internal static async Task WriteLeftOutAsync(TextWriter error, IReadOnlyList<InputError> leftOut, int total)
    {
        foreach (var problem in leftOut)
        {
            await error.WriteLineAsync($"left out {problem}");
        }

        if (ListText.MoreLine(leftOut.Count, total, "problems") is { } more)
        {
            await error.WriteLineAsync($"left out: {more}");
        }
    }

    /// <summary><c>--rejects FILE</c> of an import that can leave <paramref name="what"/> out.</summary>
    internal static Option<FileInfo?> RejectsOption(string what) =>
        new("--rejects") { Description = $"With --invalid skip: copy the {what} left out, as they were, to this file (fix it and import it again)" };

    /// <summary>The rejects file asked for; a usage error without --invalid skip, which alone leaves anything out.</summary>
    internal static FileInfo? RejectsFile(ParseResult parse, Option<FileInfo?> option, bool skipping) =>
        parse.GetValue(option) is { } file && !skipping
            ? throw new CliException("--rejects: only an import that leaves records out (--invalid skip) has rejects to write", isUsage: true)
            : parse.GetValue(option);

    /// <summary>The left-out records copied to <paramref name="target"/> (beside it first, then moved: no half file); nothing when none was left out.</summary>
    internal static async Task WriteRejectsAsync(FileStream source, ImportFormat format, IReadOnlyList<int> lines, FileInfo target, TextWriter error, CancellationToken ct)
    {
        if (lines.Count == 0)
        {
            await error.WriteLineAsync($"no record was left out; {target.Name} was not written");
            return;
        }

        var partial = target.FullName + ".partial";
        RejectsWritten written;
        try
        {
            source.Position = 0;
            await using (var output = File.Create(partial))
            {
                written = await ImportRejects.WriteAsync(source, format, lines, output, ct);
            }

            File.Move(partial, target.FullName, overwrite: true);
        }
        catch (StudioValidationException e)
        {
            // The import itself went through; only the copy cannot be made (a Parquet file).
            await error.WriteLineAsync($"warning: {target.Name} was not written: {e.Errors[0].Message}");
            return;
        }
        finally
        {
            File.Delete(partial);
        }

        await error.WriteLineAsync($"wrote {ListText.Counted(written.Copied, "left-out record", "D")} to {target.FullName}"
            + (written.NotCopied > 0 ? $"; {ListText.Counted(written.NotCopied, "record", "D")} not copied (not UTF-8 text, or longer than a record may be)" : ""));
    }

    private static Command BuildImport()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "The file to import: CSV, JSONL, a JSON array or Parquet (Hugging Face datasets), any of them may be gzip-compressed" };
        var project = new Option<string>("--project") { Description = "Project id or name; created when no project has that name", Required = true };
        var dataset = new Option<string>("--dataset") { Description = "Dataset id or name in the project; created when missing", Required = true };
        var format = new Option<string>("--format")
        {
            Description = string.Join(", ", ImportSettings.Formats.Select(f => f.Name)),
            DefaultValueFactory = _ => "auto",
        };
        format.AcceptOnlyFromAmong([.. ImportSettings.Formats.Select(f => f.Name)]);
        var map = new Option<string?>("--map") { Description = "CSV columns: system=COL,user=COL,input=COL,assistant=COL,label=COL,tags=COL (input: text added after the user message, as Alpaca's input or Dolly's context)" };
        var status = new Option<string>("--status") { Description = "Status of the imported examples: draft, submitted or approved", DefaultValueFactory = _ => "draft" };
        status.AcceptOnlyFromAmong("draft", "submitted", "approved");
        var dryRun = new Option<bool>("--dry-run") { Description = "Check the file and count what would be imported; change nothing" };
        var duplicates = new Option<string>("--duplicates") { Description = "Content already in the dataset: skip or keep", DefaultValueFactory = _ => "skip" };
        duplicates.AcceptOnlyFromAmong("skip", "keep");
        var invalid = InvalidOption("Records with problems", "; a problem with the file itself still stops the import");
        var rejects = RejectsOption("records");

        var command = new Command("import", "Import labeled examples into a dataset, all or nothing (or leaving out records with problems, with --invalid skip)")
        {
            file, project, dataset, format, map, status, dryRun, duplicates, invalid, rejects,
        };
        command.SetAction(async (parse, ct) =>
        {
            var console = CliConsole.Get();
            var json = parse.GetValue(GlobalOptions.Json);
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new CliException($"FILE: {path.FullName} does not exist");
            }

            var options = ImportSettings.Parse(parse.GetValue(format), parse.GetValue(status), parse.GetValue(duplicates), parse.GetValue(map), parse.GetValue(dryRun), parse.GetValue(invalid));
            var rejectsFile = RejectsFile(parse, rejects, options.InvalidRecords == InvalidRecordPolicy.Skip);

            if (options.Format == ImportFormat.Auto && options.CsvMapping is not null)
            {
                options = options with { Format = ImportFormat.Csv };
            }

            await using var stream = new FileStream(path.FullName, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
            if (options.CsvMapping is null && options.Format is ImportFormat.Auto or ImportFormat.Csv && !await ImportSettings.LooksLikeJsonAsync(stream, ct))
            {
                options = options with { Format = ImportFormat.Csv, CsvMapping = await GuessMappingAsync(stream, console.Error, ct) };
            }

            await using var services = await CliServices.OpenAsync(parse, createIfMissing: true, ct);
            var destinations = services.GetRequiredService<ImportDestinationService>();
            var destination = await destinations.EnsureAsync(parse.GetValue(project)!, parse.GetValue(dataset)!, stream, options, Actor.Cli, ct);
            var notes = new List<string>();
            var would = options.DryRun ? "would create" : "created";
            if (destination.CreatedProject)
            {
                notes.Add($"{would} project '{parse.GetValue(project)}'");
            }

            if (destination.CreatedDataset)
            {
                var labels = destination.Labels.Count > 0 ? $" with {destination.Labels.Count} labels" : "";
                notes.Add($"{would} dataset '{parse.GetValue(dataset)}' ({destination.TaskKind.ToString().ToLowerInvariant()}{labels})");
                // Every label with its count, so a typo or a stray class shows before anything is kept.
                notes.AddRange(destination.LabelCounts.Select(l => $"  {l.Label}\t{l.Count}"));
            }

            ImportResult result;
            var kept = false;
            try
            {
                var progress = !json && stream.Length >= ProgressFromBytes ? ImportProgressLines(console.Error) : null;
                result = await services.GetRequiredService<ImportService>().ImportAsync(destination.DatasetId, stream, options, Actor.Cli, progress, ct);
                kept = result.Succeeded && !options.DryRun;
            }
            finally
            {
                if (!kept)
                {
                    await destinations.UndoAsync(destination, Actor.Cli);
                }
            }

            if (!result.Succeeded)
            {
                if (notes.Count > 0)
                {
                    // A dry run only said what it would create; a real run made them and took them back.
                    await console.Error.WriteLineAsync(options.DryRun
                        ? "dry run: nothing was changed"
                        : "nothing imported; the project and dataset made for this import were removed again");
                }

                if (result.CanSkipInvalid)
                {
                    await console.Error.WriteLineAsync(
                        $"{result.ProblemCounts}; fix the file, or pass --invalid skip to import the {ListText.Counted(result.ValidRecords, "record", "D")} without problems and leave the others out");
                }

                result.EnsureSucceeded();
            }

            if (json)
            {
                await console.WriteJsonAsync(new
                {
                    result.Imported, result.SkippedDuplicates, result.DryRun, result.Format,
                    destination.ProjectId, DatasetId = options.DryRun && destination.CreatedDataset ? (int?)null : destination.DatasetId,
                    destination.CreatedProject, destination.CreatedDataset, destination.TaskKind, destination.Labels, destination.LabelCounts,
                    result.Skipped, result.Warnings, result.TotalWarnings, result.InvalidRecords, result.LeftOut, result.TotalLeftOut,
                });
                return StudioCli.Success;
            }

            foreach (var note in notes)
            {
                await console.Out.WriteLineAsync(note);
            }

            foreach (var skip in result.Skipped)
            {
                await console.Out.WriteLineAsync($"skipped line {skip.Line}: {skip.Reason}");
            }

            if (ListText.MoreLine(result.Skipped.Count, result.SkippedDuplicates, "skipped records") is { } moreSkipped)
            {
                await console.Out.WriteLineAsync(moreSkipped);
            }

            await WriteLeftOutAsync(console.Error, result.LeftOut, result.TotalLeftOut);
            if (rejectsFile is not null)
            {
                await WriteRejectsAsync(stream, result.Format, result.LeftOutLines, rejectsFile, console.Error, ct);
            }

            foreach (var warning in result.Warnings)
            {
                await console.Error.WriteLineAsync($"warning: {warning}");
            }

            if (ListText.MoreLine(result.Warnings.Count, result.TotalWarnings, "warnings") is { } moreWarnings)
            {
                await console.Error.WriteLineAsync($"warning: {moreWarnings}");
            }

            var skipped = (result.SkippedDuplicates > 0 ? $", skipped {ListText.Counted(result.SkippedDuplicates, "duplicate", "D")}" : "")
                + (result.InvalidRecords > 0 ? $", left out {ListText.Counted(result.InvalidRecords, "record", "D")} with problems" : "");
            await console.Out.WriteLineAsync(options.DryRun
                ? $"dry run: would import {ListText.Counted(result.Imported, "example", "D")}{skipped}; nothing was changed"
                : $"imported {ListText.Counted(result.Imported, "example", "D")}{skipped}");
            return StudioCli.Success;
        });
        return command;
    }
}
