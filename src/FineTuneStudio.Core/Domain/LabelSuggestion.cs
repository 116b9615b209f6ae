namespace FineTuneStudio.Core.Domain;

/// <summary>
/// A label proposed for an example before a person judges it: from a model's predictions (an eval run's outputs)
/// or a configured endpoint. One current suggestion per example; the annotation keeps what was shown.
/// </summary>
public class LabelSuggestion
{
    public int Id { get; set; }
    public int ExampleId { get; set; }
    public Example? Example { get; set; }
    public required string Label { get; set; }
    /// <summary>Where it came from, e.g. "eval run 12" or "endpoint local-llm".</summary>
    public required string Source { get; set; }
    /// <summary>The model's confidence from 0 to 1 when it gave one.</summary>
    public double? Confidence { get; set; }
    public DateTime CreatedAt { get; set; }
}
