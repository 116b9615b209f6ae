using System.Text.Encodings.Web;
using System.Text.Json;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Examples;

/// <summary>
/// Turns a class label into the assistant answer the model learns, so a dataset of text + label (a spreadsheet of
/// tickets and their urgency) becomes chat training data. Pure: the dataset's settings come in once.
/// </summary>
public sealed record AnswerTemplate(AnswerStyle Style, string Text, IReadOnlyDictionary<string, string> PerLabel)
{
    public const string Placeholder = "{label}";
    public const string DefaultJsonKey = "label";
    public const int MaxTextLength = 2000;

    public static AnswerTemplate LabelText { get; } = new(AnswerStyle.Label, "", new Dictionary<string, string>());

    private static readonly JsonSerializerOptions JsonAnswer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static AnswerTemplate Of(Dataset dataset) => new(dataset.AnswerStyle, dataset.AnswerTemplate, dataset.LabelAnswers);

    /// <summary>The answer for one label, as the model will see it.</summary>
    public string Render(string label) => Style switch
    {
        AnswerStyle.Template => Text.Replace(Placeholder, label, StringComparison.Ordinal),
        AnswerStyle.Json => JsonSerializer.Serialize(new Dictionary<string, string> { [JsonKey] = label }, JsonAnswer),
        AnswerStyle.PerLabel => PerLabel.TryGetValue(label, out var answer) && !string.IsNullOrWhiteSpace(answer) ? answer : label,
        _ => label,
    };

    private string JsonKey => string.IsNullOrWhiteSpace(Text) ? DefaultJsonKey : Text.Trim();

    /// <summary>
    /// The example as a trainer reads it: a labelled example without an assistant turn gets the rendered answer as its
    /// last turn. Examples that already answer (or are preference pairs, or have no label) are returned unchanged.
    /// </summary>
    public ExampleContent Complete(ExampleContent content) =>
        NeedsAnswer(content) ? content with { Messages = [.. content.Messages, new MessageContent(MessageRole.Assistant, Render(content.Label!))] } : content;

    /// <summary>The rendered answer when <see cref="Complete"/> would add one; otherwise null.</summary>
    public string? AnswerFor(ExampleContent content) => NeedsAnswer(content) ? Render(content.Label!) : null;

    private static bool NeedsAnswer(ExampleContent content) =>
        !string.IsNullOrWhiteSpace(content.Label)
        && content.PreferredCompletion is null
        && content.Messages.Count > 0
        && content.Messages.All(m => m.Role != MessageRole.Assistant);

    /// <summary>Every problem with a style, its text and the per-label answers, against the dataset's labels.</summary>
    public static List<InputError> Check(AnswerStyle style, string? text, IReadOnlyDictionary<string, string>? perLabel, IReadOnlyList<string> labels)
    {
        var errors = new List<InputError>();
        if (!Enum.IsDefined(style))
        {
            errors.Add(new InputError("answerStyle", "use Label, Template, Json or PerLabel"));
            return errors;
        }

        text ??= "";
        if (text.Length > MaxTextLength)
        {
            errors.Add(new InputError("answerTemplate", $"may have at most {MaxTextLength} characters"));
        }

        switch (style)
        {
            case AnswerStyle.Template when !text.Contains(Placeholder, StringComparison.Ordinal):
                errors.Add(new InputError("answerTemplate", $"a template needs {Placeholder} where the label goes, as in \"Urgency: {Placeholder}\""));
                break;
            case AnswerStyle.Json when text.Trim().Length > 64:
                errors.Add(new InputError("answerTemplate", "the JSON key may have at most 64 characters"));
                break;
            case AnswerStyle.PerLabel:
                var answers = perLabel ?? new Dictionary<string, string>();
                var missing = labels.Where(l => !answers.TryGetValue(l, out var a) || string.IsNullOrWhiteSpace(a)).ToList();
                if (missing.Count > 0)
                {
                    errors.Add(new InputError("labelAnswers", $"{missing.Count} label(s) have no answer text: {ListText.Capped(missing, 10)}"));
                }

                var unknown = answers.Keys.Where(k => !labels.Contains(k, StringComparer.Ordinal)).ToList();
                if (unknown.Count > 0)
                {
                    errors.Add(new InputError("labelAnswers", $"answers for labels the dataset does not have: {ListText.Capped(unknown, 10)}"));
                }

                if (answers.Values.Any(a => a.Length > MaxTextLength))
                {
                    errors.Add(new InputError("labelAnswers", $"an answer may have at most {MaxTextLength} characters"));
                }

                break;
        }

        return errors;
    }
}
