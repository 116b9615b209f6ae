namespace FineTuneStudio.Core.Domain;

/// <summary>One use case, e.g. "classify support tickets by urgency". Owns everything else.</summary>
public class Project
{
    public int Id { get; set; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public List<Dataset> Datasets { get; set; } = [];
    public List<ReadinessAssessment> Assessments { get; set; } = [];
    public List<EvalSet> EvalSets { get; set; } = [];
}
