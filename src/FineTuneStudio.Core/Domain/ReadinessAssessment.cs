namespace FineTuneStudio.Core.Domain;

/// <summary>
/// One pass through the readiness questionnaire. Immutable once submitted: a new assessment is a
/// new row, which keeps the history and the trend.
/// </summary>
public class ReadinessAssessment
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }
    public AssessmentStatus Status { get; set; }
    /// <summary>Answers keyed by question id, as JSON.</summary>
    public string AnswersJson { get; set; } = "{}";
    /// <summary>The scoring result (dimension scores, reasons, blockers, next steps) as JSON.</summary>
    public string? ResultJson { get; set; }
    public string? Verdict { get; set; }
    /// <summary>The training target the estimates were made for.</summary>
    public string? TargetKey { get; set; }
    /// <summary>Effort and cost estimates as JSON.</summary>
    public string? EstimateJson { get; set; }
    public int? OverallScore { get; set; }
    public string? CreatedById { get; set; }
    public string CreatedByName { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? SubmittedAt { get; set; }
}
