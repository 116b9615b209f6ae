using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Feedback;

/// <summary>When the next retraining is due and why, and the project's cadence and drift threshold settings.</summary>
public sealed class RetrainingSchedule(IDbContextFactory<StudioDbContext> factory, TimeProvider clock, DriftReports drifts)
{
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
            drift = await drifts.DriftAsync(projectId, null, null, recentFrom, cancellationToken);
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
}
