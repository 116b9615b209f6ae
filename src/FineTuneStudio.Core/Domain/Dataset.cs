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
    /// <summary>How a label becomes the answer the model learns (classification).</summary>
    public AnswerStyle AnswerStyle { get; set; } = AnswerStyle.Label;
    /// <summary>For <see cref="AnswerStyle.Template"/> the text with <c>{label}</c>; for <see cref="AnswerStyle.Json"/> the key.</summary>
    public string AnswerTemplate { get; set; } = "";
    /// <summary>For <see cref="AnswerStyle.PerLabel"/>: the answer text of each label.</summary>
    public Dictionary<string, string> LabelAnswers { get; set; } = [];
    /// <summary>What each label means and one example of it, shown to labelers beside the guidelines and on the label chips.</summary>
    public Dictionary<string, LabelGuide> LabelGuides { get; set; } = [];
    /// <summary>How many independent annotations an example needs before review.</summary>
    public int RequiredAnnotations { get; set; } = 1;
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>Set when an ML lead archives the dataset: it leaves the lists and takes no new work, its versions stay downloadable.</summary>
    public DateTime? ArchivedAt { get; set; }

    public List<Example> Examples { get; set; } = [];
    public List<DatasetVersion> Versions { get; set; } = [];

    /// <summary>The one wording of "archived, so no new work", for every path that adds examples.</summary>
    public static void RefuseIfArchived(string name, DateTime? archivedAt, string what)
    {
        if (archivedAt is not null)
        {
            throw new ConflictException($"Dataset '{name}' is archived, so it takes no {what}; an ML lead can restore it on the Datasets page.");
        }
    }
}

/// <summary>A label's meaning in a sentence and one short example of an input that carries it.</summary>
public sealed record LabelGuide(string Description, string Example);
