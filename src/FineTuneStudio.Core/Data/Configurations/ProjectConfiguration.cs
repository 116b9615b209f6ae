using System.Text.Json;
using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
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

internal sealed class ProjectMemberConfiguration : IEntityTypeConfiguration<ProjectMember>
{
    public void Configure(EntityTypeBuilder<ProjectMember> builder)
    {
        builder.HasKey(m => new { m.ProjectId, m.UserId });
        builder.Property(m => m.Role).HasMaxLength(32);
        builder.HasOne(m => m.Project).WithMany().HasForeignKey(m => m.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(m => m.User).WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
        // "Which projects may this user see" is asked on every request.
        builder.HasIndex(m => m.UserId);
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
        // Rows made before answer styles existed read as the label text; the sentinel makes EF always write the value.
        builder.Property(d => d.AnswerStyle).HasDefaultValue(AnswerStyle.Label).HasSentinel((AnswerStyle)(-1));
        builder.Property(d => d.AnswerTemplate).HasMaxLength(2000);
        // A small map (one entry per label) kept as JSON text, so both providers store it the same way.
        builder.Property(d => d.LabelAnswers)
            .HasConversion(
                v => JsonSerializer.Serialize(v, (JsonSerializerOptions?)null),
                v => JsonSerializer.Deserialize<Dictionary<string, string>>(v, (JsonSerializerOptions?)null) ?? new Dictionary<string, string>(),
                new ValueComparer<Dictionary<string, string>>(
                    (a, b) => a!.Count == b!.Count && !a.Except(b).Any(),
                    v => v.Aggregate(0, (h, p) => HashCode.Combine(h, p.Key.GetHashCode(), p.Value.GetHashCode())),
                    v => new Dictionary<string, string>(v)))
            .HasDefaultValueSql("'{}'");
        builder.Property(d => d.LabelGuides)
            .HasConversion(
                v => JsonSerializer.Serialize(v, (JsonSerializerOptions?)null),
                v => JsonSerializer.Deserialize<Dictionary<string, LabelGuide>>(v, (JsonSerializerOptions?)null) ?? new Dictionary<string, LabelGuide>(),
                new ValueComparer<Dictionary<string, LabelGuide>>(
                    (a, b) => a!.Count == b!.Count && !a.Except(b).Any(),
                    v => v.Aggregate(0, (h, p) => HashCode.Combine(h, p.Key.GetHashCode(), p.Value.GetHashCode())),
                    v => new Dictionary<string, LabelGuide>(v)))
            .HasDefaultValueSql("'{}'");
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
        builder.Property(t => t.Format).HasMaxLength(64);
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
