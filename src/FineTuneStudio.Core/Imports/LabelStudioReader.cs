using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using static FineTuneStudio.Core.Imports.JsonReading;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// A task of Label Studio's JSON export: <c>{"id", "data": {...}, "annotations": [{"result": [...], "was_cancelled"}]}</c>.
/// <list type="bullet">
/// <item>The user turn is the first text field of <c>data</c>: <c>text</c>, <c>prompt</c>, <c>question</c> or
/// <c>input</c>, else its only string.</item>
/// <item>Of the annotations, the latest one not cancelled is read (by <c>updated_at</c>/<c>created_at</c>, else the
/// last in the list). Its <c>choices</c> result gives the label (the first choice), a <c>textarea</c> result the
/// assistant's answer, a <c>rating</c> result the tag <c>rating:N</c> (an example has no rating of its own; a tag
/// keeps it searchable without a schema change). Other result types are warned about.</item>
/// <item>A task without a usable annotation imports as an unlabelled user-only example.</item>
/// </list>
/// Task bookkeeping keys (dates, project, predictions, drafts...) carry no content and are dropped silently.
/// Label Studio's JSON-MIN export flattens a task into one object: the task's fields, each result under its control's
/// name (<see cref="MapMin"/>), and <c>annotation_id</c>, <c>annotator</c>, <c>lead_time</c> and the dates.
/// </summary>
internal static class LabelStudioReader
{
    public static readonly string[] RecordKeys =
    [
        "data", "annotations", "predictions", "drafts", "meta", "created_at", "updated_at", "inner_id", "project",
        "total_annotations", "cancelled_annotations", "total_predictions", "comment_count", "unresolved_comment_count",
        "last_comment_updated_at", "updated_by", "comment_authors", "file_upload", "annotators", "is_labeled",
        "overlap", "storage_filename",
    ];

    private static readonly string[] TextKeys = ["text", "prompt", "question", "input"];
    private static readonly string[] AnswerKeys = ["answer", "response", "output", "completion"];

    /// <summary>What JSON-MIN adds of its own beside the task's fields and the results.</summary>
    private static readonly string[] MinKeys = ["id", "annotation_id", "annotator", "lead_time", "created_at", "updated_at", "inner_id"];

    /// <summary>A JSON-MIN line: no <c>data</c>, and the annotation's own keys at the top.</summary>
    public static bool IsMin(JsonElement record) =>
        !record.TryGetProperty("data", out _) && record.TryGetProperty("annotation_id", out _)
        && (record.TryGetProperty("annotator", out _) || record.TryGetProperty("lead_time", out _));

    /// <summary>The keys a record's reading accounts for: JSON-MIN names its results after the project's controls, so all of them.</summary>
    public static string[] KnownKeys(JsonElement record) => IsMin(record) ? [.. record.EnumerateObject().Select(p => p.Name)] : RecordKeys;

    /// <summary>
    /// A JSON-MIN line. The user turn is its text field (as in <c>data</c>), an answer field the assistant's turn; every
    /// other key but JSON-MIN's own is a result under its control's name: a text (a single choice) is the label,
    /// <c>{"choices": [...]}</c> (a multiple choice) gives its first as the label, a whole number is a rating
    /// (<c>rating:N</c>), a list of texts (a text area) is the answer. Two results that could each be the label are
    /// refused by name rather than one picked.
    /// </summary>
    private static AnnotatedContent? MapMin(JsonElement record, RecordIssues issues)
    {
        var textKey = FirstString(record, TextKeys, except: null);
        if (textKey is null)
        {
            issues.Add("text", "is missing; a JSON-MIN line needs the task's text (text, prompt, question or input)");
            return null;
        }

        var answerKey = FirstString(record, AnswerKeys, except: textKey);
        string? answer = answerKey is null ? null : record.GetProperty(answerKey).GetString();
        var labels = new List<(string Key, string Value)>();
        var tags = new List<string>();
        foreach (var field in record.EnumerateObject().Where(p => p.Name != textKey && p.Name != answerKey && !MinKeys.Contains(p.Name)))
        {
            var value = field.Value;
            if (value.ValueKind == JsonValueKind.String)
            {
                labels.Add((field.Name, value.GetString()!));
            }
            else if (value.ValueKind == JsonValueKind.Object && Strings(value, "choices", $"{field.Name}.choices", issues) is { Count: > 0 } choices)
            {
                labels.Add((field.Name, choices[0]));
                if (choices.Count > 1)
                {
                    issues.Warn($"{field.Name}.choices", $"{choices.Count} choices; the first ('{Shorten(choices[0])}') is the label, the rest are not imported");
                }
            }
            else if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var stars))
            {
                tags.Add($"rating:{stars}");
            }
            else if (value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) && value.GetArrayLength() > 0)
            {
                answer ??= string.Join("\n", value.EnumerateArray().Select(v => v.GetString()));
            }
            else if (value.ValueKind != JsonValueKind.Object)
            {
                issues.Warn(field.Name, $"a {Describe(value)} result is not imported; only choices, text areas and ratings are");
            }
        }

        if (labels.Count > 1)
        {
            issues.Add(labels[1].Key, $"and {labels[0].Key} could each be the label; keep one choice control in the export, or import the full JSON export");
            return null;
        }

        return Annotated(record.GetProperty(textKey).GetString(), answer, labels.Count == 1 ? labels[0].Value : null, tags);
    }

    /// <summary>The first of <paramref name="keys"/> that holds a string, other than <paramref name="except"/>.</summary>
    private static string? FirstString(JsonElement owner, string[] keys, string? except) =>
        keys.FirstOrDefault(k => k != except && owner.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String);

    /// <summary>The task's text as the user turn, its answer (when there is one) as the assistant's, with label and tags.</summary>
    private static AnnotatedContent Annotated(string? text, string? answer, string? label, List<string> tags)
    {
        List<MessageContent> messages = [new MessageContent(MessageRole.User, text)];
        if (!string.IsNullOrWhiteSpace(answer))
        {
            messages.Add(new MessageContent(MessageRole.Assistant, answer));
        }

        return new AnnotatedContent(new ExampleContent(messages), label, tags);
    }

    public static AnnotatedContent? Map(JsonElement record, RecordIssues issues)
    {
        if (IsMin(record))
        {
            return MapMin(record, issues);
        }

        if (!record.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            issues.Add("data", data.ValueKind == JsonValueKind.Undefined ? "is missing" : $"must be an object of task fields, found {Describe(data)}");
            return null;
        }

        var textKey = FirstString(data, TextKeys, except: null);
        if (textKey is null)
        {
            var strings = data.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToList();
            if (strings.Count != 1)
            {
                issues.Add("data", "has no text field; expected text, prompt, question or input (or exactly one string)");
                return null;
            }

            textKey = strings[0].Name;
        }

        var answerKey = FirstString(data, AnswerKeys, except: textKey);
        foreach (var field in data.EnumerateObject().Where(p => p.Name != textKey && p.Name != answerKey))
        {
            issues.Warn($"data.{field.Name}", "task field not imported");
        }

        string? label = null;
        string? answer = answerKey is null ? null : data.GetProperty(answerKey).GetString();
        var tags = new List<string>();
        if (Latest(record, issues) is { } annotation)
        {
            ReadResults(annotation.Element, $"annotations[{annotation.Index}].result", issues, ref label, ref answer, tags);
        }

        return Annotated(data.GetProperty(textKey).GetString(), answer, label, tags);
    }

    private static (JsonElement Element, int Index)? Latest(JsonElement record, RecordIssues issues)
    {
        if (!record.TryGetProperty("annotations", out var annotations) || annotations.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (annotations.ValueKind != JsonValueKind.Array)
        {
            issues.Add("annotations", $"must be a list of annotations, found {Describe(annotations)}");
            return null;
        }

        (JsonElement Element, int Index)? latest = null;
        var latestAt = "";
        var index = 0;
        foreach (var annotation in annotations.EnumerateArray())
        {
            var i = index++;
            if (annotation.ValueKind != JsonValueKind.Object
                || (annotation.TryGetProperty("was_cancelled", out var cancelled) && cancelled.ValueKind == JsonValueKind.True))
            {
                continue;
            }

            // ISO 8601 timestamps in one time zone order as strings; without dates the later entry wins.
            var at = Timestamp(annotation, "updated_at") ?? Timestamp(annotation, "created_at") ?? "";
            if (latest is null || string.CompareOrdinal(at, latestAt) >= 0)
            {
                latest = (annotation, i);
                latestAt = at;
            }
        }

        return latest;
    }

    private static string? Timestamp(JsonElement annotation, string name) =>
        annotation.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void ReadResults(JsonElement annotation, string path, RecordIssues issues, ref string? label, ref string? answer, List<string> tags)
    {
        if (!annotation.TryGetProperty("result", out var results) || results.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var index = 0;
        foreach (var result in results.EnumerateArray())
        {
            var at = $"{path}[{index++}]";
            var type = result.ValueKind == JsonValueKind.Object && result.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            if (!result.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Object)
            {
                issues.Add($"{at}.value", "is missing; a result needs a value object");
                continue;
            }

            switch (type)
            {
                case "choices":
                    var choices = Strings(value, "choices", $"{at}.value.choices", issues);
                    if (choices is { Count: > 0 } && label is null)
                    {
                        label = choices[0];
                        if (choices.Count > 1)
                        {
                            issues.Warn($"{at}.value.choices", $"{choices.Count} choices; the first ('{Shorten(choices[0])}') is the label, the rest are not imported");
                        }
                    }

                    break;
                case "textarea":
                    var texts = Strings(value, "text", $"{at}.value.text", issues);
                    if (texts is { Count: > 0 })
                    {
                        answer = string.Join("\n", texts);
                    }

                    break;
                case "rating":
                    if (value.TryGetProperty("rating", out var rating) && rating.ValueKind == JsonValueKind.Number && rating.TryGetInt32(out var stars))
                    {
                        tags.Add($"rating:{stars}");
                    }
                    else
                    {
                        issues.Add($"{at}.value.rating", "must be a whole number");
                    }

                    break;
                default:
                    issues.Warn(at, $"'{Shorten(type ?? "untyped")}' results are not imported; only choices, textarea and rating are");
                    break;
            }
        }
    }

    private static List<string>? Strings(JsonElement owner, string name, string path, RecordIssues issues)
    {
        if (!owner.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Array
            || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            return issues.Fail<List<string>>(path, "must be a list of strings");
        }

        return value.EnumerateArray().Select(v => v.GetString()!).ToList();
    }
}
