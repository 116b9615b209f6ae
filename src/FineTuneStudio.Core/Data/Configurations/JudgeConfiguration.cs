using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTuneStudio.Core.Data.Configurations;

internal sealed class JudgeEntityConfiguration : IEntityTypeConfiguration<Judge>
{
    public void Configure(EntityTypeBuilder<Judge> builder)
    {
        builder.Property(j => j.Name).HasMaxLength(200);
        builder.HasOne<Project>().WithMany().HasForeignKey(j => j.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(j => new { j.ProjectId, j.Name }).IsUnique();
        builder.HasMany(j => j.Versions).WithOne(v => v.Judge).HasForeignKey(v => v.JudgeId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class JudgeVersionConfiguration : IEntityTypeConfiguration<JudgeVersion>
{
    public void Configure(EntityTypeBuilder<JudgeVersion> builder)
    {
        builder.Property(v => v.Rubric).HasMaxLength(20000);
        builder.Property(v => v.Endpoint).HasMaxLength(100);
        builder.Property(v => v.Model).HasMaxLength(200);
        builder.Property(v => v.CreatedBy).HasMaxLength(450);
        builder.HasIndex(v => new { v.JudgeId, v.Number }).IsUnique();
    }
}

internal sealed class JudgeRunConfiguration : IEntityTypeConfiguration<JudgeRun>
{
    public void Configure(EntityTypeBuilder<JudgeRun> builder)
    {
        builder.Property(r => r.Error).HasMaxLength(2000);
        builder.Property(r => r.CreatedBy).HasMaxLength(450);
        builder.HasOne(r => r.JudgeVersion).WithMany().HasForeignKey(r => r.JudgeVersionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Comparison>().WithMany().HasForeignKey(r => r.ComparisonId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<EvalRun>().WithMany().HasForeignKey(r => r.EvalRunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(r => r.Verdicts).WithOne().HasForeignKey(v => v.JudgeRunId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(r => new { r.ComparisonId, r.CreatedAt });
    }
}

internal sealed class JudgeVerdictConfiguration : IEntityTypeConfiguration<JudgeVerdict>
{
    public void Configure(EntityTypeBuilder<JudgeVerdict> builder)
    {
        builder.Property(v => v.ReasoningAFirst).HasMaxLength(8000);
        builder.Property(v => v.ReasoningBFirst).HasMaxLength(8000);
        builder.Property(v => v.Error).HasMaxLength(2000);
        builder.HasOne<EvalItem>().WithMany().HasForeignKey(v => v.EvalItemId).OnDelete(DeleteBehavior.Cascade);
        builder.HasIndex(v => new { v.JudgeRunId, v.EvalItemId }).IsUnique();
    }
}
