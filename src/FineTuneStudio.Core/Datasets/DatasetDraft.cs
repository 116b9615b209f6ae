using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Core.Datasets;

/// <summary>One label as the edit form holds it: the name, its guide and, for per-label answers, its answer text.</summary>
public sealed class LabelRow
{
    public string Label { get; set; } = "";
    public string Description { get; set; } = "";
    public string Example { get; set; } = "";
    public string Answer { get; set; } = "";
}

/// <summary>
/// A dataset's settings while someone edits them. A label's guide and answer travel with its row, so renaming a
/// label keeps them and removing the row drops them; <see cref="DatasetService"/> checks the result.
/// </summary>
public sealed class DatasetDraft
{
    public string Name { get; set; } = "";
    public TaskKind TaskKind { get; set; } = TaskKind.Classification;
    public string CanonicalSystemPrompt { get; set; } = "";
    public string Guidelines { get; set; } = "";
    public int RequiredAnnotations { get; set; } = 1;
    public AnswerStyle AnswerStyle { get; set; } = AnswerStyle.Label;
    public string AnswerTemplate { get; set; } = "";
    public List<LabelRow> Rows { get; } = [];

    public bool IsClassification => TaskKind == TaskKind.Classification;

    /// <summary>The rows' labels, blank rows skipped, in order.</summary>
    public IReadOnlyList<string> Labels => Rows.Select(r => r.Label.Trim()).Where(l => l.Length > 0).ToList();

    public string GuidelinesHtml => GuidelinesRenderer.ToHtml(Guidelines);

    /// <summary>A new dataset starts as classification with three empty label rows, the smallest useful set plus one.</summary>
    public static DatasetDraft New()
    {
        var draft = new DatasetDraft();
        draft.Rows.AddRange([new LabelRow(), new LabelRow(), new LabelRow()]);
        return draft;
    }

    public static DatasetDraft From(DatasetSummary dataset)
    {
        var draft = new DatasetDraft
        {
            Name = dataset.Name,
            TaskKind = dataset.TaskKind,
            CanonicalSystemPrompt = dataset.CanonicalSystemPrompt,
            Guidelines = dataset.Guidelines,
            RequiredAnnotations = dataset.RequiredAnnotations,
            AnswerStyle = dataset.AnswerStyle,
            AnswerTemplate = dataset.AnswerTemplate,
        };
        draft.Rows.AddRange(dataset.Labels.Select(label => new LabelRow
        {
            Label = label,
            Description = dataset.GuideOf(label)?.Description ?? "",
            Example = dataset.GuideOf(label)?.Example ?? "",
            Answer = dataset.LabelAnswers is not null && dataset.LabelAnswers.TryGetValue(label, out var answer) ? answer : "",
        }));
        return draft;
    }

    public void AddRow() => Rows.Add(new LabelRow());

    public void RemoveRow(LabelRow row) => Rows.Remove(row);

    /// <summary>What the model would learn for the first label, or null while the style's text is incomplete.</summary>
    public string? AnswerPreview
    {
        get
        {
            if (!IsClassification || Labels.Count == 0 || (AnswerStyle == AnswerStyle.Template && !AnswerTemplate.Contains(Examples.AnswerTemplate.Placeholder, StringComparison.Ordinal)))
            {
                return null;
            }

            var first = Labels[0];
            return $"For '{first}' the model learns: {new AnswerTemplate(AnswerStyle, AnswerTemplate, Answers()).Render(first)}";
        }
    }

    public DatasetInput ToInput()
    {
        var rows = IsClassification ? Rows.Where(r => r.Label.Trim().Length > 0).ToList() : [];
        return new DatasetInput(
            Name,
            TaskKind,
            CanonicalSystemPrompt,
            Guidelines,
            IsClassification ? Labels : [],
            RequiredAnnotations,
            IsClassification ? AnswerStyle : AnswerStyle.Label,
            IsClassification ? AnswerTemplate : null,
            IsClassification && AnswerStyle == AnswerStyle.PerLabel ? Answers() : null,
            // Keyed as typed; the service matches the label's spelling and names a stray key.
            rows.GroupBy(r => r.Label.Trim()).ToDictionary(g => g.Key, g => new LabelGuide(g.First().Description, g.First().Example)));
    }

    private Dictionary<string, string> Answers() =>
        Rows.Where(r => r.Label.Trim().Length > 0).GroupBy(r => r.Label.Trim()).ToDictionary(g => g.Key, g => g.First().Answer, StringComparer.Ordinal);
}
