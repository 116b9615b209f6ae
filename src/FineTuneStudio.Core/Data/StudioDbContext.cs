using FineTuneStudio.Core.Domain;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Data;

/// <summary>
/// The studio's database. Provider-neutral; <see cref="SqliteStudioDbContext"/> and
/// <see cref="PostgresStudioDbContext"/> only exist so each provider keeps its own migration set.
/// It also holds the web app's data-protection keys, so every instance on one database shares them.
/// </summary>
public class StudioDbContext(DbContextOptions options) : IdentityDbContext<StudioUser>(options), IDataProtectionKeyContext
{
    public DbSet<Project> Projects => Set<Project>();
    public DbSet<ReadinessAssessment> Assessments => Set<ReadinessAssessment>();
    public DbSet<Dataset> Datasets => Set<Dataset>();
    public DbSet<Example> Examples => Set<Example>();
    public DbSet<ExampleMessage> ExampleMessages => Set<ExampleMessage>();
    public DbSet<Annotation> Annotations => Set<Annotation>();
    public DbSet<LabelSuggestion> LabelSuggestions => Set<LabelSuggestion>();
    public DbSet<DatasetVersion> DatasetVersions => Set<DatasetVersion>();
    public DbSet<DatasetVersionFile> DatasetVersionFiles => Set<DatasetVersionFile>();
    public DbSet<DatasetVersionExample> DatasetVersionExamples => Set<DatasetVersionExample>();
    public DbSet<EvalSet> EvalSets => Set<EvalSet>();
    public DbSet<EvalItem> EvalItems => Set<EvalItem>();
    public DbSet<EvalRun> EvalRuns => Set<EvalRun>();
    public DbSet<EvalResult> EvalResults => Set<EvalResult>();
    public DbSet<Comparison> Comparisons => Set<Comparison>();
    public DbSet<Judgement> Judgements => Set<Judgement>();
    public DbSet<Judge> Judges => Set<Judge>();
    public DbSet<JudgeVersion> JudgeVersions => Set<JudgeVersion>();
    public DbSet<JudgeRun> JudgeRuns => Set<JudgeRun>();
    public DbSet<JudgeVerdict> JudgeVerdicts => Set<JudgeVerdict>();
    public DbSet<TrainingMetrics> TrainingMetrics => Set<TrainingMetrics>();
    public DbSet<TrainingMetricPoint> TrainingMetricPoints => Set<TrainingMetricPoint>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<ProjectMember> ProjectMembers => Set<ProjectMember>();
    public DbSet<TrainingTarget> TrainingTargets => Set<TrainingTarget>();
    public DbSet<QualityRun> QualityRuns => Set<QualityRun>();
    public DbSet<ProductionLog> ProductionLogs => Set<ProductionLog>();
    public DbSet<JobLease> JobLeases => Set<JobLease>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(StudioDbContext).Assembly);
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        // Enums are stored as readable strings on every provider.
        configurationBuilder.Properties<TaskKind>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<MessageRole>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<ExampleStatus>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<ExampleSource>().HaveConversion<string>().HaveMaxLength(32);
        configurationBuilder.Properties<SplitPin>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<AssessmentStatus>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<EvalRunStatus>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<JudgementChoice>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<QualityRunStatus>().HaveConversion<string>().HaveMaxLength(16);
        configurationBuilder.Properties<AnswerStyle>().HaveConversion<string>().HaveMaxLength(16);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        RenewConcurrencyTokens();
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        RenewConcurrencyTokens();
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    /// <summary>
    /// Every saved Example or Annotation gets a new token; the original value stays in the WHERE
    /// clause, so a save based on a stale copy affects no row and fails.
    /// </summary>
    private void RenewConcurrencyTokens()
    {
        foreach (var entry in ChangeTracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified))
            {
                continue;
            }

            switch (entry.Entity)
            {
                case Example example:
                    example.Version = Guid.NewGuid();
                    break;
                case Annotation annotation:
                    annotation.Version = Guid.NewGuid();
                    break;
            }
        }
    }
}

public sealed class SqliteStudioDbContext(DbContextOptions<SqliteStudioDbContext> options) : StudioDbContext(options);

public sealed class PostgresStudioDbContext(DbContextOptions<PostgresStudioDbContext> options) : StudioDbContext(options);
