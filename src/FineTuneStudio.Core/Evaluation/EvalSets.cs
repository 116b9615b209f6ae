using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Imports;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>Eval sets of a project and their items: create, rename, delete, import items, or build one from a test split or chosen examples.</summary>
public sealed class EvalSets(IDbContextFactory<StudioDbContext> factory, TimeProvider clock)
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    public async Task<IReadOnlyList<EvalSetSummary>> ListSetsAsync(int projectId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var sets = await db.EvalSets.AsNoTracking().Where(s => s.ProjectId == projectId).OrderBy(s => s.Name)
            .Select(s => new { s.Id, s.ProjectId, s.Name, s.Description, s.Metrics, Items = s.Items.Count, Runs = s.Runs.Count, s.CreatedAt })
            .ToListAsync(cancellationToken);
        return sets.Select(s => new EvalSetSummary(s.Id, s.ProjectId, s.Name, s.Description, s.Metrics, s.Items, s.Runs, s.CreatedAt)).ToList();
    }

    public async Task<EvalSetSummary> GetSetAsync(int setId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var s = await db.EvalSets.AsNoTracking().Where(s => s.Id == setId)
            .Select(s => new { s.Id, s.ProjectId, s.Name, s.Description, s.Metrics, Items = s.Items.Count, Runs = s.Runs.Count, s.CreatedAt })
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("Eval set", setId);
        return new EvalSetSummary(s.Id, s.ProjectId, s.Name, s.Description, s.Metrics, s.Items, s.Runs, s.CreatedAt);
    }

    /// <summary>Finds a set of a project by id or exact name (the CLI accepts either).</summary>
    public async Task<EvalSetSummary> FindSetAsync(int projectId, string idOrName, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = db.EvalSets.AsNoTracking().Where(s => s.ProjectId == projectId);
        query = int.TryParse(idOrName, out var id) ? query.Where(s => s.Id == id || s.Name == idOrName) : query.Where(s => s.Name == idOrName);
        var found = await query.Select(s => (int?)s.Id).FirstOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException($"Eval set '{idOrName}' was not found in this project.");
        return await GetSetAsync(found, cancellationToken);
    }

    public async Task<EvalSetSummary> CreateSetAsync(int projectId, EvalSetInput input, Actor actor, CancellationToken cancellationToken)
    {
        var (name, metrics) = Validate(input);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException("Project", projectId);
        }

        await EnsureUniqueNameAsync(db, projectId, name, null, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var set = new EvalSet { ProjectId = projectId, Name = name, Description = input.Description?.Trim() ?? "", Metrics = metrics.ToList(), CreatedAt = now };
        db.EvalSets.Add(set);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, actor, now, "evalset.create", nameof(EvalSet), set.Id, $"{name} ({string.Join(", ", metrics)})");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return await GetSetAsync(set.Id, cancellationToken);
    }

    public async Task<EvalSetSummary> UpdateSetAsync(int setId, EvalSetInput input, Actor actor, CancellationToken cancellationToken)
    {
        var (name, metrics) = Validate(input);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var set = await db.EvalSets.SingleOrDefaultAsync(s => s.Id == setId, cancellationToken) ?? throw new NotFoundException("Eval set", setId);
        await EnsureUniqueNameAsync(db, set.ProjectId, name, setId, cancellationToken);
        set.Name = name;
        set.Description = input.Description?.Trim() ?? "";
        set.Metrics = metrics.ToList();
        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "evalset.update", nameof(EvalSet), set.Id, $"{name} ({string.Join(", ", metrics)})");
        await db.SaveChangesAsync(cancellationToken);
        return await GetSetAsync(setId, cancellationToken);
    }

    public async Task DeleteSetAsync(int setId, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var set = await db.EvalSets.SingleOrDefaultAsync(s => s.Id == setId, cancellationToken) ?? throw new NotFoundException("Eval set", setId);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Comparisons point at runs with a restricting key on one side, so they go first.
        var runIds = await db.EvalRuns.Where(r => r.EvalSetId == setId).Select(r => r.Id).ToListAsync(cancellationToken);
        await db.Comparisons.Where(c => runIds.Contains(c.RunAId) || runIds.Contains(c.RunBId)).ExecuteDeleteAsync(cancellationToken);
        db.EvalSets.Remove(set);
        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "evalset.delete", nameof(EvalSet), set.Id, set.Name);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<EvalItemView>> ListItemsAsync(int setId, int skip, int take, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await db.EvalItems.AsNoTracking().Where(i => i.EvalSetId == setId).OrderBy(i => i.Id)
            .Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 1000))
            .Select(i => new EvalItemView(i.Id, i.ExternalId, i.InputJson, i.Expected, i.Label, i.SchemaJson != null, i.SourceExampleId, i.ContentHash, i.AlsoAccepted))
            .ToListAsync(cancellationToken);
    }

    /// <summary>Adds items from a JSONL or CSV file. All or nothing: any bad line, or an id already in the set, adds none.</summary>
    public Task<int> ImportItemsAsync(int setId, string text, string? fileName, Actor actor, CancellationToken cancellationToken) =>
        ImportItemsAsync(setId, new StringReader(text), fileName, actor, cancellationToken);

    /// <inheritdoc cref="ImportItemsAsync(int, string, string?, Actor, CancellationToken)"/>
    public async Task<int> ImportItemsAsync(int setId, TextReader file, string? fileName, Actor actor, CancellationToken cancellationToken) =>
        (await ImportItemsAsync(setId, file, fileName, actor, InvalidRecordPolicy.Refuse, cancellationToken)).EnsureSucceeded().Imported;

    /// <summary>
    /// Adds items from a JSONL or CSV file, read line by line. A line with a problem (or an id already in the set)
    /// refuses the file, or with <see cref="InvalidRecordPolicy.Skip"/> is left out and listed; a problem with the file
    /// itself, or no line without one, still refuses it. Nothing is written when it is refused.
    /// </summary>
    public async Task<EvalItemsImportResult> ImportItemsAsync(int setId, TextReader file, string? fileName, Actor actor, InvalidRecordPolicy invalid,
        CancellationToken cancellationToken)
    {
        var errors = new EvalFileParser.ErrorList();
        var parsed = EvalFileParser.ReadItems(file, fileName, errors);
        if (errors.Total > 0 && parsed is [{ NumberedByPosition: true }, ..])
        {
            // Runs of such a file (oaieval's samples, lm-evaluation-harness's documents) are matched by position too.
            errors.Add("file", "The file has no ids, so its items are numbered by their place in it: fix the lines named, as leaving one out would renumber the items after it.", null);
        }

        if (errors.AboutTheFile)
        {
            return new EvalItemsImportResult(0, errors.Kept, errors.Total);
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var set = await db.EvalSets.AsNoTracking().SingleOrDefaultAsync(s => s.Id == setId, cancellationToken) ?? throw new NotFoundException("Eval set", setId);
        var existing = (await db.EvalItems.Where(i => i.EvalSetId == setId).Select(i => i.ExternalId).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var clashes = parsed.Where(p => existing.Contains(p.Id)).ToList();
        if (clashes.Count > 0 && parsed[0].NumberedByPosition)
        {
            // One reason for them all: a second file without ids is numbered from 1 again.
            throw new StudioValidationException("id",
                $"The set already has items {ListText.Capped(clashes.Select(p => p.Id).ToList(), 10)}: a file without ids is numbered by position from 1, so a second one clashes with the first; give each line an \"id\", or import it into a set of its own.");
        }

        clashes.ForEach(p => errors.Add("id", $"The set already has an item \"{p.Id}\".", p.Line));
        var added = clashes.Count == 0 ? parsed : parsed.Where(p => !existing.Contains(p.Id)).ToList();
        if (errors.Total > 0 && (invalid == InvalidRecordPolicy.Refuse || added.Count == 0))
        {
            return new EvalItemsImportResult(0, errors.Kept, errors.Total) { InvalidRecords = errors.Lines.Count, ValidRecords = added.Count };
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // One prepared INSERT per item: tracking 100,000 items would cost more than writing them.
        await using (var inserts = EntityInsertCommand.For<EvalItem>(db))
        {
            foreach (var item in added)
            {
                await inserts.InsertReturningIdAsync(new EvalItem
                {
                    EvalSetId = setId,
                    ExternalId = item.Id,
                    InputJson = SerializeMessages(item.Input),
                    Expected = item.Expected,
                    AlsoAccepted = item.OtherAnswers.ToList(),
                    Label = item.Label,
                    SchemaJson = item.SchemaJson,
                    ContentHash = new ExampleContent(item.Input).ComputeHash(),
                }, cancellationToken);
            }
        }

        var leftOut = errors.Lines.Count > 0 ? $", {errors.Lines.Count} lines with problems left out" : "";
        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "evalset.import-items", nameof(EvalSet), setId, $"{added.Count} items from {fileName ?? "a file"}{leftOut}");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new EvalItemsImportResult(added.Count, [], 0)
        {
            InvalidRecords = errors.Lines.Count, ValidRecords = added.Count, LeftOut = errors.Kept, TotalLeftOut = errors.Total, LeftOutLines = [.. errors.Lines.Order()],
        };
    }

    /// <summary>
    /// Holds out the test split of a dataset version: each of its examples becomes an item, so later versions
    /// of the dataset keep them out of training.
    /// </summary>
    public async Task<EvalSetSummary> CreateFromTestSplitAsync(int versionId, EvalSetInput input, Actor actor, CancellationToken cancellationToken)
    {
        int projectId, datasetId;
        List<int> exampleIds;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            var version = await db.DatasetVersions.AsNoTracking().Where(v => v.Id == versionId)
                .Select(v => new { v.DatasetId, v.Dataset!.ProjectId, v.Number }).SingleOrDefaultAsync(cancellationToken)
                ?? throw new NotFoundException("Dataset version", versionId);
            exampleIds = await db.DatasetVersionExamples.AsNoTracking()
                .Where(e => e.DatasetVersionId == versionId && e.Split == SplitPin.Test)
                .OrderBy(e => e.ExampleId).Select(e => e.ExampleId).ToListAsync(cancellationToken);
            if (exampleIds.Count == 0)
            {
                throw new StudioValidationException("versionId", $"version {version.Number} has no test split; cut a version with a test share first");
            }

            (projectId, datasetId) = (version.ProjectId, version.DatasetId);
        }

        return await CreateFromExamplesAsync(projectId, input, datasetId, exampleIds, actor, cancellationToken);
    }

    /// <summary>
    /// Creates a set from chosen examples of one dataset: the input is every turn before the last assistant reply, the
    /// expected output is that reply (or the label). Each item names its example, which every later cut leaves out.
    /// </summary>
    public async Task<EvalSetSummary> CreateFromExamplesAsync(int projectId, EvalSetInput input, int datasetId, IReadOnlyList<int> exampleIds, Actor actor, CancellationToken cancellationToken)
    {
        var (name, metrics) = Validate(input);
        if (exampleIds.Count == 0)
        {
            throw new StudioValidationException("exampleIds", "choose at least one example");
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Datasets.AnyAsync(d => d.Id == datasetId && d.ProjectId == projectId, cancellationToken))
        {
            throw new NotFoundException("Dataset", datasetId);
        }

        await EnsureUniqueNameAsync(db, projectId, name, null, cancellationToken);
        var ids = exampleIds.Distinct().ToList();
        var examples = await db.Examples.AsNoTracking().Include(e => e.Messages)
            .Where(e => e.DatasetId == datasetId && ids.Contains(e.Id)).OrderBy(e => e.Id).ToListAsync(cancellationToken);
        var missing = ids.Except(examples.Select(e => e.Id)).ToList();
        if (missing.Count > 0)
        {
            throw new StudioValidationException("exampleIds", $"not in this dataset: {string.Join(", ", missing.Take(20))}");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var set = new EvalSet { ProjectId = projectId, Name = name, Description = input.Description?.Trim() ?? "", Metrics = metrics.ToList(), CreatedAt = now };
        var errors = new List<InputError>();
        foreach (var example in examples)
        {
            var content = ExampleContent.FromEntity(example);
            var lastAssistant = content.Messages.Select((m, i) => (m, i)).LastOrDefault(x => x.m.Role == MessageRole.Assistant);
            var inputMessages = lastAssistant.m is null ? content.Messages : content.Messages.Take(lastAssistant.i).ToList();
            var expected = lastAssistant.m?.Content ?? example.Label;
            if (string.IsNullOrEmpty(expected))
            {
                errors.Add(new InputError("exampleIds", $"example {example.Id} has neither an assistant reply nor a label"));
                continue;
            }

            set.Items.Add(new EvalItem
            {
                ExternalId = $"ex-{example.Id}",
                InputJson = SerializeMessages(inputMessages),
                Expected = expected,
                Label = example.Label,
                SourceExampleId = example.Id,
                ContentHash = new ExampleContent(inputMessages).ComputeHash(),
            });
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        db.EvalSets.Add(set);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, actor, now, "evalset.create", nameof(EvalSet), set.Id, $"{name}: {set.Items.Count} items from dataset {datasetId}");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return await GetSetAsync(set.Id, cancellationToken);
    }

    /// <summary>An item's messages as stored in <see cref="EvalItem.InputJson"/>: <c>[{role, content}]</c>.</summary>
    internal static string SerializeMessages(IEnumerable<MessageContent> messages) =>
        JsonSerializer.Serialize(messages.Select(m => new { role = m.Role.ToString().ToLowerInvariant(), content = m.Content }), JsonOptions);

    private static (string Name, IReadOnlyList<string> Metrics) Validate(EvalSetInput input)
    {
        var errors = new List<InputError>();
        var name = input.Name?.Trim() ?? "";
        if (name.Length == 0 || name.Length > 200)
        {
            errors.Add(new InputError("name", "give the eval set a name of 1 to 200 characters"));
        }

        IReadOnlyList<string> metrics = [];
        try
        {
            metrics = EvalMetrics.ParseList(input.Metrics ?? []);
            if (metrics.Count == 0)
            {
                errors.Add(new InputError("metrics", $"choose at least one metric: {string.Join(", ", EvalMetrics.All)}"));
            }
        }
        catch (StudioValidationException e)
        {
            errors.AddRange(e.Errors);
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        return (name, metrics);
    }

    private static async Task EnsureUniqueNameAsync(StudioDbContext db, int projectId, string name, int? exceptId, CancellationToken cancellationToken)
    {
        if (await db.EvalSets.AnyAsync(s => s.ProjectId == projectId && s.Name == name && s.Id != exceptId, cancellationToken))
        {
            throw new StudioValidationException("name", $"the project already has an eval set named '{name}'");
        }
    }
}
