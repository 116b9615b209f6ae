using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTuneStudio.Core.Data.Configurations;

internal sealed class ProductionLogConfiguration : IEntityTypeConfiguration<ProductionLog>
{
    public void Configure(EntityTypeBuilder<ProductionLog> builder)
    {
        builder.HasOne(l => l.Project).WithMany().HasForeignKey(l => l.ProjectId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<Example>().WithMany().HasForeignKey(l => l.PromotedExampleId).OnDelete(DeleteBehavior.SetNull);
        builder.Property(l => l.Model).HasMaxLength(200);
        builder.Property(l => l.ContentHash).HasMaxLength(64);
        builder.Property(l => l.PersonalDataKinds).HasMaxLength(200);
        builder.Property(l => l.ImportedByName).HasMaxLength(256);

        // The logs table and the drift report filter by project and time; import dedupes by hash.
        builder.HasIndex(l => new { l.ProjectId, l.LoggedAt });
        builder.HasIndex(l => new { l.ProjectId, l.ContentHash });
        builder.HasIndex(l => new { l.ProjectId, l.Rating });
    }
}
