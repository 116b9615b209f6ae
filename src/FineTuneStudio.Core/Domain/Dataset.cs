namespace FineTuneStudio.Core.Domain;

public class Dataset
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }
    public required string Name { get; set; }
    public TaskKind TaskKind { get; set; }
    public string CanonicalSystemPrompt { get; set; } = "";
    /// <summary>Labeling guidelines in Markdown.</summary>
    public string Guidelines { get; set; } = "";
    /// <summary>The allowed class labels, for classification datasets.</summary>
    public List<string> Labels { get; set; } = [];
    /// <summary>How many independent annotations an example needs before review.</summary>
    public int RequiredAnnotations { get; set; } = 1;
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    public List<Example> Examples { get; set; } = [];
    public List<DatasetVersion> Versions { get; set; } = [];
}
