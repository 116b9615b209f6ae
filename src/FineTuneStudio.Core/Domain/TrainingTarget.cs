namespace FineTuneStudio.Core.Domain;

/// <summary>
/// A place a model can be fine-tuned (a hosted API or an open trainer), with the limits and price
/// the estimates use. Seeded with example values; admins edit them to match their contract.
/// </summary>
public class TrainingTarget
{
    public int Id { get; set; }
    /// <summary>Stable key, e.g. openai-chat; export profiles use the same keys.</summary>
    public required string Key { get; set; }
    public required string Name { get; set; }
    /// <summary>The file rules its files follow: the key of one of the built-in formats (openai-chat, hf-messages, …).</summary>
    public string Format { get; set; } = "";
    /// <summary>"hosted" or "open".</summary>
    public string Kind { get; set; } = "hosted";
    public int MinExamples { get; set; }
    public int TokenLimitPerExample { get; set; }
    /// <summary>Training price in USD per million trained tokens (double: SQLite cannot order decimals).</summary>
    public double PricePerMillionTokens { get; set; }
    /// <summary>"available", "closing" or "closed".</summary>
    public string Status { get; set; } = "available";
    /// <summary>The day new jobs stop being accepted, for a closing target.</summary>
    public DateTime? ClosesOn { get; set; }
    public string Notice { get; set; } = "";
    public string Alternatives { get; set; } = "";
    public DateTime UpdatedAt { get; set; }
}
