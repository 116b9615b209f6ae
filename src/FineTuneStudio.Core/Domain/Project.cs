namespace FineTuneStudio.Core.Domain;

/// <summary>One use case, e.g. "classify support tickets by urgency". Owns everything else.</summary>
public class Project
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>Days between retrainings; null takes the cadence answered in the latest readiness assessment.</summary>
    public int? RetrainingCadenceDays { get; set; }
    /// <summary>Drift level (0-1, on the report's scale) above which the project is alerted; null means the default.</summary>
    public double? DriftThreshold { get; set; }

    public List<Dataset> Datasets { get; set; } = [];
    public List<ReadinessAssessment> Assessments { get; set; } = [];
    public List<EvalSet> EvalSets { get; set; } = [];
}
