namespace FineTuneStudio.Core.Domain;

/// <summary>One run of the quality analysis over a dataset; the latest completed run is what the page shows.</summary>
public class QualityRun
{
    public int Id { get; set; }
    public int DatasetId { get; set; }
    public QualityRunStatus Status { get; set; }
    public DateTime StartedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public int ExamplesAnalyzed { get; set; }
    public int FindingCount { get; set; }
    /// <summary>The full report as JSON.</summary>
    public string ReportJson { get; set; } = "{}";
    public string? Error { get; set; }
    public string StartedByName { get; set; } = "";
}
