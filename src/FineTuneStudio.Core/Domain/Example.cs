namespace FineTuneStudio.Core.Domain;

public class Example
{
    public int Id { get; set; }
    public int DatasetId { get; set; }
    public Dataset? Dataset { get; set; }

    /// <summary>Ordered conversation turns; <see cref="ExampleMessage.Position"/> keeps the order.</summary>
    public List<ExampleMessage> Messages { get; set; } = [];

    /// <summary>Tool (function) definitions offered to the model in this conversation, as a JSON array.</summary>
    public string? ToolsJson { get; set; }

    /// <summary>Preferred completion of a preference pair.</summary>
    public string? PreferredCompletion { get; set; }
    /// <summary>Rejected completion of a preference pair.</summary>
    public string? RejectedCompletion { get; set; }

    public string? Label { get; set; }
    public int? Rating { get; set; }
    public string? CorrectedOutput { get; set; }
    public List<string> Tags { get; set; } = [];
    public string Notes { get; set; } = "";

    public ExampleSource Source { get; set; }
    public ExampleStatus Status { get; set; }
    public string? RejectionReason { get; set; }
    public SplitPin Split { get; set; }

    /// <summary>Who approved, rejected or adjudicated the example last, and when.</summary>
    public string? ReviewedById { get; set; }
    public DateTime? ReviewedAt { get; set; }

    /// <summary>SHA-256 (hex) of the normalised content, for duplicate detection and import dedupe.</summary>
    public string ContentHash { get; set; } = "";
    /// <summary>Lower-cased text of every message, for search without loading messages.</summary>
    public string SearchText { get; set; } = "";

    public string? CreatedById { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>App-set optimistic concurrency token: changes on every save.</summary>
    public Guid Version { get; set; }

    public List<Annotation> Annotations { get; set; } = [];
}

public class ExampleMessage
{
    public int Id { get; set; }
    public int ExampleId { get; set; }
    public int Position { get; set; }
    public MessageRole Role { get; set; }
    /// <summary>Optional when an assistant turn carries tool calls.</summary>
    public string? Content { get; set; }
    public string? Name { get; set; }
    /// <summary>Assistant tool calls as a JSON array in OpenAI's shape.</summary>
    public string? ToolCallsJson { get; set; }
    /// <summary>For role tool: the id of the call this message answers.</summary>
    public string? ToolCallId { get; set; }
    /// <summary>Training weight of an assistant turn: 1 trains on it, 0 masks it, null means default (1).</summary>
    public int? Weight { get; set; }
}
