using System.Text;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using Microsoft.EntityFrameworkCore;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// The write pass of a cut: streams the selected examples in id order a page at a time and writes each, as the
/// target's line, to the split file the plan assigns it to.
/// </summary>
internal static class SplitFileWriter
{
    private const int Batch = 500;

    public static async Task<(List<InputError> Errors, Dictionary<SplitPin, List<int>> Ids)> WriteAsync(IDbContextFactory<StudioDbContext> factory,
        CutSelection selection, SplitPlan plan, int total, TrainingTargetProfile target, AnswerTemplate answer, string folder, IReadOnlyList<SplitPin> splits, FitGate gate,
        IProgress<CutProgress>? progress, CancellationToken cancellationToken)
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
            progress?.Report(new CutProgress("Writing files", 0, total));
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
            var after = int.MinValue;
            while (true)
            {
                var from = after;
                var examples = await CutSelection.Filter(db.Examples.Where(e => e.DatasetId == selection.DatasetId && e.Id > from), selection.Status, selection.Tags)
                    .OrderBy(e => e.Id).Take(Batch)
                    .Select(e => new { e.Id, e.Label, e.Split, e.Tags, e.PreferredCompletion, e.RejectedCompletion, e.ToolsJson })
                    .ToListAsync(cancellationToken);
                if (examples.Count == 0)
                {
                    break;
                }

                after = examples[^1].Id;
                var messages = await CutSelection.TurnsAsync(db, examples.Where(e => !selection.IsExcluded(e.Id)).Select(e => e.Id).ToArray(), cancellationToken);
                foreach (var e in examples)
                {
                    if (selection.IsExcluded(e.Id))
                    {
                        continue;
                    }

                    var s = plan.Assign(e.Id, e.Split);
                    if (plan.CountOf(e.Label) == 0 || !outputs.TryGetValue(s, out var output))
                    {
                        throw CutSelection.ChangedWhileCutting();
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

                progress?.Report(new CutProgress("Writing files", done, total));
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
            throw CutSelection.ChangedWhileCutting();
        }

        return (errors, ids);
    }
}

/// <summary>What the write pass checks each example against, and what it drops when asked.</summary>
internal sealed record FitGate(TargetFitChecker Fit, bool DropUnsupported, DropDuplicateCounter? Duplicates);
