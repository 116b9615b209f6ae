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
    /// <summary>The label suggested to the labeler when they judged the example (null: judged without one).</summary>
    public string? SuggestedLabel { get; set; }
    /// <summary>Where that suggestion came from, e.g. "eval run 12" or "endpoint local-llm".</summary>
    public string? SuggestionSource { get; set; }

    /// <summary>A labeler's first save of their judgement of an example.</summary>
    public static Annotation Start(string labelerId, DateTime now) => new() { LabelerId = labelerId, CreatedAt = now };

    /// <summary>Records the suggestion the labeler was shown (null when none), kept from the save that first gave the annotation a label.</summary>
    public void RecordShownSuggestion(string? label, string? source)
    {
        SuggestedLabel = label;
        SuggestionSource = label is null ? null : source;
    }

    /// <summary>
    /// Saves the judgement, adding the time spent to the time spent before; <paramref name="submit"/> makes it
    /// final. A submitted annotation takes no more changes.
    /// </summary>
    public void Record(string? label, int? rating, string? correctedOutput, string comment, int secondsSpent, bool submit, DateTime now)
    {
        if (Submitted)
        {
            throw new InvalidOperationException($"The annotation of {LabelerId} is submitted; it is final.");
        }

        Label = label;
        Rating = rating;
        CorrectedOutput = string.IsNullOrWhiteSpace(correctedOutput) ? null : correctedOutput;
        Comment = comment;
        SecondsSpent += secondsSpent;
        Submitted = submit;
        UpdatedAt = now;
        // Renewed on every change, as an example's is.
        Version = Guid.NewGuid();
    }
}
