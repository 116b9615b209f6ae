using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTuneStudio.Core.Data.Configurations;

internal sealed class DatasetVersionConfiguration : IEntityTypeConfiguration<DatasetVersion>
{
    public void Configure(EntityTypeBuilder<DatasetVersion> builder)
    {
        builder.HasOne(v => v.Dataset).WithMany(d => d.Versions).HasForeignKey(v => v.DatasetId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(v => v.Target).HasMaxLength(64);
        builder.Property(v => v.AuthorId).HasMaxLength(450);
        builder.Property(v => v.AuthorName).HasMaxLength(256);
        builder.Property(v => v.StoragePath).HasMaxLength(500);
        builder.HasIndex(v => new { v.DatasetId, v.Number }).IsUnique();
        builder.HasMany(v => v.Files).WithOne().HasForeignKey(f => f.DatasetVersionId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(v => v.Examples).WithOne().HasForeignKey(e => e.DatasetVersionId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class DatasetVersionFileConfiguration : IEntityTypeConfiguration<DatasetVersionFile>
{
    public void Configure(EntityTypeBuilder<DatasetVersionFile> builder)
    {
        builder.Property(f => f.Name).HasMaxLength(100);
        builder.Property(f => f.Sha256).HasMaxLength(64);
        builder.HasIndex(f => new { f.DatasetVersionId, f.Name }).IsUnique();
    }
}

internal sealed class DatasetVersionExampleConfiguration : IEntityTypeConfiguration<DatasetVersionExample>
{
    public void Configure(EntityTypeBuilder<DatasetVersionExample> builder)
    {
        builder.HasKey(e => new { e.DatasetVersionId, e.ExampleId });
        builder.Property(e => e.ContentHash).HasMaxLength(64);
        builder.HasIndex(e => e.ExampleId);
    }
}
