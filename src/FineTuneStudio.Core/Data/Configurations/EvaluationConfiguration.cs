using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTuneStudio.Core.Data.Configurations;

internal sealed class EvalSetConfiguration : IEntityTypeConfiguration<EvalSet>
{
    public void Configure(EntityTypeBuilder<EvalSet> builder)
    {
        builder.Property(s => s.Name).HasMaxLength(200);
        builder.HasOne(s => s.Project).WithMany(p => p.EvalSets).HasForeignKey(s => s.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(s => new { s.ProjectId, s.Name }).IsUnique();
        builder.HasMany(s => s.Items).WithOne().HasForeignKey(i => i.EvalSetId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class EvalItemConfiguration : IEntityTypeConfiguration<EvalItem>
{
    public void Configure(EntityTypeBuilder<EvalItem> builder)
    {
        builder.Property(i => i.ExternalId).HasMaxLength(128);
        builder.Property(i => i.Label).HasMaxLength(200);
        builder.Property(i => i.ContentHash).HasMaxLength(64);
        builder.HasIndex(i => new { i.EvalSetId, i.ExternalId }).IsUnique();
        builder.HasIndex(i => i.ContentHash);
        builder.HasIndex(i => i.SourceExampleId);
    }
}

internal sealed class EvalRunConfiguration : IEntityTypeConfiguration<EvalRun>
{
    public void Configure(EntityTypeBuilder<EvalRun> builder)
    {
        builder.Property(r => r.Name).HasMaxLength(200);
        builder.Property(r => r.Model).HasMaxLength(200);
        builder.Property(r => r.Provider).HasMaxLength(100);
        builder.Property(r => r.Endpoint).HasMaxLength(500);
        builder.Property(r => r.Error).HasMaxLength(2000);
        builder.HasOne(r => r.EvalSet).WithMany(s => s.Runs).HasForeignKey(r => r.EvalSetId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<DatasetVersion>().WithMany().HasForeignKey(r => r.DatasetVersionId).OnDelete(DeleteBehavior.SetNull);
        builder.HasMany(r => r.Results).WithOne().HasForeignKey(r => r.EvalRunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.EvalSetId, r.CreatedAt });
    }
}

internal sealed class EvalResultConfiguration : IEntityTypeConfiguration<EvalResult>
{
    public void Configure(EntityTypeBuilder<EvalResult> builder)
    {
        builder.HasOne<EvalItem>().WithMany().HasForeignKey(r => r.EvalItemId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.EvalRunId, r.EvalItemId }).IsUnique();
    }
}

internal sealed class ComparisonConfiguration : IEntityTypeConfiguration<Comparison>
{
    public void Configure(EntityTypeBuilder<Comparison> builder)
    {
        builder.Property(c => c.Name).HasMaxLength(200);
        builder.HasOne<EvalRun>().WithMany().HasForeignKey(c => c.RunAId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<EvalRun>().WithMany().HasForeignKey(c => c.RunBId).OnDelete(DeleteBehavior.Restrict);
        builder.HasMany(c => c.Judgements).WithOne().HasForeignKey(j => j.ComparisonId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class JudgementConfiguration : IEntityTypeConfiguration<Judgement>
{
    public void Configure(EntityTypeBuilder<Judgement> builder)
    {
        builder.Property(j => j.ReviewerId).HasMaxLength(450);
        builder.Property(j => j.Reason).HasMaxLength(2000);
        builder.HasOne<EvalItem>().WithMany().HasForeignKey(j => j.EvalItemId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(j => new { j.ComparisonId, j.EvalItemId, j.ReviewerId }).IsUnique();
    }
}

internal sealed class TrainingMetricsConfiguration : IEntityTypeConfiguration<TrainingMetrics>
{
    public void Configure(EntityTypeBuilder<TrainingMetrics> builder)
    {
        builder.Property(t => t.Name).HasMaxLength(200);
        builder.Property(t => t.Format).HasMaxLength(32);
        builder.HasOne<Project>().WithMany().HasForeignKey(t => t.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<DatasetVersion>().WithMany().HasForeignKey(t => t.DatasetVersionId).OnDelete(DeleteBehavior.SetNull);
        builder.HasMany(t => t.Points).WithOne().HasForeignKey(p => p.TrainingMetricsId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(t => new { t.ProjectId, t.ImportedAt });
    }
}

internal sealed class TrainingMetricPointConfiguration : IEntityTypeConfiguration<TrainingMetricPoint>
{
    public void Configure(EntityTypeBuilder<TrainingMetricPoint> builder)
    {
        builder.HasIndex(p => new { p.TrainingMetricsId, p.Step });
    }
}
