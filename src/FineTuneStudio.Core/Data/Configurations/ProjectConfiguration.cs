using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTuneStudio.Core.Data.Configurations;

internal sealed class ProjectConfiguration : IEntityTypeConfiguration<Project>
{
    public void Configure(EntityTypeBuilder<Project> builder)
    {
        builder.Property(p => p.Name).HasMaxLength(200);
        builder.Property(p => p.Description).HasMaxLength(4000);
        builder.HasIndex(p => p.Name).IsUnique();
    }
}

internal sealed class ReadinessAssessmentConfiguration : IEntityTypeConfiguration<ReadinessAssessment>
{
    public void Configure(EntityTypeBuilder<ReadinessAssessment> builder)
    {
        builder.Property(a => a.Verdict).HasMaxLength(64);
        builder.Property(a => a.TargetKey).HasMaxLength(64);
        builder.Property(a => a.CreatedById).HasMaxLength(450);
        builder.Property(a => a.CreatedByName).HasMaxLength(256);
        builder.HasOne(a => a.Project).WithMany(p => p.Assessments).HasForeignKey(a => a.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(a => new { a.ProjectId, a.CreatedAt });
    }
}

internal sealed class DatasetConfiguration : IEntityTypeConfiguration<Dataset>
{
    public void Configure(EntityTypeBuilder<Dataset> builder)
    {
        builder.Property(d => d.Name).HasMaxLength(200);
        builder.HasOne(d => d.Project).WithMany(p => p.Datasets).HasForeignKey(d => d.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(d => new { d.ProjectId, d.Name }).IsUnique();
    }
}

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> builder)
    {
        builder.Property(a => a.UserId).HasMaxLength(450);
        builder.Property(a => a.UserName).HasMaxLength(256);
        builder.Property(a => a.Action).HasMaxLength(64);
        builder.Property(a => a.EntityType).HasMaxLength(64);
        builder.Property(a => a.EntityId).HasMaxLength(64);
        builder.Property(a => a.Summary).HasMaxLength(1000);
        builder.HasIndex(a => a.At);
        builder.HasIndex(a => new { a.EntityType, a.EntityId });
    }
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> builder)
    {
        builder.Property(t => t.Name).HasMaxLength(100);
        builder.Property(t => t.Prefix).HasMaxLength(16);
        builder.Property(t => t.SecretHash).HasMaxLength(64);
        builder.HasIndex(t => t.SecretHash).IsUnique();
        builder.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TrainingTargetConfiguration : IEntityTypeConfiguration<TrainingTarget>
{
    public void Configure(EntityTypeBuilder<TrainingTarget> builder)
    {
        builder.Property(t => t.Key).HasMaxLength(64);
        builder.Property(t => t.Name).HasMaxLength(200);
        builder.Property(t => t.Kind).HasMaxLength(16);
        builder.Property(t => t.Status).HasMaxLength(16);
        builder.Property(t => t.Notice).HasMaxLength(2000);
        builder.Property(t => t.Alternatives).HasMaxLength(2000);
        builder.HasIndex(t => t.Key).IsUnique();
    }
}

internal sealed class QualityRunConfiguration : IEntityTypeConfiguration<QualityRun>
{
    public void Configure(EntityTypeBuilder<QualityRun> builder)
    {
        builder.Property(r => r.StartedByName).HasMaxLength(256);
        builder.Property(r => r.Error).HasMaxLength(2000);
        builder.HasOne<Dataset>().WithMany().HasForeignKey(r => r.DatasetId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.DatasetId, r.StartedAt });
    }
}
