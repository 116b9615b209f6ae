using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Quality;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Feedback;

/// <summary>
/// The project's logged production requests: importing a traffic log and listing it (personal data masked),
/// filtered by rating, dates, ids or the drift report's findings.
/// </summary>
public sealed class TrafficLogs(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, DriftReports drift)
{
    private const int BatchSize = 1000;

    /// <summary>
    /// Imports a JSONL traffic log, all or nothing: a first pass collects every line error, and only a
    /// clean file is written, in one transaction. With <paramref name="skipInvalid"/> the lines with problems are left
    /// out and listed instead (a log cut off mid-line by its rotation should not hold back the rest), unless no line is
    /// left. Lines already imported (same request and answer) are skipped. Personal data is detected here, before any
    /// text can be listed.
    /// </summary>
    public async Task<LogImportResult> ImportLogsAsync(int projectId, Stream stream, Actor actor, CancellationToken cancellationToken,
        int maxErrorsListed = 100, bool skipInvalid = false)
    {
        await FeedbackDatasets.EnsureProjectAsync(factory, projectId, cancellationToken);
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
            var invalidLines = new List<int>();
            int totalErrors = 0, valid = 0, invalid = 0;
            await foreach (var row in new TrafficLogParser().ParseAsync(stream, cancellationToken))
            {
                valid += row.Entry is null ? 0 : 1;
                invalid += row.Entry is null ? 1 : 0;
                if (row.Entry is null)
                {
                    invalidLines.Add(row.Line);
                }

                totalErrors += row.Errors.Count;
                errors.AddRange(row.Errors.Take(Math.Max(0, maxErrorsListed - errors.Count)));
            }

            if (totalErrors > 0 && (!skipInvalid || valid == 0))
            {
                return new LogImportResult(0, 0, 0, errors, totalErrors) { InvalidRecords = invalid, ValidRecords = valid };
            }

            stream.Position = start;
            var written = await WriteLogsAsync(projectId, stream, actor, invalid, cancellationToken);
            return written with { InvalidRecords = invalid, ValidRecords = valid, LeftOut = errors, TotalLeftOut = totalErrors, LeftOutLines = invalidLines };
        }
        finally
        {
            if (copy is not null)
            {
                await copy.DisposeAsync();
            }
        }
    }

    private async Task<LogImportResult> WriteLogsAsync(int projectId, Stream stream, Actor actor, int leftOut, CancellationToken cancellationToken)
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
            if (row.Entry is not { } entry)
            {
                // A line the first pass found wrong and was told to leave out.
                if (leftOut > 0)
                {
                    continue;
                }

                throw new StudioValidationException("file", "the file changed while it was being imported; nothing was imported");
            }

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
            $"{imported} logged requests imported, {duplicates} already present, {flagged} with likely personal data"
            + (leftOut > 0 ? $", {leftOut} lines with problems left out" : ""));
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

    public async Task<LogPage> ListLogsAsync(int projectId, LogFilter filter, int skip, int take, CancellationToken cancellationToken)
    {
        await FeedbackDatasets.EnsureProjectAsync(factory, projectId, cancellationToken);
        var noNeighbour = await drift.LogIdsAsync(projectId, filter, cancellationToken);
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var query = Filtered(db, projectId, filter, noNeighbour);
        var total = await query.CountAsync(cancellationToken);
        var rows = await query.OrderByDescending(l => l.LoggedAt).ThenByDescending(l => l.Id).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, 500))
            .Select(l => new { l.Id, l.LoggedAt, l.InputText, l.Response, l.Model, l.LatencyMs, l.Rating, l.PersonalDataKinds, l.PromotedExampleId })
            .ToListAsync(cancellationToken);
        return new LogPage(rows.Select(l => new LogRow(l.Id, l.LoggedAt, Mask(l.InputText), Mask(l.Response), l.Model, l.LatencyMs, l.Rating,
            ParseKinds(l.PersonalDataKinds), l.PromotedExampleId)).ToList(), total);
    }

    /// <summary>The project's logs matching the filter; <paramref name="noNeighbour"/> (from <see cref="DriftReports.LogIdsAsync"/>) narrows them further.</summary>
    internal static IQueryable<ProductionLog> Filtered(StudioDbContext db, int projectId, LogFilter filter, HashSet<long>? noNeighbour)
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
}
