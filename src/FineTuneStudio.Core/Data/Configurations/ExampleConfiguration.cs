using FineTuneStudio.Core.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace FineTuneStudio.Core.Data.Configurations;

internal sealed class ExampleConfiguration : IEntityTypeConfiguration<Example>
{
    public void Configure(EntityTypeBuilder<Example> builder)
    {
        builder.HasOne(e => e.Dataset).WithMany(d => d.Examples).HasForeignKey(e => e.DatasetId).OnDelete(DeleteBehavior.Cascade);
        builder.HasMany(e => e.Messages).WithOne().HasForeignKey(m => m.ExampleId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(e => e.Label).HasMaxLength(200);
        builder.Property(e => e.ContentHash).HasMaxLength(64);
        builder.Property(e => e.RejectionReason).HasMaxLength(1000);
        builder.Property(e => e.CreatedById).HasMaxLength(450);
        builder.Property(e => e.ReviewedById).HasMaxLength(450);
        builder.Property(e => e.Version).IsConcurrencyToken();

        // The example list filters by dataset + status / label / split and pages by id.
        builder.HasIndex(e => new { e.DatasetId, e.Status, e.Id });
        // Unfiltered pages in id order: without it SQLite sorts the whole dataset for every page.
        builder.HasIndex(e => new { e.DatasetId, e.Id });
        builder.HasIndex(e => new { e.DatasetId, e.Label });
        builder.HasIndex(e => new { e.DatasetId, e.Split });
        builder.HasIndex(e => new { e.DatasetId, e.ContentHash });
        builder.HasIndex(e => new { e.DatasetId, e.UpdatedAt });
    }
}

internal sealed class ExampleMessageConfiguration : IEntityTypeConfiguration<ExampleMessage>
{
    public void Configure(EntityTypeBuilder<ExampleMessage> builder)
    {
        builder.Property(m => m.Name).HasMaxLength(64);
        builder.Property(m => m.ToolCallId).HasMaxLength(128);
        builder.HasIndex(m => new { m.ExampleId, m.Position }).IsUnique();
    }
}

internal sealed class AnnotationConfiguration : IEntityTypeConfiguration<Annotation>
{
    public void Configure(EntityTypeBuilder<Annotation> builder)
    {
        builder.HasOne(a => a.Example).WithMany(e => e.Annotations).HasForeignKey(a => a.ExampleId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne(a => a.Labeler).WithMany().HasForeignKey(a => a.LabelerId).OnDelete(DeleteBehavior.Restrict);
        builder.Property(a => a.Label).HasMaxLength(200);
        builder.Property(a => a.Version).IsConcurrencyToken();
        // One annotation per labeler and example; the queue looks up "mine" by labeler.
        builder.HasIndex(a => new { a.ExampleId, a.LabelerId }).IsUnique();
        builder.HasIndex(a => new { a.LabelerId, a.Submitted });
        builder.Property(a => a.SuggestedLabel).HasMaxLength(200);
        builder.Property(a => a.SuggestionSource).HasMaxLength(200);
    }
}

internal sealed class LabelSuggestionConfiguration : IEntityTypeConfiguration<LabelSuggestion>
{
    public void Configure(EntityTypeBuilder<LabelSuggestion> builder)
    {
        builder.HasOne(s => s.Example).WithMany().HasForeignKey(s => s.ExampleId).OnDelete(DeleteBehavior.Cascade);
        builder.Property(s => s.Label).HasMaxLength(200);
        builder.Property(s => s.Source).HasMaxLength(200);
        // One current suggestion per example: a new one replaces the old.
        builder.HasIndex(s => s.ExampleId).IsUnique();
    }
}
