using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTuneStudio.Core.Data.Configurations;

internal sealed class JobLeaseConfiguration : IEntityTypeConfiguration<JobLease>
{
    public void Configure(EntityTypeBuilder<JobLease> builder)
    {
        // The key makes a second claim on the same work fail on insert, on every provider.
        builder.HasKey(l => new { l.Kind, l.Key });
        builder.Property(l => l.Kind).HasMaxLength(32);
        builder.Property(l => l.Key).HasMaxLength(64);
        builder.Property(l => l.Owner).HasMaxLength(200);
    }
}
