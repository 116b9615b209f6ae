namespace FineTuneStudio.Core.Domain;

/// <summary>
/// One logged production request and the model's answer, imported from a traffic log. Kept apart
/// from examples: a log becomes training data only when someone promotes it to a Draft example.
/// </summary>
public class ProductionLog
{
    public long Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }

    /// <summary>When the request was served (UTC), from the log.</summary>
    public DateTime LoggedAt { get; set; }
    /// <summary>The request messages as a JSON array of {role, content}; a plain prompt becomes one user message.</summary>
    public string MessagesJson { get; set; } = "[]";
    /// <summary>The user-side text of the request (every user turn), which drift analysis compares with training inputs.</summary>
    public string InputText { get; set; } = "";
    public string Response { get; set; } = "";
    public string? Model { get; set; }
    public int? LatencyMs { get; set; }
    /// <summary>The end user's rating as logged (any integer scale the team uses, e.g. 1-5 or -1/1).</summary>
    public int? Rating { get; set; }

    /// <summary>SHA-256 (hex) of request + response; a re-imported line is skipped.</summary>
    public string ContentHash { get; set; } = "";
    /// <summary>Lower-cased request and response text, for search.</summary>
    public string SearchText { get; set; } = "";
    /// <summary>Kinds of likely personal data found at import, comma separated (e.g. "Email,Phone"); empty when none.</summary>
    public string PersonalDataKinds { get; set; } = "";

    /// <summary>The Draft example made from this log, once promoted.</summary>
    public int? PromotedExampleId { get; set; }
    public DateTime ImportedAt { get; set; }
    public string ImportedByName { get; set; } = "";
}
