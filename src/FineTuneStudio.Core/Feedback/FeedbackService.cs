using System.ClientModel;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Generation;
using FineTuneStudio.Core.Quality;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Feedback;

/// <summary>
/// The production feedback loop over the database: traffic log import, drift reports, promotion of
/// logged requests to Draft examples, synthetic drafts and the retraining due date.
/// </summary>
public sealed class FeedbackService(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, IOptions<GenerationOptions> generation,
    DriftReportCache? driftCache = null)
{
    public const int MaxPromotePerRequest = 1000;
    public const int MaxSyntheticPerRequest = 20;
    private const int BatchSize = 1000;

    public bool GenerationConfigured => generation.Value.IsConfigured;

    public string? GenerationModel => generation.Value.IsConfigured ? generation.Value.Model : null;

    // ---- Import ---------------------------------------------------------------------------------

    /// <summary>
    /// Imports a JSONL traffic log, all or nothing: a first pass collects every line error, and only a
    /// clean file is written, in one transaction. Lines already imported (same request and answer) are skipped.
    /// Personal data is detected here, before any text can be listed.
    /// </summary>
    public async Task<LogImportResult> ImportLogsAsync(int projectId, Stream stream, Actor actor, CancellationToken cancellationToken, int maxErrorsListed = 100)
    {
        await EnsureProjectAsync(projectId, cancellationToken);
        FileStream? copy = null;
        try
        {
            if (!stream.CanSeek)
            {
                copy = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose);
                await stream.CopyToAsync(copy, cancellationToken);
                copy.Position = 0;
                stream = copy;
            }

            var start = stream.Position;
            var errors = new List<InputError>();
            var totalErrors = 0;
            await foreach (var row in new TrafficLogParser().ParseAsync(stream, cancellationToken))
            {
                totalErrors += row.Errors.Count;
                errors.AddRange(row.Errors.Take(Math.Max(0, maxErrorsListed - errors.Count)));
            }

            if (totalErrors > 0)
            {
                return new LogImportResult(0, 0, 0, errors, totalErrors);
            }

            stream.Position = start;
            return await WriteLogsAsync(projectId, stream, actor, cancellationToken);
        }
        finally
        {
            if (copy is not null)
            {
                await copy.DisposeAsync();
            }
        }
    }

    private async Task<LogImportResult> WriteLogsAsync(int projectId, Stream stream, Actor actor, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var hashes = new HashSet<string>(StringComparer.Ordinal);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        await foreach (var hash in db.ProductionLogs.AsNoTracking().Where(l => l.ProjectId == projectId).Select(l => l.ContentHash)
                           .AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            hashes.Add(hash);
        }

        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        int imported = 0, duplicates = 0, flagged = 0, pending = 0;
        await foreach (var row in new TrafficLogParser().ParseAsync(stream, cancellationToken))
        {
            var entry = row.Entry ?? throw new StudioValidationException("file", "the file changed while it was being imported; nothing was imported");
            var log = ToEntity(projectId, entry, now, actor);
            if (!hashes.Add(log.ContentHash))
            {
                duplicates++;
                continue;
            }

            flagged += log.PersonalDataKinds.Length > 0 ? 1 : 0;
            db.ProductionLogs.Add(log);
            imported++;
            if (++pending >= BatchSize)
            {
                await db.SaveChangesAsync(cancellationToken);
                db.ChangeTracker.Clear();
                pending = 0;
            }
        }

        AuditLog.Record(db, actor, now, "logs.import", "Project", projectId,
            $"{imported} logged requests imported, {duplicates} already present, {flagged} with likely personal data");
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new LogImportResult(imported, duplicates, flagged, [], 0);
    }

    private static ProductionLog ToEntity(int projectId, TrafficLogEntry entry, DateTime now, Actor actor)
    {
        var messagesJson = JsonSerializer.Serialize(entry.Messages.Select(m => new { role = m.Role, content = m.Content }));
        var text = string.Join("\n", entry.Messages.Select(m => m.Content)) + "\n" + entry.Response;
        var kinds = entry.Messages.SelectMany(m => PersonalDataDetector.Find(m.Content))
            .Concat(PersonalDataDetector.Find(entry.Response))
            .Select(m => m.Kind).Distinct().Order().ToList();
        return new ProductionLog
        {
            ProjectId = projectId,
            LoggedAt = entry.LoggedAt,
            MessagesJson = messagesJson,
            InputText = entry.InputText,
            Response = entry.Response,
            Model = entry.Model is { Length: > 200 } m ? m[..200] : entry.Model,
            LatencyMs = entry.LatencyMs,
            Rating = entry.Rating,
            ContentHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
                entry.LoggedAt.ToString("O") + "\u001e" + messagesJson + "\u001e" + entry.Response))),
            SearchText = text.ToLowerInvariant(),
            PersonalDataKinds = string.Join(",", kinds),
            ImportedAt = now,
            ImportedByName = actor.Name,
        };
    }

    // ---- Listing --------------------------------------------------------------------------------

    public async Task<LogPage> ListLogsAsync(int projectId, LogFilter filter, int skip, int take, CancellationToken cancellationToken)
    {
        await EnsureProjectAsync(projectId, cancellationToken);
        var noNeighbour = await NoNeighbourIdsAsync(projectId, filter, cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = Filtered(db, projectId, filter, noNeighbour);
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderByDescending(l => l.LoggedAt).ThenByDescending(l => l.Id).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 500))
            .Select(l => new { l.Id, l.LoggedAt, l.InputText, l.Response, l.Model, l.LatencyMs, l.Rating, l.PersonalDataKinds, l.PromotedExampleId })
            .ToListAsync(cancellationToken);
        return new LogPage(rows.Select(l => new LogRow(l.Id, l.LoggedAt, Mask(l.InputText), Mask(l.Response), l.Model, l.LatencyMs, l.Rating,
            ParseKinds(l.PersonalDataKinds), l.PromotedExampleId)).ToList(), total);
    }

    private static IQueryable<ProductionLog> Filtered(StudioDbContext db, int projectId, LogFilter filter, HashSet<long>? noNeighbour)
    {
        var query = db.ProductionLogs.AsNoTracking().Where(l => l.ProjectId == projectId);
        if (filter.MinRating is { } min)
        {
            query = query.Where(l => l.Rating >= min);
        }

        if (filter.MaxRating is { } max)
        {
            query = query.Where(l => l.Rating <= max);
        }

        if (filter.From is { } from)
        {
            query = query.Where(l => l.LoggedAt >= from);
        }

        if (filter.To is { } to)
        {
            query = query.Where(l => l.LoggedAt < to);
        }

        if (filter.NotPromotedOnly)
        {
            query = query.Where(l => l.PromotedExampleId == null);
        }

        IEnumerable<long>? ids = filter.Ids;
        if (noNeighbour is not null)
        {
            ids = ids is null ? noNeighbour : ids.Where(noNeighbour.Contains);
        }

        if (ids is not null)
        {
            var list = ids.Take(5000).ToList();
            query = query.Where(l => list.Contains(l.Id));
        }

        return query;
    }

    /// <summary>The log ids the drift filters allow (no near neighbour, one cluster), from the (cached) drift report; null without such a filter.</summary>
    private async Task<HashSet<long>?> NoNeighbourIdsAsync(int projectId, LogFilter filter, CancellationToken cancellationToken)
    {
        if (filter.NoNeighbourInVersion is null && filter.Cluster is null)
        {
            return null;
        }

        var version = filter.NoNeighbourInVersion is { } number and not 0 ? number : (int?)null;
        var drift = await DriftAsync(projectId, filter.DriftDatasetId, version, null, cancellationToken);
        var ids = filter.NoNeighbourInVersion is null ? null : drift.Report.NoNeighbourLogIds.ToHashSet();
        if (filter.Cluster is { } clusterId)
        {
            var cluster = drift.Report.Clusters.FirstOrDefault(c => c.Id == clusterId)
                ?? throw new StudioValidationException("cluster", drift.Report.Clusters.Count == 0
                    ? $"the drift report against {DescribeBasis(drift)} has no new-topic clusters"
                    : $"the drift report against {DescribeBasis(drift)} has clusters 1 to {drift.Report.Clusters.Count}, not {clusterId}");
            ids = ids is null ? cluster.LogIds.ToHashSet() : ids.Intersect(cluster.LogIds).ToHashSet();
        }

        return ids;
    }

    private static string DescribeBasis(DriftResult drift) =>
        drift.VersionNumber is { } v ? $"'{drift.DatasetName}' version {v}" : $"the approved examples of '{drift.DatasetName}'";

    /// <summary>Replaces likely personal data with its kind, e.g. "[email]".</summary>
    public static string Mask(string text)
    {
        var matches = PersonalDataDetector.Find(text).OrderBy(m => m.Index).ToList();
        if (matches.Count == 0)
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        var at = 0;
        foreach (var m in matches)
        {
            if (m.Index < at)
            {
                continue;
            }

            result.Append(text, at, m.Index - at).Append('[').Append(m.Kind.ToString().ToLowerInvariant()).Append(']');
            at = m.Index + m.Length;
        }

        return result.Append(text, at, text.Length - at).ToString();
    }

    private static List<PersonalDataKind> ParseKinds(string kinds) =>
        kinds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Enum.Parse<PersonalDataKind>).ToList();

    // ---- Drift ----------------------------------------------------------------------------------

    /// <summary>
    /// Drift of the project's logged requests against the training side of a dataset version (the
    /// latest when <paramref name="versionNumber"/> is null). Without any version the dataset's
    /// approved examples stand in, and <see cref="DriftResult.Basis"/> says so. The dataset defaults to
    /// the one last exported (the project's first dataset before any export). With default options the
    /// report is reused until its logs, version or approved examples change (<see cref="DriftReportCache"/>).
    /// </summary>
    public async Task<DriftResult> DriftAsync(int projectId, int? datasetId, int? versionNumber, DateTime? since, CancellationToken cancellationToken,
        DriftOptions? options = null)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId).Select(p => new { p.Id, p.DriftThreshold })
            .SingleOrDefaultAsync(cancellationToken) ?? throw new NotFoundException("Project", projectId);
        var dataset = await FindDatasetAsync(db, projectId, datasetId, cancellationToken)
            ?? throw (datasetId is null
                ? new StudioValidationException("dataset", "the project has no dataset to compare the logs with")
                : new NotFoundException("Dataset", datasetId));
        var versions = db.DatasetVersions.AsNoTracking().Where(v => v.DatasetId == dataset.Id);
        var version = versionNumber is { } number
            ? await versions.Where(v => v.Number == number).Select(v => new VersionRef(v.Id, v.Number)).SingleOrDefaultAsync(cancellationToken)
              ?? throw new StudioValidationException("version", $"dataset '{dataset.Name}' has no version {number}")
            : await versions.OrderByDescending(v => v.Number).Select(v => new VersionRef(v.Id, v.Number)).FirstOrDefaultAsync(cancellationToken);

        var threshold = project.DriftThreshold ?? options?.Threshold ?? DriftOptions.DefaultThreshold;
        if (options is not null || driftCache is null)
        {
            return await ComputeDriftAsync(db, projectId, dataset, version, since, threshold, options, cancellationToken);
        }

        var stamp = await DriftStampAsync(db, projectId, dataset, version, since, cancellationToken);
        return await driftCache.GetOrComputeAsync(new DriftReportCache.Basis(projectId, dataset.Id, version?.Id, since, threshold), stamp,
            () => ComputeDriftAsync(db, projectId, dataset, version, since, threshold, null, cancellationToken));
    }

    private sealed record VersionRef(int Id, int Number);

    private static async Task<DriftReportCache.Stamp> DriftStampAsync(StudioDbContext db, int projectId, TargetDataset dataset, VersionRef? version,
        DateTime? since, CancellationToken cancellationToken)
    {
        var logs = db.ProductionLogs.AsNoTracking().Where(l => l.ProjectId == projectId);
        if (since is { } from)
        {
            logs = logs.Where(l => l.LoggedAt >= from);
        }

        var latestLog = await logs.MaxAsync(l => (long?)l.Id, cancellationToken) ?? 0;
        var logCount = await logs.CountAsync(cancellationToken);
        // A version's examples never change; without one the approved examples are the training side.
        var approvedCount = 0;
        DateTime? approvedChanged = null;
        if (version is null)
        {
            var approved = db.Examples.AsNoTracking().Where(e => e.DatasetId == dataset.Id && e.Status == ExampleStatus.Approved);
            approvedCount = await approved.CountAsync(cancellationToken);
            approvedChanged = await approved.MaxAsync(e => (DateTime?)e.UpdatedAt, cancellationToken);
        }

        return new DriftReportCache.Stamp(latestLog, logCount, approvedCount, approvedChanged, string.Join('\u001f', dataset.Labels));
    }

    private static async Task<DriftResult> ComputeDriftAsync(StudioDbContext db, int projectId, TargetDataset dataset, VersionRef? version,
        DateTime? since, double threshold, DriftOptions? options, CancellationToken cancellationToken)
    {
        var analyzer = new DriftAnalyzer((options ?? new DriftOptions()) with { Threshold = threshold });
        var labels = new Dictionary<int, string?>();
        IQueryable<Example> training = db.Examples.AsNoTracking().Where(e => e.DatasetId == dataset.Id);
        training = version is null
            ? training.Where(e => e.Status == ExampleStatus.Approved)
            : training.Where(e => db.DatasetVersionExamples.Any(v => v.DatasetVersionId == version.Id && v.Split == SplitPin.Train && v.ExampleId == e.Id));
        await foreach (var e in training.Select(e => new { e.Id, e.Label }).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            labels[e.Id] = e.Label;
        }

        // User turns in example order, streamed; consecutive rows of one example form its input text.
        var messages = db.ExampleMessages.AsNoTracking()
            .Where(m => m.Role == MessageRole.User && training.Any(e => e.Id == m.ExampleId))
            .OrderBy(m => m.ExampleId).ThenBy(m => m.Position)
            .Select(m => new { m.ExampleId, m.Content });
        var current = -1;
        var text = new StringBuilder();
        await foreach (var m in messages.AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            if (m.ExampleId != current && current >= 0)
            {
                analyzer.AddTraining(text.ToString(), labels.GetValueOrDefault(current));
                text.Clear();
            }

            current = m.ExampleId;
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(m.Content);
        }

        if (current >= 0)
        {
            analyzer.AddTraining(text.ToString(), labels.GetValueOrDefault(current));
        }

        var labelSet = dataset.TaskKind == TaskKind.Classification ? dataset.Labels.ToHashSet(StringComparer.OrdinalIgnoreCase) : null;
        var logs = db.ProductionLogs.AsNoTracking().Where(l => l.ProjectId == projectId);
        if (since is { } from)
        {
            logs = logs.Where(l => l.LoggedAt >= from);
        }

        await foreach (var l in logs.OrderBy(l => l.Id).Select(l => new { l.Id, l.LoggedAt, l.InputText, l.Response })
                           .AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            // For classification the logged answer is the model's label: that gives the label shift.
            var answer = l.Response.Trim();
            analyzer.AddLog(l.Id, l.LoggedAt, l.InputText, labelSet is not null && labelSet.TryGetValue(answer, out var label) ? label : null);
        }

        var report = analyzer.Analyze(cancellationToken);
        var basis = version is null
            ? $"No version of '{dataset.Name}' has been cut yet: compared with its {report.TrainingCount} approved examples instead."
            : $"Compared with the {report.TrainingCount} training examples of '{dataset.Name}' version {version.Number}.";
        return new DriftResult(dataset.Id, dataset.Name, version?.Number, basis, report) { Since = since };
    }

    /// <summary>The datasets and versions drift can be measured against, and the default (the newest version of the dataset last exported).</summary>
    public async Task<DriftChoices> DriftChoicesAsync(int projectId, CancellationToken cancellationToken)
    {
        await EnsureProjectAsync(projectId, cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var datasets = await db.Datasets.AsNoTracking().Where(d => d.ProjectId == projectId).OrderBy(d => d.Name).ThenBy(d => d.Id)
            .Select(d => new { d.Id, d.Name }).ToListAsync(cancellationToken);
        var versions = await db.DatasetVersions.AsNoTracking().Where(v => v.Dataset!.ProjectId == projectId)
            .Select(v => new { v.DatasetId, v.Number }).ToListAsync(cancellationToken);
        var fallback = await FindDatasetAsync(db, projectId, null, cancellationToken);
        var choices = datasets.Select(d => new DriftDatasetChoice(d.Id, d.Name,
            versions.Where(v => v.DatasetId == d.Id).Select(v => v.Number).OrderDescending().ToList())).ToList();
        var defaultVersion = choices.Find(c => c.DatasetId == fallback?.Id) is { Versions.Count: > 0 } chosen ? chosen.Versions[0] : (int?)null;
        return new DriftChoices(choices, fallback?.Id, defaultVersion);
    }

    // ---- Promotion ------------------------------------------------------------------------------

    /// <summary>
    /// Turns the chosen logged requests into Draft examples (source ProductionLog) in a dataset, so they go
    /// through labeling and review like any other. Logs already promoted are left alone.
    /// </summary>
    public async Task<PromoteResult> PromoteAsync(int projectId, PromoteRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var dataset = await TargetDatasetAsync(projectId, request.DatasetId, cancellationToken);
        var noNeighbour = await NoNeighbourIdsAsync(projectId, request.Filter, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var matching = Filtered(db, projectId, request.Filter, noNeighbour);
        var count = await matching.CountAsync(cancellationToken);
        if (count == 0)
        {
            throw new StudioValidationException("filter", "no logged requests match the selection");
        }

        if (count > MaxPromotePerRequest)
        {
            throw new StudioValidationException("filter", $"{count} logged requests match; promote at most {MaxPromotePerRequest} at a time (narrow the dates or the rating)");
        }

        var ids = await matching.Select(l => l.Id).ToListAsync(cancellationToken);
        var logs = await db.ProductionLogs.Where(l => ids.Contains(l.Id)).OrderBy(l => l.LoggedAt).ThenBy(l => l.Id).ToListAsync(cancellationToken);
        var labelSet = dataset.TaskKind == TaskKind.Classification ? dataset.Labels.ToHashSet(StringComparer.OrdinalIgnoreCase) : null;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var created = new List<(ProductionLog Log, Example Example)>();
        foreach (var log in logs.Where(l => l.PromotedExampleId is null))
        {
            var example = Example.Create(dataset.Id, ExampleSource.ProductionLog, ExampleStatus.Draft, ToContent(log, labelSet, dataset.TaskKind),
                actor.UserId, now,
                notes: $"From production log {log.Id}, logged {log.LoggedAt:yyyy-MM-dd HH:mm} UTC{(log.Model is null ? "" : $" by {log.Model}")}"
                       + (log.Rating is { } r ? $", rated {r}" : "") + ".");
            db.Examples.Add(example);
            created.Add((log, example));
        }

        await db.SaveChangesAsync(cancellationToken);
        foreach (var (log, example) in created)
        {
            log.PromotedExampleId = example.Id;
            AuditLog.Record(db, actor, now, "example.create", "Example", example.Id, $"Draft promoted from production log {log.Id}");
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new PromoteResult(dataset.Id, created.Count, logs.Count - created.Count, created.Select(c => c.Example.Id).ToList());
    }

    private static ExampleContent ToContent(ProductionLog log, HashSet<string>? labelSet, TaskKind kind)
    {
        var turns = JsonSerializer.Deserialize<List<JsonElement>>(log.MessagesJson) ?? [];
        var messages = turns.Select(t => new MessageContent(
            Enum.Parse<MessageRole>(t.GetProperty("role").GetString()!, ignoreCase: true), t.GetProperty("content").GetString())).ToList();
        string? label = null;
        if (kind == TaskKind.Classification && labelSet is not null && labelSet.TryGetValue(log.Response.Trim(), out var known))
        {
            // The model's answer is only a suggestion: labelers confirm or correct it in review.
            label = known;
        }

        messages.Add(new MessageContent(MessageRole.Assistant, log.Response));
        return new ExampleContent(messages, label, ["production-log"]);
    }

    // ---- Synthetic drafts -----------------------------------------------------------------------

    /// <summary>
    /// Asks the configured OpenAI-compatible model for new examples written like the seeds, and stores them as
    /// Draft examples with source Synthetic. Drafts count for nothing (readiness, versions) until approved.
    /// </summary>
    public async Task<SyntheticResult> GenerateSyntheticAsync(int projectId, SyntheticRequest request, Actor actor, CancellationToken cancellationToken)
    {
        var settings = generation.Value;
        if (!settings.IsConfigured)
        {
            throw new StudioValidationException("generation",
                $"no generation endpoint is configured: set {GenerationOptions.Section}:BaseUrl and :Model (and :ApiKey if the endpoint needs one)");
        }

        var errors = new List<InputError>();
        if (string.IsNullOrWhiteSpace(request.Template))
        {
            errors.Add(new InputError("template", "describe what the new examples should be about"));
        }

        if (request.Count is < 1 or > MaxSyntheticPerRequest)
        {
            errors.Add(new InputError("count", $"must be between 1 and {MaxSyntheticPerRequest}"));
        }

        if (request.SeedExampleIds.Count is < 1 or > 10)
        {
            errors.Add(new InputError("seeds", "choose between 1 and 10 seed examples"));
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        var dataset = await TargetDatasetAsync(projectId, request.DatasetId, cancellationToken);
        List<ExampleContent> seeds;
        await using (var db = await factory.CreateDbContextAsync(cancellationToken))
        {
            var entities = await db.Examples.AsNoTracking().Include(e => e.Messages)
                .Where(e => e.DatasetId == dataset.Id && request.SeedExampleIds.Contains(e.Id)).ToListAsync(cancellationToken);
            var missing = request.SeedExampleIds.Except(entities.Select(e => e.Id)).ToList();
            if (missing.Count > 0)
            {
                throw new StudioValidationException("seeds", $"example {string.Join(", ", missing)} is not in dataset '{dataset.Name}'");
            }

            seeds = entities.Select(ExampleContent.FromEntity).ToList();
        }

        var client = CreateChatClient(settings);
        var prompt = SyntheticPrompt.Build(request.Template, seeds, dataset.TaskKind == TaskKind.Classification ? dataset.Labels : [], request.Count);
        ChatResponse response;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(Math.Max(5, settings.TimeoutSeconds)));
            response = await client.GetResponseAsync(prompt, new ChatOptions { Temperature = 0.9f }, timeout.Token);
        }
        // The client's retries give up with an AggregateException of what each attempt met.
        catch (Exception e) when (e is ClientResultException or HttpRequestException or AggregateException { InnerException: HttpRequestException or ClientResultException }
                                  or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Shown to the person asking: the endpoint's answer without its address (the settings name it).
            var reason = e switch
            {
                // Status 0: the client never got an HTTP answer.
                ClientResultException { Status: > 0 } http => EndpointFailure.HttpError(http, settings.BaseUrl),
                AggregateException { InnerException: ClientResultException { Status: > 0 } http } => EndpointFailure.HttpError(http, settings.BaseUrl),
                OperationCanceledException => $"no answer within {Math.Max(5, settings.TimeoutSeconds)} s",
                _ => EndpointFailure.NoConnection("synthetic drafts", e),
            };
            throw new StudioValidationException("generation", $"the generation endpoint did not answer usefully: {reason}");
        }

        var drafts = SyntheticPrompt.Parse(response.Text, seeds.FirstOrDefault()?.SystemPrompt, dataset.TaskKind == TaskKind.Classification ? dataset.Labels : [])
            .Take(request.Count).ToList();
        if (drafts.Count == 0)
        {
            throw new StudioValidationException("generation", "the model's answer held no usable examples (expected JSON lines with input and output)");
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var write = await factory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await write.Database.BeginTransactionAsync(cancellationToken);
        var notes = $"Synthetic draft written by {settings.Model} from seed examples {string.Join(", ", request.SeedExampleIds)}. It counts as evidence only once a person approves it.";
        var examples = drafts.Select(content => Example.Create(dataset.Id, ExampleSource.Synthetic, ExampleStatus.Draft, content, actor.UserId, now, notes)).ToList();
        write.Examples.AddRange(examples);
        await write.SaveChangesAsync(cancellationToken);
        foreach (var example in examples)
        {
            AuditLog.Record(write, actor, now, "example.create", "Example", example.Id, $"Synthetic draft by {settings.Model}");
        }

        await write.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new SyntheticResult(dataset.Id, examples.Count, settings.Model!, examples.Select(e => e.Id).ToList());
    }

    private static IChatClient CreateChatClient(GenerationOptions settings) =>
        ChatEndpointClient.Create(settings.BaseUrl!, settings.Model!, settings.ApiKey);

    // ---- Retraining -----------------------------------------------------------------------------

    /// <summary>How far back the retraining check looks for drift in logged traffic.</summary>
    public const int RecentTrafficDays = 28;

    /// <summary>
    /// The next retraining date and why, for the Overview: the cadence (project setting, else the latest
    /// submitted readiness assessment) counted from the newest dataset version, brought forward by a drift
    /// alert on the last four weeks of logged traffic.
    /// </summary>
    public async Task<RetrainingStatus> RetrainingDueAsync(int projectId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.AsNoTracking().Where(p => p.Id == projectId)
            .Select(p => new { p.RetrainingCadenceDays, p.DriftThreshold }).SingleOrDefaultAsync(cancellationToken)
            ?? throw new NotFoundException("Project", projectId);

        var cadenceDays = project.RetrainingCadenceDays;
        string? source = cadenceDays is null ? null : "project setting";
        if (cadenceDays is null)
        {
            var answers = await db.Assessments.AsNoTracking()
                .Where(a => a.ProjectId == projectId && a.Status == AssessmentStatus.Submitted)
                .OrderByDescending(a => a.SubmittedAt).Select(a => a.AnswersJson).FirstOrDefaultAsync(cancellationToken);
            var answer = CadenceAnswer(answers);
            cadenceDays = RetrainingScheduler.CadenceDays(answer);
            source = cadenceDays is null ? null : $"{answer!.Replace('_', ' ')}, from the readiness assessment";
        }

        var last = await db.DatasetVersions.AsNoTracking().Where(v => v.Dataset!.ProjectId == projectId)
            .OrderByDescending(v => v.CreatedAt).Select(v => new { v.Number, v.CreatedAt, v.DatasetId }).FirstOrDefaultAsync(cancellationToken);
        var approved = db.Examples.AsNoTracking().Where(e => e.Dataset!.ProjectId == projectId && e.Status == ExampleStatus.Approved);
        var approvedSince = last is null
            ? await approved.CountAsync(cancellationToken)
            : await approved.CountAsync(e => e.DatasetId == last.DatasetId && (e.ReviewedAt ?? e.UpdatedAt) > last.CreatedAt, cancellationToken);
        var lastEval = await db.EvalRuns.AsNoTracking()
            .Where(r => r.EvalSet!.ProjectId == projectId && r.Status == EvalRunStatus.Completed && r.CompletedAt != null)
            .MaxAsync(r => r.CompletedAt, cancellationToken);
        var logs = db.ProductionLogs.AsNoTracking().Where(l => l.ProjectId == projectId);
        var logsSince = last is null ? await logs.CountAsync(cancellationToken) : await logs.CountAsync(l => l.LoggedAt > last.CreatedAt, cancellationToken);

        var threshold = project.DriftThreshold ?? DriftOptions.DefaultThreshold;
        var driftChecked = false;
        string? driftReason = null;
        // Whole days, so the window (and the cached report for it) stays the same all day.
        var recentFrom = DateTime.SpecifyKind(now.Date, DateTimeKind.Utc).AddDays(-RecentTrafficDays);
        DriftResult? drift = null;
        if (await logs.AnyAsync(l => l.LoggedAt >= recentFrom, cancellationToken)
            && await db.Datasets.AnyAsync(d => d.ProjectId == projectId, cancellationToken))
        {
            drift = await DriftAsync(projectId, null, null, recentFrom, cancellationToken);
            driftChecked = true;
            driftReason = drift.Report.AlertReason;
        }

        var due = RetrainingScheduler.Schedule(new RetrainingInputs(now, cadenceDays, source, last?.Number, last?.CreatedAt,
            driftReason is not null, driftReason, approvedSince, lastEval, logsSince));
        return new RetrainingStatus(due, cadenceDays, source, threshold, driftChecked)
        {
            DriftAlert = driftReason,
            DriftDatasetId = drift?.DatasetId,
            DriftVersion = drift?.VersionNumber,
            DriftSince = drift is null ? null : recentFrom,
            DriftLogCount = drift?.Report.LogCount ?? 0,
        };
    }

    /// <summary>Sets the project's own cadence (days; null falls back to the assessment) and drift threshold (null for the default).</summary>
    public async Task SetRetrainingSettingsAsync(int projectId, int? cadenceDays, double? driftThreshold, Actor actor, CancellationToken cancellationToken)
    {
        var errors = new List<InputError>();
        if (cadenceDays is < 1 or > 3650)
        {
            errors.Add(new InputError("cadenceDays", "must be between 1 and 3650 days"));
        }

        if (driftThreshold is <= 0 or > 1)
        {
            errors.Add(new InputError("driftThreshold", "must be above 0 and at most 1"));
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors);
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.SingleOrDefaultAsync(p => p.Id == projectId, cancellationToken) ?? throw new NotFoundException("Project", projectId);
        project.RetrainingCadenceDays = cadenceDays;
        project.DriftThreshold = driftThreshold;
        project.UpdatedAt = clock.GetUtcNow().UtcDateTime;
        AuditLog.Record(db, actor, project.UpdatedAt, "project.retraining", "Project", projectId,
            $"cadence {(cadenceDays is null ? "from assessment" : $"{cadenceDays} days")}, drift threshold {(driftThreshold is null ? "default" : driftThreshold.Value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture))}");
        await db.SaveChangesAsync(cancellationToken);
    }

    private static string? CadenceAnswer(string? answersJson)
    {
        if (string.IsNullOrEmpty(answersJson))
        {
            return null;
        }

        using var document = JsonDocument.Parse(answersJson);
        return document.RootElement.ValueKind == JsonValueKind.Object
               && document.RootElement.TryGetProperty(Readiness.ReadinessQuestionIds.RetrainingCadence, out var value)
               && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
    }

    // ---- Helpers --------------------------------------------------------------------------------

    private sealed record TargetDataset(int Id, string Name, TaskKind TaskKind, List<string> Labels);

    private async Task<TargetDataset> TargetDatasetAsync(int projectId, int? datasetId, CancellationToken cancellationToken)
    {
        await EnsureProjectAsync(projectId, cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        return await FindDatasetAsync(db, projectId, datasetId, cancellationToken)
               ?? throw (datasetId is null
                   ? new StudioValidationException("dataset", "the project has no dataset yet")
                   : new NotFoundException("Dataset", datasetId));
    }

    /// <summary>
    /// The chosen dataset of the project, or by default the one whose version was cut last (that is what the
    /// current model was trained on), else the project's first dataset; null when there is none.
    /// </summary>
    private static async Task<TargetDataset?> FindDatasetAsync(StudioDbContext db, int projectId, int? datasetId, CancellationToken cancellationToken)
    {
        var datasets = db.Datasets.AsNoTracking().Where(d => d.ProjectId == projectId);
        if (datasetId is null)
        {
            datasetId = await db.DatasetVersions.AsNoTracking().Where(v => v.Dataset!.ProjectId == projectId)
                .OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Id).Select(v => (int?)v.DatasetId).FirstOrDefaultAsync(cancellationToken);
        }
        else if (!await datasets.AnyAsync(d => d.Id == datasetId, cancellationToken))
        {
            return null;
        }

        return await datasets.Where(d => datasetId == null || d.Id == datasetId)
            .OrderBy(d => d.Id).Select(d => new TargetDataset(d.Id, d.Name, d.TaskKind, d.Labels)).FirstOrDefaultAsync(cancellationToken);
    }

    private async Task EnsureProjectAsync(int projectId, CancellationToken cancellationToken)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (!await db.Projects.AnyAsync(p => p.Id == projectId, cancellationToken))
        {
            throw new NotFoundException("Project", projectId);
        }
    }
}
