using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Datasets;

public sealed record DatasetSummary(
    int Id,
    int ProjectId,
    string Name,
    TaskKind TaskKind,
    string CanonicalSystemPrompt,
    string Guidelines,
    IReadOnlyList<string> Labels,
    int RequiredAnnotations,
    int ExampleCount,
    DateTime CreatedAt,
    AnswerStyle AnswerStyle = AnswerStyle.Label,
    string AnswerTemplate = "",
    IReadOnlyDictionary<string, string>? LabelAnswers = null,
    IReadOnlyDictionary<string, LabelGuide>? LabelGuides = null,
    DateTime? ArchivedAt = null)
{
    public bool Archived => ArchivedAt is not null;

    /// <summary>The guide of a label, or null when the ML lead wrote none.</summary>
    public LabelGuide? GuideOf(string label) => LabelGuides is not null && LabelGuides.TryGetValue(label, out var guide) ? guide : null;

    /// <summary>How this dataset's labels become answers.</summary>
    public AnswerTemplate Answer => new(AnswerStyle, AnswerTemplate, LabelAnswers ?? new Dictionary<string, string>());
}

public sealed record DatasetInput(
    string Name,
    TaskKind TaskKind,
    string? CanonicalSystemPrompt = null,
    string? Guidelines = null,
    IReadOnlyList<string>? Labels = null,
    int RequiredAnnotations = 1,
    AnswerStyle AnswerStyle = AnswerStyle.Label,
    string? AnswerTemplate = null,
    IReadOnlyDictionary<string, string>? LabelAnswers = null,
    IReadOnlyDictionary<string, LabelGuide>? LabelGuides = null);

public sealed class DatasetService(IDbContextFactory<StudioDbContext> factory, TimeProvider clock)
{
    /// <summary>The project's datasets without the archived ones.</summary>
    public Task<IReadOnlyList<DatasetSummary>> ListAsync(int projectId, CancellationToken cancellationToken) =>
        ListAsync(projectId, includeArchived: false, cancellationToken);

    public async Task<IReadOnlyList<DatasetSummary>> ListAsync(int projectId, bool includeArchived, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException("Project", projectId);
        }

        var datasets = db.Datasets.AsNoTracking().Where(d => d.ProjectId == projectId && (includeArchived || d.ArchivedAt == null));
        return await Project(datasets.OrderBy(d => d.Name)).ToListAsync(cancellationToken);
    }

    public async Task<DatasetSummary> GetAsync(int id, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await Project(db.Datasets.AsNoTracking().Where(d => d.Id == id)).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("Dataset", id);
    }

    /// <summary>Finds a dataset of a project by id or exact name.</summary>
    public async Task<DatasetSummary?> FindAsync(int projectId, string idOrName, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = db.Datasets.AsNoTracking().Where(d => d.ProjectId == projectId);
        query = int.TryParse(idOrName, out var id) ? query.Where(d => d.Id == id || d.Name == idOrName) : query.Where(d => d.Name == idOrName);
        return await Project(query).FirstOrDefaultAsync(cancellationToken);
    }

    public async Task<DatasetSummary> CreateAsync(int projectId, DatasetInput input, Actor actor, CancellationToken cancellationToken)
    {
        // A JSON body without "dataset" binds to null: say what is missing instead of failing on it.
        var (name, labels, answers, guides) = Validate(input ?? throw new StudioValidationException("dataset", "give the dataset's settings (name, taskKind, …)"));
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException("Project", projectId);
        }

        if (await db.Datasets.AnyAsync(d => d.ProjectId == projectId && d.Name == name, cancellationToken))
        {
            throw new StudioValidationException("name", $"the project already has a dataset named '{name}'");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var dataset = new Dataset
        {
            ProjectId = projectId,
            Name = name,
            TaskKind = input.TaskKind,
            CanonicalSystemPrompt = input.CanonicalSystemPrompt?.Trim() ?? "",
            Guidelines = input.Guidelines ?? "",
            Labels = labels,
            AnswerStyle = input.AnswerStyle,
            AnswerTemplate = input.AnswerTemplate?.Trim() ?? "",
            LabelAnswers = answers,
            LabelGuides = guides ?? [],
            RequiredAnnotations = input.RequiredAnnotations,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        db.Datasets.Add(dataset);
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, actor, now, "dataset.create", nameof(Dataset), dataset.Id, $"{name} in project {projectId} ({input.TaskKind}, {labels.Count} labels)");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return await GetAsync(dataset.Id, cancellationToken);
    }

    public async Task<DatasetSummary> UpdateAsync(int id, DatasetInput input, Actor actor, CancellationToken cancellationToken)
    {
        var (name, labels, answers, guides) = Validate(input);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var dataset = await db.Datasets.SingleOrDefaultAsync(d => d.Id == id, cancellationToken) ?? throw new NotFoundException("Dataset", id);
        if (await db.Datasets.AnyAsync(d => d.ProjectId == dataset.ProjectId && d.Name == name && d.Id != id, cancellationToken))
        {
            throw new StudioValidationException("name", $"the project already has a dataset named '{name}'");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        dataset.Name = name;
        dataset.TaskKind = input.TaskKind;
        dataset.CanonicalSystemPrompt = input.CanonicalSystemPrompt?.Trim() ?? "";
        dataset.Guidelines = input.Guidelines ?? "";
        dataset.Labels = labels;
        dataset.AnswerStyle = input.AnswerStyle;
        dataset.AnswerTemplate = input.AnswerTemplate?.Trim() ?? "";
        dataset.LabelAnswers = answers;
        // Guides not sent stay, except those whose label was renamed or removed.
        dataset.LabelGuides = guides ?? dataset.LabelGuides.Where(g => labels.Contains(g.Key)).ToDictionary();
        dataset.RequiredAnnotations = input.RequiredAnnotations;
        dataset.UpdatedAt = now;
        AuditLog.Record(db, actor, now, "dataset.update", nameof(Dataset), id, name);
        await db.SaveChangesAsync(cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    public async Task DeleteAsync(int id, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var dataset = await db.Datasets.SingleOrDefaultAsync(d => d.Id == id, cancellationToken) ?? throw new NotFoundException("Dataset", id);
        // A sealed version is a promise: its files can be downloaded byte for byte and eval runs point at it.
        var versions = await db.DatasetVersions.CountAsync(v => v.DatasetId == id, cancellationToken);
        if (versions > 0)
        {
            throw new ConflictException(
                $"Dataset '{dataset.Name}' has {versions} sealed version{(versions == 1 ? "" : "s")}, which must stay downloadable, so it cannot be deleted; keep it, or delete the whole project as an admin.");
        }

        db.Datasets.Remove(dataset);
        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "dataset.delete", nameof(Dataset), id, dataset.Name);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Takes the dataset out of the lists and out of new work; its examples and versions stay as they are.</summary>
    public Task<DatasetSummary> ArchiveAsync(int id, Actor actor, CancellationToken cancellationToken) =>
        SetArchivedAsync(id, archive: true, actor, cancellationToken);

    public Task<DatasetSummary> RestoreAsync(int id, Actor actor, CancellationToken cancellationToken) =>
        SetArchivedAsync(id, archive: false, actor, cancellationToken);

    private async Task<DatasetSummary> SetArchivedAsync(int id, bool archive, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var dataset = await db.Datasets.SingleOrDefaultAsync(d => d.Id == id, cancellationToken) ?? throw new NotFoundException("Dataset", id);
        // Asking twice is not an error (two tabs, a retried script); only a real change is audited.
        if (dataset.ArchivedAt is not null != archive)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            dataset.ArchivedAt = archive ? now : null;
            dataset.UpdatedAt = now;
            AuditLog.Record(db, actor, now, archive ? "dataset.archive" : "dataset.restore", nameof(Dataset), id, dataset.Name);
            await db.SaveChangesAsync(cancellationToken);
        }

        return await GetAsync(id, cancellationToken);
    }

    private static IQueryable<DatasetSummary> Project(IQueryable<Dataset> query) =>
        query.Select(d => new DatasetSummary(d.Id, d.ProjectId, d.Name, d.TaskKind, d.CanonicalSystemPrompt, d.Guidelines,
            d.Labels, d.RequiredAnnotations, d.Examples.Count, d.CreatedAt, d.AnswerStyle, d.AnswerTemplate, d.LabelAnswers,
            d.LabelGuides, d.ArchivedAt));

    /// <summary>Far above any real label set (intent sets run to a few hundred); a bound so one request cannot flood the row.</summary>
    public const int MaxLabels = 10_000;

    public const int MaxGuideDescription = 500;
    public const int MaxGuideExample = 1000;

    private static (string Name, List<string> Labels, Dictionary<string, string> Answers, Dictionary<string, LabelGuide>? Guides) Validate(DatasetInput input)
    {
        var errors = new List<InputError>();
        var name = input.Name?.Trim() ?? "";
        if (name.Length is 0 or > 200)
        {
            errors.Add(new InputError("name", "a dataset needs a name of 1 to 200 characters"));
        }

        if (!Enum.IsDefined(input.TaskKind))
        {
            errors.Add(new InputError("taskKind", "use Chat, Classification, Extraction or Preference"));
        }

        if (input.RequiredAnnotations is < 1 or > 10)
        {
            errors.Add(new InputError("requiredAnnotations", "must be between 1 and 10"));
        }

        var labels = (input.Labels ?? []).Select(l => l?.Trim() ?? "").Where(l => l.Length > 0).ToList();
        var twice = labels.GroupBy(l => l, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (twice.Count > 0)
        {
            errors.Add(new InputError("labels", $"each label may appear only once; given more than once: {ListText.Capped(twice, 10)}"));
        }

        if (labels.Count > MaxLabels)
        {
            errors.Add(new InputError("labels", $"a dataset may have at most {MaxLabels:N0} labels, {labels.Count:N0} were given"));
        }

        if (labels.Any(l => l.Length > 200))
        {
            errors.Add(new InputError("labels", "a label may have at most 200 characters"));
        }

        if (input.TaskKind == TaskKind.Classification && labels.Count < 2)
        {
            errors.Add(new InputError("labels", "a classification dataset needs at least two labels"));
        }

        var answers = (input.LabelAnswers ?? new Dictionary<string, string>())
            .Where(a => !string.IsNullOrWhiteSpace(a.Key))
            .ToDictionary(a => a.Key.Trim(), a => a.Value?.Trim() ?? "", StringComparer.Ordinal);
        errors.AddRange(AnswerTemplate.Check(input.AnswerStyle, input.AnswerTemplate, answers, labels));
        var guides = input.LabelGuides is null ? null : CheckGuides(input.LabelGuides, labels, errors);
        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        return (name, labels, answers, guides);
    }

    /// <summary>Guides keyed by the label's own spelling; blank guides are dropped; each problem names labelGuides.LABEL.</summary>
    private static Dictionary<string, LabelGuide> CheckGuides(IReadOnlyDictionary<string, LabelGuide> given, List<string> labels, List<InputError> errors)
    {
        var known = labels.ToDictionary(l => l, l => l, StringComparer.OrdinalIgnoreCase);
        var guides = new Dictionary<string, LabelGuide>(StringComparer.Ordinal);
        foreach (var (key, value) in given)
        {
            var field = $"labelGuides.{key?.Trim()}";
            var guide = new LabelGuide(value?.Description?.Trim() ?? "", value?.Example?.Trim() ?? "");
            if (guide.Description.Length == 0 && guide.Example.Length == 0)
            {
                continue;
            }

            if (!known.TryGetValue(key?.Trim() ?? "", out var label))
            {
                errors.Add(new InputError(field, $"'{key}' is not one of the dataset's labels"));
                continue;
            }

            if (guide.Description.Length > MaxGuideDescription)
            {
                errors.Add(new InputError(field, $"the description may have at most {MaxGuideDescription} characters, it has {guide.Description.Length:N0}"));
            }

            if (guide.Example.Length > MaxGuideExample)
            {
                errors.Add(new InputError(field, $"the example may have at most {MaxGuideExample} characters, it has {guide.Example.Length:N0}"));
            }

            guides[label] = guide;
        }

        return guides;
    }
}
