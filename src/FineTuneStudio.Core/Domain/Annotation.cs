namespace FineTuneStudio.Core.Domain;

/// <summary>One labeler's judgement of one example; several per example make agreement measurable.</summary>
public class Annotation
{
    public int Id { get; set; }
    public int ExampleId { get; set; }
    public Example? Example { get; set; }
    public required string LabelerId { get; set; }
    public StudioUser? Labeler { get; set; }
    public string? Label { get; set; }
    public int? Rating { get; set; }
    public string? CorrectedOutput { get; set; }
    public string Comment { get; set; } = "";
    public int SecondsSpent { get; set; }
    /// <summary>False while the labeler is still working on it; only submitted annotations count.</summary>
    public bool Submitted { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public Guid Version { get; set; }
}
