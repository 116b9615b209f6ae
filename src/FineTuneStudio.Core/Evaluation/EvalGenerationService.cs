using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Generation;
using FineTuneStudio.Core.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>What the generate form, the API and the CLI ask for.</summary>
public sealed record GenerateRunRequest
{
    public string Name { get; init; } = "";
    public string Endpoint { get; init; } = "";
    public string Model { get; init; } = "";
    /// <summary>Put before each item's messages when the item has no system message of its own.</summary>
    public string? SystemPrompt { get; init; }
    public float? Temperature { get; init; } = 0;
    public int? MaxOutputTokens { get; init; }
    public int? DatasetVersionId { get; init; }
    public string? Notes { get; init; }
    public bool IsBaseline { get; init; }
}

/// <summary>Items done out of all items; <see cref="Failed"/> of the done ones have no output.</summary>
public sealed record GenerationProgress(int RunId, EvalRunStatus Status, int Done, int Total, int Failed, string? Error) : IRunProgress
{
    public double Percent => Total == 0 ? 0 : Math.Round(100.0 * Done / Total, 1);

    /// <summary>Pending or Running, but no instance holds the run: the one generating it stopped. It can be resumed.</summary>
    public bool Orphaned { get; init; }
}

/// <summary>A generated run's model settings, stored with the run so a resumed run asks the same way.</summary>
internal sealed record EvalRunSettings(float? Temperature, int? MaxOutputTokens);

/// <summary>
/// Generates a run's outputs by calling a configured OpenAI-compatible endpoint for every item of the
/// eval set, then scores them like an imported run. A run is created Pending; the instance that
/// generates it holds a lease <c>eval-run/{id}</c>, renewed while it works, so two app instances never
/// both work on it. When that instance stops, the lease runs out and the run, still Running, can be
/// resumed elsewhere: only the items without a result are generated.
/// </summary>
public sealed class EvalGenerationService(
    IDbContextFactory<StudioDbContext> factory,
    TimeProvider clock,
    EvalEndpointCatalog endpoints,
    EvalRuns runs,
    EvalRunGenerator generator,
    ILogger<EvalGenerationService> logger,
    JobLeaseService leases)
{
    public const string LeaseKind = "eval-run";

    private static string LeaseKey(int runId) => runId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public IReadOnlyList<EvalEndpointInfo> Endpoints() => endpoints.List();

    /// <summary>Whether this instance picks up runs a stopped instance left (read from the settings as they stand now).</summary>
    public bool ResumesOrphanedRuns => endpoints.Options.ResumeOrphanedRuns;

    /// <summary>Checks the request and records a Pending run; nothing is called yet.</summary>
    public async Task<EvalRunSummary> CreateAsync(int setId, GenerateRunRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var errors = new List<InputError>();
        var name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > 200)
        {
            errors.Add(new InputError("name", "give the run a name of 1 to 200 characters"));
        }

        var endpointName = request.Endpoint?.Trim() ?? "";
        var endpoint = endpointName.Length == 0 ? null : endpoints.Find(endpointName);
        if (endpoint is null)
        {
            var known = endpoints.List().Select(e => e.Name).ToList();
            errors.Add(new InputError("endpoint", known.Count == 0
                ? $"no endpoint is configured: add one under {EvalGenerationOptions.Section}:Endpoints:NAME:BaseUrl (the key in user secrets or the environment)"
                : $"choose one of the configured endpoints: {string.Join(", ", known)}"));
        }

        var model = request.Model?.Trim() ?? "";
        if (model.Length is 0 or > 200)
        {
            errors.Add(new InputError("model", "name the model the endpoint should answer with"));
        }

        if (request.Temperature is < 0 or > 2)
        {
            errors.Add(new InputError("temperature", "must be between 0 and 2"));
        }

        if (request.MaxOutputTokens is < 1)
        {
            errors.Add(new InputError("maxOutputTokens", "must be at least 1"));
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var set = await db.EvalSets.AsNoTracking().Where(s => s.Id == setId).Select(s => new { s.Id, s.ProjectId, s.Name, Items = s.Items.Count })
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("Eval set", setId);
        if (set.Items == 0)
        {
            throw new StudioValidationException("set", $"eval set '{set.Name}' has no items yet");
        }

        if (request.DatasetVersionId is { } versionId && !await db.DatasetVersions.AnyAsync(v => v.Id == versionId && v.Dataset!.ProjectId == set.ProjectId, cancellationToken))
        {
            throw new StudioValidationException("datasetVersionId", $"dataset version {versionId} is not in this project");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var run = new EvalRun
        {
            EvalSetId = setId,
            Name = name,
            Model = model,
            Provider = EvalEndpointCatalog.ProviderOf(endpointName, endpoint!),
            // The name only: the address and key stay in configuration.
            Endpoint = endpointName,
            SystemPrompt = request.SystemPrompt?.Trim() ?? "",
            SettingsJson = JsonSerializer.Serialize(new EvalRunSettings(request.Temperature, request.MaxOutputTokens), RunSummary.JsonOptions),
            DatasetVersionId = request.DatasetVersionId,
            IsBaseline = request.IsBaseline,
            Notes = request.Notes?.Trim() ?? "",
            Status = EvalRunStatus.Pending,
            CreatedAt = now,
        };
        db.EvalRuns.Add(run);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        AuditLog.Record(db, actor, now, "evalrun.generate", nameof(EvalRun), run.Id, $"{name} on {set.Name}: {model} at endpoint {endpointName}, {set.Items} items");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return await runs.GetRunAsync(run.Id, cancellationToken);
    }

    /// <summary>
    /// Claims a Pending run and generates every item. Returns false when the run was not Pending (another
    /// instance claimed it first, or it was cancelled before it started). Cancelling the token, or marking
    /// the run Cancelled from anywhere, stops it: finished items are kept, the run ends Cancelled.
    /// </summary>
    public Task<bool> ExecuteAsync(int runId, Actor actor, IProgress<GenerationProgress>? progress, CancellationToken cancellationToken) =>
        ExecuteAsync(runId, actor, progress, CancellationToken.None, cancellationToken);

    /// <summary>
    /// As above; when <paramref name="instanceStopping"/> fires (this app instance shuts down) the run is
    /// left Running without its lease, so another instance, or this one after its restart, resumes it.
    /// </summary>
    public async Task<bool> ExecuteAsync(int runId, Actor actor, IProgress<GenerationProgress>? progress, CancellationToken instanceStopping, CancellationToken cancellationToken)
    {
        var claim = await TryClaimAsync(runId, resume: false, cancellationToken);
        if (claim is null)
        {
            return false;
        }

        await GenerateClaimedAsync(claim, actor, progress, instanceStopping, cancellationToken);
        return true;
    }

    /// <summary>
    /// Takes over a Pending or Running run that no instance holds (the one generating it stopped). The
    /// caller then generates it with <see cref="GenerateClaimedAsync"/>. Conflict when the run has ended or
    /// a live instance holds it, including when two instances try at once and the other one won.
    /// </summary>
    public async Task<JobLeaseHandle> ClaimOrphanAsync(int runId, Actor actor, CancellationToken cancellationToken)
    {
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            var status = await db.EvalRuns.AsNoTracking().Where(r => r.Id == runId).Select(r => (EvalRunStatus?)r.Status)
                .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("Eval run", runId);
            if (status is not (EvalRunStatus.Pending or EvalRunStatus.Running))
            {
                throw new ConflictException($"Eval run {runId} has ended ({status}); there is nothing to resume.");
            }
        }

        // A live claim of our own counts too (TryTakeOverAsync): this instance is generating the run right now.
        var claim = await TryClaimAsync(runId, resume: true, cancellationToken) ?? throw new ConflictException(HeldMessage(runId));
        try
        {
            await using var db = await factory.CreateDbContextAsync(cancellationToken);
            var kept = await db.EvalResults.CountAsync(r => r.EvalRunId == runId, cancellationToken);
            AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "evalrun.resume", nameof(EvalRun), runId, $"generation resumed; {kept} finished item(s) kept");
            await db.SaveChangesAsync(cancellationToken);
        }
        catch
        {
            await claim.DisposeAsync();
            throw;
        }

        logger.LogInformation("Eval run {RunId} resumed by {Owner}", runId, leases.Owner);
        return claim;
    }

    /// <summary>Pending or Running runs no live instance holds, oldest first: the ones a stopped instance left.</summary>
    public async Task<IReadOnlyList<int>> OrphanedRunIdsAsync(CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var held = JobLeaseService.LiveKeys(db, LeaseKind, clock.GetUtcNow().UtcDateTime);
        return await db.EvalRuns.AsNoTracking()
            .Where(r => (r.Status == EvalRunStatus.Pending || r.Status == EvalRunStatus.Running) && !held.Contains(r.Id.ToString()))
            .OrderBy(r => r.Id).Select(r => r.Id).ToListAsync(cancellationToken);
    }

    private static string HeldMessage(int runId) =>
        $"Eval run {runId} is being generated by a running instance; it can be resumed only after that instance stops.";

    /// <summary>
    /// Takes the run's lease (for a resume only one no live instance holds), then moves the run to Running:
    /// from Pending for a fresh start, from Pending or Running for a resume. Null (and no lease kept) when another instance holds it or the run is not in
    /// such a state any more.
    /// </summary>
    private Task<JobLeaseHandle?> TryClaimAsync(int runId, bool resume, CancellationToken cancellationToken) =>
        leases.TryClaimAsync(LeaseKind, LeaseKey(runId), resume, async token =>
        {
            await using var db = await factory.CreateDbContextAsync(token);
            return await db.EvalRuns
                .Where(r => r.Id == runId && (r.Status == EvalRunStatus.Pending || (resume && r.Status == EvalRunStatus.Running)))
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, EvalRunStatus.Running), token) == 1;
        }, cancellationToken);

    /// <summary>
    /// Generates the items of a claimed run that have no result yet, scores the run and releases the
    /// claim (in the transaction that writes the run's final status). Cancelling the token, or marking the run Cancelled from anywhere, stops it: finished items
    /// are kept, the run ends Cancelled.
    /// </summary>
    public Task GenerateClaimedAsync(JobLeaseHandle claim, Actor actor, IProgress<GenerationProgress>? progress, CancellationToken cancellationToken) =>
        GenerateClaimedAsync(claim, actor, progress, CancellationToken.None, cancellationToken);

    /// <summary>As above; see <see cref="ExecuteAsync(int, Actor, IProgress{GenerationProgress}?, CancellationToken, CancellationToken)"/> for <paramref name="instanceStopping"/>.</summary>
    public async Task GenerateClaimedAsync(JobLeaseHandle claim, Actor actor, IProgress<GenerationProgress>? progress, CancellationToken instanceStopping, CancellationToken cancellationToken)
    {
        await using (claim)
        {
            await generator.GenerateMissingAsync(int.Parse(claim.Key, System.Globalization.CultureInfo.InvariantCulture), claim, actor, progress, instanceStopping, cancellationToken);
        }
    }

    /// <summary>
    /// Marks a Pending or Running run Cancelled. The instance working on it notices after its next item;
    /// false when the run had already ended.
    /// </summary>
    public async Task<bool> RequestCancelAsync(int runId, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.EvalRuns.AnyAsync(r => r.Id == runId, cancellationToken))
        {
            throw new NotFoundException("Eval run", runId);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var cancelled = await db.EvalRuns.Where(r => r.Id == runId && (r.Status == EvalRunStatus.Pending || r.Status == EvalRunStatus.Running))
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, EvalRunStatus.Cancelled).SetProperty(r => r.Error, "cancelled").SetProperty(r => r.CompletedAt, now), cancellationToken) > 0;
        if (cancelled)
        {
            await RecordCancelAsync(runId, actor, cancellationToken);
        }

        return cancelled;
    }

    /// <summary>Writes the audit event for a stopped run (whichever instance was generating it).</summary>
    public async Task RecordCancelAsync(int runId, Actor actor, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        AuditLog.Record(db, actor, clock.GetUtcNow().UtcDateTime, "evalrun.cancel", nameof(EvalRun), runId, "generation stopped; finished items kept");
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>Progress as stored in the database (for a run processed by another instance, or finished).</summary>
    public async Task<GenerationProgress> GetProgressAsync(int runId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var row = await db.EvalRuns.AsNoTracking().Where(r => r.Id == runId)
            .Select(r => new { r.Status, r.Error, Total = r.EvalSet!.Items.Count, Done = r.Results.Count, Failed = r.Results.Count(x => x.Failed) })
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("Eval run", runId);
        var orphaned = row.Status is EvalRunStatus.Pending or EvalRunStatus.Running
            && await leases.HolderAsync(LeaseKind, LeaseKey(runId), cancellationToken) is null;
        return new GenerationProgress(runId, row.Status, row.Done, row.Total, row.Failed, row.Error) { Orphaned = orphaned };
    }
}
