namespace FineTuneStudio.Core.Domain;

/// <summary>Who did what to which entity, and when. Never holds example text or secrets.</summary>
public class AuditEvent
{
    public long Id { get; set; }
    public DateTime At { get; set; }
    public string? UserId { get; set; }
    public string UserName { get; set; } = "";
    /// <summary>Verb in dotted form, e.g. dataset.create.</summary>
    public required string Action { get; set; }
    public required string EntityType { get; set; }
    public string EntityId { get; set; } = "";
    public string Summary { get; set; } = "";
}
