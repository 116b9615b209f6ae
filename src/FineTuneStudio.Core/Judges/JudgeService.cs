using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Judges;

/// <summary>What the judge form, the API and the CLI send to create or edit a judge.</summary>
public sealed record JudgeRequest
{
    public string Name { get; init; } = "";
    /// <summary>Markdown with the criteria.</summary>
    public string Rubric { get; init; } = "";
    public JudgeMode Mode { get; init; }
    public string Endpoint { get; init; } = "";
    public string Model { get; init; } = "";
    public float? Temperature { get; init; } = 0;
}

public sealed record JudgeVersionView(int Id, int Number, JudgeMode Mode, string Rubric, string Endpoint, string Model, float? Temperature, string CreatedBy, DateTime CreatedAt);

/// <summary>A judge with its current (latest) version.</summary>
public sealed record JudgeSummary(int Id, int ProjectId, string Name, JudgeVersionView Current, int Versions, DateTime CreatedAt);

public sealed record JudgeDetail(JudgeSummary Judge, IReadOnlyList<JudgeVersionView> Versions);

/// <summary>
/// A project's LLM judges. A judge's settings are never changed in place: an edit of the rubric, mode,
/// endpoint, model or temperature adds a version, so every judge run keeps the exact setting it used.
/// </summary>
public sealed class JudgeService(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, EvalEndpointCatalog endpoints)
{
    public const int MaxRubric = 20000;

    public async Task<IReadOnlyList<JudgeSummary>> ListAsync(int projectId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException("Project", projectId);
        }

        return await SummariesAsync(db, db.Judges.Where(j => j.ProjectId == projectId), cancellationToken);
    }

    public async Task<JudgeDetail> GetAsync(int judgeId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var summary = (await SummariesAsync(db, db.Judges.Where(j => j.Id == judgeId), cancellationToken)).SingleOrDefault()
            ?? throw new NotFoundException("Judge", judgeId);
        var versions = await db.JudgeVersions.AsNoTracking().Where(v => v.JudgeId == judgeId).OrderByDescending(v => v.Number).ToListAsync(cancellationToken);
        return new JudgeDetail(summary, versions.Select(View).ToList());
    }

    /// <summary>
    /// A judge by name (any case), in one project, or in any when <paramref name="projectId"/> is null; a name
    /// two projects use needs the project.
    /// </summary>
    public async Task<JudgeSummary> FindAsync(int? projectId, string name, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var wanted = name.Trim();
        // Judges are few: the names are compared here, the same way in SQLite and PostgreSQL.
        var ids = (await db.Judges.AsNoTracking().Where(j => projectId == null || j.ProjectId == projectId).Select(j => new { j.Id, j.Name }).ToListAsync(cancellationToken))
            .Where(j => string.Equals(j.Name, wanted, StringComparison.OrdinalIgnoreCase)).Select(j => j.Id).ToList();
        var found = await SummariesAsync(db, db.Judges.Where(j => ids.Contains(j.Id)), cancellationToken);
        return found.Count switch
        {
            0 => throw new StudioValidationException("judge", projectId is null ? $"no judge is named '{name}'" : $"project {projectId} has no judge named '{name}'"),
            1 => found[0],
            _ => throw new StudioValidationException("judge", $"projects {string.Join(", ", found.Select(f => f.ProjectId).Order())} each have a judge named '{name}': name the project"),
        };
    }

    public async Task<JudgeDetail> CreateAsync(int projectId, JudgeRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var name = Validate(request, requireName: true);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException("Project", projectId);
        }

        await RequireFreeNameAsync(db, projectId, name, null, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var judge = new Judge { ProjectId = projectId, Name = name, CreatedAt = now };
        judge.Versions.Add(NewVersion(request, 1, actor, now));
        db.Judges.Add(judge);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, actor, now, "judge.create", nameof(Judge), judge.Id, $"{name}: {request.Mode} with {request.Model.Trim()} at endpoint {request.Endpoint.Trim()}");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return await GetAsync(judge.Id, cancellationToken);
    }

    /// <summary>Renames the judge and, when any setting differs from the current version, adds a version with the new settings.</summary>
    public async Task<JudgeDetail> UpdateAsync(int judgeId, JudgeRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var name = Validate(request, requireName: false);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var judge = await db.Judges.SingleOrDefaultAsync(j => j.Id == judgeId, cancellationToken) ?? throw new NotFoundException("Judge", judgeId);
        var current = await db.JudgeVersions.Where(v => v.JudgeId == judgeId).OrderByDescending(v => v.Number).FirstAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var changes = new List<string>();
        if (name.Length > 0 && name != judge.Name)
        {
            await RequireFreeNameAsync(db, judge.ProjectId, name, judgeId, cancellationToken);
            changes.Add($"renamed from {judge.Name}");
            judge.Name = name;
        }

        var next = NewVersion(request, current.Number + 1, actor, now);
        var settingChanged = next.Rubric != current.Rubric || next.Mode != current.Mode || next.Endpoint != current.Endpoint
            || next.Model != current.Model || next.Temperature != current.Temperature;
        if (settingChanged)
        {
            next.JudgeId = judgeId;
            db.JudgeVersions.Add(next);
            changes.Add($"version {next.Number}");
        }

        if (changes.Count > 0)
        {
            AuditLog.Record(db, actor, now, "judge.update", nameof(Judge), judgeId, $"{judge.Name}: {string.Join(", ", changes)}");
            await db.SaveChangesAsync(cancellationToken);
        }

        return await GetAsync(judgeId, cancellationToken);
    }

    internal static JudgeVersionView View(JudgeVersion v) => new(v.Id, v.Number, v.Mode, v.Rubric, v.Endpoint, v.Model, v.Temperature, v.CreatedBy, v.CreatedAt);

    private string Validate(JudgeRequest request, bool requireName)
    {
        var errors = new List<InputError>();
        var name = request.Name?.Trim() ?? "";
        if ((requireName && name.Length == 0) || name.Length > 200)
        {
            errors.Add(new InputError("name", "give the judge a name of 1 to 200 characters"));
        }

        var rubric = request.Rubric?.Trim() ?? "";
        if (rubric.Length == 0)
        {
            errors.Add(new InputError("rubric", "write the criteria the judge should apply"));
        }
        else if (rubric.Length > MaxRubric)
        {
            errors.Add(new InputError("rubric", $"the rubric is longer than {MaxRubric:#,0} characters"));
        }

        if (!Enum.IsDefined(request.Mode))
        {
            errors.Add(new InputError("mode", "choose Pairwise, Score or PassFail"));
        }

        var endpoint = request.Endpoint?.Trim() ?? "";
        if (endpoint.Length == 0 || endpoints.Find(endpoint) is null)
        {
            var known = endpoints.List().Select(e => e.Name).ToList();
            errors.Add(new InputError("endpoint", known.Count == 0
                ? $"no endpoint is configured: add one under {EvalGenerationOptions.Section}:Endpoints:NAME:BaseUrl"
                : $"choose one of the configured endpoints: {string.Join(", ", known)}"));
        }

        var model = request.Model?.Trim() ?? "";
        if (model.Length is 0 or > 200)
        {
            errors.Add(new InputError("model", "name the model the judge endpoint should answer with"));
        }

        if (request.Temperature is < 0 or > 2 || request.Temperature is { } t && float.IsNaN(t))
        {
            errors.Add(new InputError("temperature", "must be between 0 and 2"));
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        return name;
    }

    private static JudgeVersion NewVersion(JudgeRequest request, int number, Actor actor, DateTime now) => new()
    {
        Number = number,
        Rubric = request.Rubric.Trim(),
        Mode = request.Mode,
        Endpoint = request.Endpoint.Trim(),
        Model = request.Model.Trim(),
        Temperature = request.Temperature,
        CreatedBy = actor.Name,
        CreatedAt = now,
    };

    private static async Task RequireFreeNameAsync(StudioDbContext db, int projectId, string name, int? except, CancellationToken cancellationToken)
    {
        var names = await db.Judges.Where(j => j.ProjectId == projectId && j.Id != except).Select(j => j.Name).ToListAsync(cancellationToken);
        if (names.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ConflictException($"This project already has a judge named '{name}'.");
        }
    }

    private static async Task<List<JudgeSummary>> SummariesAsync(StudioDbContext db, IQueryable<Judge> judges, CancellationToken cancellationToken)
    {
        var rows = await judges.AsNoTracking().OrderBy(j => j.Name)
            .Select(j => new { j.Id, j.ProjectId, j.Name, j.CreatedAt, Versions = j.Versions.Count, Current = j.Versions.OrderByDescending(v => v.Number).First() })
            .ToListAsync(cancellationToken);
        return rows.Select(r => new JudgeSummary(r.Id, r.ProjectId, r.Name, View(r.Current), r.Versions, r.CreatedAt)).ToList();
    }
}
