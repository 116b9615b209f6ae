using System.Linq.Expressions;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>Eval runs: import outputs and score them, browse and page results, delete, and compare two runs.</summary>
public sealed class EvalRuns(IDbContextFactory<StudioDbContext> factory, TimeProvider clock)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>Fixed, so the interval printed on a page and by the CLI is the same every time.</summary>
    public const int BootstrapSeed = 20260;

    public async Task<IReadOnlyList<EvalRunSummary>> ListRunsAsync(int projectId, int? setId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = db.EvalRuns.AsNoTracking().Where(r => r.EvalSet!.ProjectId == projectId);
        if (setId is { } id)
        {
            query = query.Where(r => r.EvalSetId == id);
        }

        var rows = await query.OrderBy(r => r.CreatedAt).ThenBy(r => r.Id)
            .Select(r => new { r.Id, r.EvalSetId, SetName = r.EvalSet!.Name, r.Name, r.Model, r.Provider, r.IsBaseline, r.Status, r.CreatedAt, r.DatasetVersionId, r.Notes, r.SummaryJson, r.Endpoint, r.Error })
            .ToListAsync(cancellationToken);
        return rows.Select(r => new EvalRunSummary(r.Id, r.EvalSetId, r.SetName, r.Name, r.Model, r.Provider, r.IsBaseline, r.Status, r.CreatedAt, r.DatasetVersionId, r.Notes, RunSummary.FromJson(r.SummaryJson), r.Endpoint, r.Error)).ToList();
    }

    public async Task<EvalRunSummary> GetRunAsync(int runId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var r = await db.EvalRuns.AsNoTracking().Where(r => r.Id == runId)
            .Select(r => new { r.Id, r.EvalSetId, SetName = r.EvalSet!.Name, r.Name, r.Model, r.Provider, r.IsBaseline, r.Status, r.CreatedAt, r.DatasetVersionId, r.Notes, r.SummaryJson, r.Endpoint, r.Error })
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("Eval run", runId);
        return new EvalRunSummary(r.Id, r.EvalSetId, r.SetName, r.Name, r.Model, r.Provider, r.IsBaseline, r.Status, r.CreatedAt, r.DatasetVersionId, r.Notes, RunSummary.FromJson(r.SummaryJson), r.Endpoint, r.Error);
    }

    /// <summary>
    /// Scores the completed runs in <paramref name="scope"/> that were recorded with outputs but no scores (the
    /// demo's baseline), so a comparison or the dashboard does not depend on which of them was opened first.
    /// </summary>
    public async Task ScoreUnscoredRunsAsync(Expression<Func<EvalRun, bool>> scope, CancellationToken cancellationToken)
    {
        List<int> unscored;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            unscored = await db.EvalRuns.AsNoTracking().Where(scope)
                .Where(r => r.Status == EvalRunStatus.Completed && (r.SummaryJson == "{}" || r.SummaryJson == "") && r.Results.Any())
                .Select(r => r.Id).ToListAsync(cancellationToken);
        }

        foreach (var runId in unscored)
        {
            await ScoreRunAsync(runId, Actor.System, cancellationToken);
        }
    }

    /// <summary>
    /// Outputs that name their item by its stored id (Bedrock's recordIds or Gemini's keys of an exported set) under the item's own id;
    /// a stored id of another set is an error naming the line, as an unknown item is.
    /// </summary>
    private static List<EvalOutputInput> ByStoredId(IReadOnlyList<EvalOutputInput> outputs, IReadOnlyList<EvalItem> items)
    {
        var byStoredId = items.ToDictionary(i => i.Id, i => i.ExternalId);
        var errors = new List<InputError>();
        var resolved = outputs.Select(o =>
        {
            if (o.StoredItemId is not { } stored)
            {
                return o;
            }

            if (byStoredId.TryGetValue(stored, out var external))
            {
                return o with { Id = external };
            }

            errors.Add(new InputError(o.IdField, $"The {o.IdField} \"{o.Id}\" names no item of this set: generate from an export of this set.", o.Line));
            return o;
        }).ToList();
        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors.Take(EvalFileParser.MaxErrors).ToList(), errors.Count);
        }

        return resolved;
    }

    /// <summary>
    /// Records a run from a file of outputs and scores it with the set's metrics. An output for an
    /// unknown item is an error (nothing is saved); an item without output is recorded as failed.
    /// </summary>
    public Task<EvalRunSummary> ImportRunAsync(int setId, EvalRunInput input, string outputsText, string? fileName, Actor actor, CancellationToken cancellationToken) =>
        ImportRunAsync(setId, input, new StringReader(outputsText), fileName, actor, cancellationToken);

    /// <inheritdoc cref="ImportRunAsync(int, EvalRunInput, string, string?, Actor, CancellationToken)"/>
    /// <remarks>The file is read line by line; what is held is its answers and the set's items, not the file.</remarks>
    public async Task<EvalRunSummary> ImportRunAsync(int setId, EvalRunInput input, TextReader outputsFile, string? fileName, Actor actor, CancellationToken cancellationToken)
    {
        var name = input.Name?.Trim() ?? "";
        if (name.Length == 0 || name.Length > 200)
        {
            throw new StudioValidationException("name", "give the run a name of 1 to 200 characters");
        }

        var settings = string.IsNullOrWhiteSpace(input.SettingsJson) ? "{}" : input.SettingsJson.Trim();
        if (!EvalMetrics.IsValidJson(settings))
        {
            throw new StudioValidationException("settings", "the settings must be JSON, e.g. {\"temperature\": 0}");
        }

        var outputs = EvalFileParser.ParseOutputs(outputsFile, fileName);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var set = await db.EvalSets.AsNoTracking().SingleOrDefaultAsync(s => s.Id == setId, cancellationToken) ?? throw new NotFoundException("Eval set", setId);
        if (input.DatasetVersionId is { } versionId && !await db.DatasetVersions.AnyAsync(v => v.Id == versionId && v.Dataset!.ProjectId == set.ProjectId, cancellationToken))
        {
            throw new StudioValidationException("datasetVersionId", $"dataset version {versionId} is not in this project");
        }

        var items = await db.EvalItems.AsNoTracking().Where(i => i.EvalSetId == setId).OrderBy(i => i.Id).ToListAsync(cancellationToken);
        if (outputs.Count > 0 && outputs[0].ByPosition)
        {
            outputs = EvalFileParser.InSetOrder(outputs, items.Select(i => (i.ExternalId, i.Expected)).ToList());
        }

        outputs = EvalFileParser.ByRequest(ByStoredId(outputs, items), items.Select(i => (i.ExternalId,
            EvalRunGenerator.ToChatMessages(i.InputJson, null).Select(m => (m.Role.Value, m.Text)))));
        var known = items.Select(i => i.ExternalId).ToHashSet(StringComparer.Ordinal);
        var unknown = outputs.Where(o => !known.Contains(o.Id)).Select(o => new InputError("id", o.NumberedBy is { } numbered
            ? $"The set has no item \"{o.Id}\" for {numbered}: samples are matched to the items an import of the samples file without ids numbers 1, 2, …; import the run into such a set."
            : $"The set has no item \"{o.Id}\".", o.Line)).ToList();
        if (unknown.Count > 0)
        {
            throw new StudioValidationException(unknown.Take(EvalFileParser.MaxErrors).ToList(), unknown.Count);
        }

        var inputs = items.ToDictionary(i => i.ExternalId, i => i.InputJson, StringComparer.Ordinal);
        var misaligned = LmEvalSamples.Misaligned(outputs, id => EvalInputTurn.Parse(inputs[id]).Select(t => (t.Role, (string?)t.Content)));
        if (misaligned.Count > 0)
        {
            throw new StudioValidationException(misaligned.Take(EvalFileParser.MaxErrors).ToList(), misaligned.Count);
        }

        var byId = outputs.ToDictionary(o => o.Id, o => (string?)o.Output, StringComparer.Ordinal);
        var scored = await EvalScorer.ScoreAsync(items.Select(ToScoring).ToList(), byId, set.Metrics, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var run = new EvalRun
        {
            EvalSetId = setId,
            Name = name,
            Model = input.Model?.Trim() ?? "",
            Provider = input.Provider?.Trim() ?? "",
            Endpoint = input.Endpoint?.Trim() ?? "",
            SystemPrompt = input.SystemPrompt ?? "",
            SettingsJson = settings,
            DatasetVersionId = input.DatasetVersionId,
            IsBaseline = input.IsBaseline,
            Notes = input.Notes?.Trim() ?? "",
            Status = EvalRunStatus.Completed,
            SummaryJson = scored.Summary.ToJson(),
            CreatedAt = now,
            CompletedAt = now,
        };
        db.EvalRuns.Add(run);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        // One prepared INSERT per result: tracking 100,000 results would cost more than writing them.
        await using (var results = EntityInsertCommand.For<EvalResult>(db))
        {
            for (var i = 0; i < items.Count; i++)
            {
                var score = scored.Items[i];
                await results.InsertReturningIdAsync(new EvalResult
                {
                    EvalRunId = run.Id,
                    EvalItemId = items[i].Id,
                    Output = byId.GetValueOrDefault(items[i].ExternalId),
                    Failed = score.Failed,
                    Error = score.Error,
                    ScoresJson = JsonSerializer.Serialize(score.Scores, JsonOptions),
                }, cancellationToken);
            }
        }

        AuditLog.Record(db, actor, now, "evalrun.import", nameof(EvalRun), run.Id,
            $"{name} on {set.Name}: {outputs.Count} outputs, {scored.Summary.Failed} missing");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return await GetRunAsync(run.Id, cancellationToken);
    }

    /// <summary>Scores a run's stored outputs again with its set's current metrics.</summary>
    public async Task<EvalRunSummary> ScoreRunAsync(int runId, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var run = await db.EvalRuns.Include(r => r.Results).SingleOrDefaultAsync(r => r.Id == runId, cancellationToken) ?? throw new NotFoundException("Eval run", runId);
        var set = await db.EvalSets.AsNoTracking().SingleAsync(s => s.Id == run.EvalSetId, cancellationToken);
        var items = await db.EvalItems.AsNoTracking().Where(i => i.EvalSetId == run.EvalSetId).OrderBy(i => i.Id).ToListAsync(cancellationToken);
        var resultsByItem = run.Results.ToDictionary(r => r.EvalItemId);
        var outputs = items.ToDictionary(i => i.ExternalId, i => resultsByItem.TryGetValue(i.Id, out var r) && !r.Failed ? r.Output : null, StringComparer.Ordinal);
        var scored = await EvalScorer.ScoreAsync(items.Select(ToScoring).ToList(), outputs, set.Metrics, cancellationToken);
        for (var i = 0; i < items.Count; i++)
        {
            var score = scored.Items[i];
            if (!resultsByItem.TryGetValue(items[i].Id, out var result))
            {
                result = new EvalResult { EvalItemId = items[i].Id, Failed = true, Error = score.Error };
                run.Results.Add(result);
            }

            result.ScoresJson = JsonSerializer.Serialize(score.Scores, JsonOptions);
        }

        run.SummaryJson = scored.Summary.ToJson();
        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "evalrun.score", nameof(EvalRun), run.Id, $"{run.Name}: {string.Join(", ", set.Metrics)}");
        await db.SaveChangesAsync(cancellationToken);
        return await GetRunAsync(runId, cancellationToken);
    }

    public async Task DeleteRunAsync(int runId, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var run = await db.EvalRuns.SingleOrDefaultAsync(r => r.Id == runId, cancellationToken) ?? throw new NotFoundException("Eval run", runId);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Comparisons.Where(c => c.RunAId == runId || c.RunBId == runId).ExecuteDeleteAsync(cancellationToken);
        db.EvalRuns.Remove(run);
        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "evalrun.delete", nameof(EvalRun), run.Id, run.Name);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>A page of a run's items in item order, with the number of items in all (see <see cref="Paging"/>).</summary>
    public async Task<Paged<EvalResultView>> GetResultsAsync(int runId, int? skip, int? take, CancellationToken cancellationToken)
    {
        var (from, count) = Paging.Clamp(skip, take);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var main = await MainMetricAsync(db, runId, cancellationToken);
        var total = await db.EvalResults.CountAsync(r => r.EvalRunId == runId, cancellationToken);
        return new Paged<EvalResultView>(await ReadResultsAsync(db, runId, main, from, count, cancellationToken), total, from, count);
    }

    /// <summary>Every item of a run, for comparing two runs here in the service.</summary>
    private async Task<IReadOnlyList<EvalResultView>> AllResultsAsync(int runId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await ReadResultsAsync(db, runId, await MainMetricAsync(db, runId, cancellationToken), 0, null, cancellationToken);
    }

    private static async Task<string?> MainMetricAsync(StudioDbContext db, int runId, CancellationToken cancellationToken)
    {
        var run = await db.EvalRuns.AsNoTracking().Where(r => r.Id == runId).Select(r => new { r.SummaryJson }).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("Eval run", runId);
        return RunSummary.FromJson(run.SummaryJson)?.MainMetric;
    }

    private static async Task<IReadOnlyList<EvalResultView>> ReadResultsAsync(StudioDbContext db, int runId, string? main, int skip, int? take, CancellationToken cancellationToken)
    {
        var ordered = db.EvalResults.AsNoTracking().Where(r => r.EvalRunId == runId)
            .Join(db.EvalItems, r => r.EvalItemId, i => i.Id, (r, i) => new { i.Id, i.ExternalId, i.Expected, i.AlsoAccepted, i.Label, r.Output, r.Failed, r.Error, r.ScoresJson, r.LatencyMs, i.InputJson, r.PromptTokens, r.CompletionTokens })
            .OrderBy(x => x.Id).Skip(skip);
        var rows = await (take is { } t ? ordered.Take(t) : ordered).ToListAsync(cancellationToken);
        return rows.Select(x =>
        {
            var scores = ReadScores(x.ScoresJson);
            bool? correct = main is not null && scores.GetValueOrDefault(main) is { } v ? v >= 1 : null;
            return new EvalResultView(x.Id, x.ExternalId, x.Expected, x.Label, x.Output, x.Failed, x.Error, correct, scores, x.LatencyMs, x.PromptTokens, x.CompletionTokens, x.InputJson, x.AlsoAccepted);
        }).ToList();
    }

    /// <summary>Baseline (A) against candidate (B) over the same eval set.</summary>
    public async Task<RunComparison> CompareAsync(int runAId, int runBId, CancellationToken cancellationToken)
    {
        if (runAId == runBId)
        {
            throw new StudioValidationException("runB", "choose two different runs");
        }

        await ScoreUnscoredRunsAsync(r => r.Id == runAId || r.Id == runBId, cancellationToken);
        var runA = await GetRunAsync(runAId, cancellationToken);
        var runB = await GetRunAsync(runBId, cancellationToken);
        if (runA.EvalSetId != runB.EvalSetId)
        {
            throw new StudioValidationException("runB", $"run {runBId} is on eval set '{runB.EvalSetName}', run {runAId} on '{runA.EvalSetName}': compare runs of the same set");
        }

        if (runA.Summary is null || runB.Summary is null)
        {
            throw new StudioValidationException("run", "both runs must be scored first");
        }

        var resultsA = (await AllResultsAsync(runAId, cancellationToken)).ToDictionary(r => r.ItemId);
        var resultsB = (await AllResultsAsync(runBId, cancellationToken)).ToDictionary(r => r.ItemId);
        var items = new List<ComparedItem>();
        foreach (var a in resultsA.Values.OrderBy(r => r.ItemId))
        {
            resultsB.TryGetValue(a.ItemId, out var b);
            var change = (a.Correct, b?.Correct) switch
            {
                (true, false) => ItemChange.Regression,
                (false, true) => ItemChange.Fix,
                (true, true) => ItemChange.SameRight,
                (false, false) => ItemChange.SameWrong,
                _ => ItemChange.NotScored,
            };
            items.Add(new ComparedItem(a.ItemId, a.ExternalId, a.Expected, a.Output, b?.Output, a.Correct, b?.Correct, change));
        }

        var regressions = items.Count(i => i.Change == ItemChange.Regression);
        var fixes = items.Count(i => i.Change == ItemChange.Fix);
        var metrics = runA.Summary.Metrics.Keys.Union(runB.Summary.Metrics.Keys).OrderBy(k => k == runA.Summary.MainMetric ? 0 : 1).ThenBy(k => k, StringComparer.Ordinal);
        var deltas = metrics.Select(m =>
        {
            double? a = runA.Summary.Metrics.TryGetValue(m, out var va) ? va : null;
            double? b = runB.Summary.Metrics.TryGetValue(m, out var vb) ? vb : null;
            return new MetricDelta(m, a, b, a is null || b is null ? null : Math.Round(b.Value - a.Value, 4));
        }).ToList();
        var differences = items.Where(i => i.CorrectA is not null && i.CorrectB is not null)
            .Select(i => (i.CorrectB == true ? 1.0 : 0.0) - (i.CorrectA == true ? 1.0 : 0.0)).ToList();
        return new RunComparison(runA, runB, runA.Summary.MainMetric, deltas, SignificanceTests.McNemar(regressions, fixes),
            SignificanceTests.BootstrapMeanDifference(differences, BootstrapSeed), regressions, fixes, items);
    }

    internal static ScoringItem ToScoring(EvalItem item) => new(item.ExternalId, item.Expected, item.Label, item.SchemaJson, item.AlsoAccepted);

    internal static IReadOnlyDictionary<string, double?> ReadScores(string json) =>
        string.IsNullOrWhiteSpace(json) ? new Dictionary<string, double?>() : JsonSerializer.Deserialize<Dictionary<string, double?>>(json, JsonOptions) ?? [];
}
