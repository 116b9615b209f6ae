using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using static FineTuneStudio.Core.Imports.JsonReading;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Argilla records as exported to JSON/JSONL.
/// <list type="bullet">
/// <item>v2: <c>{"id", "fields": {...}, "responses": {"question": [{"value", "user_id", "status"}]},
/// "suggestions": {"question": {"value", "score", "agent"}}, "metadata", "vectors", "status"}</c>. The user turn is
/// the field <c>text</c>, <c>prompt</c>, <c>question</c>, <c>input</c> or <c>instruction</c> (else the only string field);
/// a field <c>response</c>/<c>answer</c>/<c>output</c>/<c>completion</c> is the assistant's answer.</item>
/// <item>A response to a question named <c>response</c>, <c>answer</c>, <c>correction</c> or
/// <c>corrected_response</c> is the answer a person wrote and replaces the field's answer. The first other
/// question answered with text (or a list of texts: its first) gives the label; a number gives a tag
/// <c>name:N</c> (as ratings do). Discarded responses are left out.</item>
/// <item>A suggestion (a model's guess) is used for a question only when no person answered it.</item>
/// <item>v1: <c>{"text" or "inputs", "annotation", "prediction"}</c> (text classification): annotation is the label,
/// else the best-scored prediction.</item>
/// </list>
/// Argilla's <c>metadata</c> has no place on an example and is warned about; vectors and status are dropped.
/// </summary>
internal static class ArgillaReader
{
    public static readonly string[] RecordKeys =
    [
        "fields", "responses", "suggestions", "metadata", "vectors", "status", "_server_id", "inserted_at", "updated_at",
        "text", "inputs", "annotation", "annotation_agent", "prediction", "prediction_agent", "multi_label", "explanation",
        "event_timestamp", "metrics", "search_keywords",
    ];

    private static readonly string[] TextKeys = ["text", "prompt", "question", "input", "instruction"];
    private static readonly string[] AnswerKeys = ["response", "answer", "output", "completion"];
    private static readonly string[] CorrectionQuestions = ["response", "answer", "correction", "corrected_response", "corrected_answer"];

    public static AnnotatedContent? Map(JsonElement record, RecordIssues issues)
    {
        if (record.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object)
        {
            foreach (var key in metadata.EnumerateObject())
            {
                issues.Warn($"metadata.{key.Name}", "Argilla metadata is not imported");
            }
        }

        return record.TryGetProperty("fields", out var fields) ? MapV2(record, fields, issues) : MapV1(record, issues);
    }

    private static AnnotatedContent? MapV2(JsonElement record, JsonElement fields, RecordIssues issues)
    {
        if (fields.ValueKind != JsonValueKind.Object)
        {
            issues.Add("fields", $"must be an object of record fields, found {Describe(fields)}");
            return null;
        }

        var user = TextField(fields, "fields", issues, out var textKey);
        if (user is null)
        {
            return null;
        }

        var answerKey = AnswerKeys.FirstOrDefault(k => k != textKey && fields.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String);
        var answer = answerKey is null ? null : fields.GetProperty(answerKey).GetString();
        foreach (var field in fields.EnumerateObject().Where(p => p.Name != textKey && p.Name != answerKey))
        {
            issues.Warn($"fields.{field.Name}", "record field not imported");
        }

        string? label = null;
        var tags = new List<string>();
        var answered = new HashSet<string>(StringComparer.Ordinal);
        if (record.TryGetProperty("responses", out var responses) && responses.ValueKind == JsonValueKind.Object)
        {
            foreach (var question in responses.EnumerateObject())
            {
                var value = FirstResponse(question.Value);
                if (value is { } v && Apply(question.Name, v, ref label, ref answer, tags))
                {
                    answered.Add(question.Name);
                }
            }
        }

        if (record.TryGetProperty("suggestions", out var suggestions) && suggestions.ValueKind == JsonValueKind.Object)
        {
            foreach (var question in suggestions.EnumerateObject().Where(q => !answered.Contains(q.Name)))
            {
                if (question.Value.ValueKind == JsonValueKind.Object && question.Value.TryGetProperty("value", out var value))
                {
                    Apply(question.Name, value, ref label, ref answer, tags);
                }
            }
        }

        return Result(user, answer, label, tags);
    }

    /// <summary>The first submitted response (else the first not discarded); Argilla lists one per annotator.</summary>
    private static JsonElement? FirstResponse(JsonElement answers)
    {
        if (answers.ValueKind != JsonValueKind.Array)
        {
            return answers.ValueKind == JsonValueKind.Object && answers.TryGetProperty("value", out var single) ? single : null;
        }

        JsonElement? fallback = null;
        foreach (var answer in answers.EnumerateArray())
        {
            if (answer.ValueKind != JsonValueKind.Object || !answer.TryGetProperty("value", out var value))
            {
                continue;
            }

            var status = answer.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            if (status == "submitted")
            {
                return value;
            }

            if (status != "discarded")
            {
                fallback ??= value;
            }
        }

        return fallback;
    }

    private static bool Apply(string question, JsonElement value, ref string? label, ref string? answer, List<string> tags)
    {
        if (CorrectionQuestions.Contains(question) && value.ValueKind == JsonValueKind.String)
        {
            answer = value.GetString();
            return true;
        }

        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Array when value.GetArrayLength() > 0 && value[0].ValueKind == JsonValueKind.String => value[0].GetString(),
            _ => null,
        };
        if (text is not null && label is null)
        {
            label = text;
            return true;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number))
        {
            tags.Add($"{question}:{number}");
            return true;
        }

        return false;
    }

    private static AnnotatedContent? MapV1(JsonElement record, RecordIssues issues)
    {
        string? user;
        if (record.TryGetProperty("inputs", out var inputs) && inputs.ValueKind == JsonValueKind.Object)
        {
            user = TextField(inputs, "inputs", issues, out _);
        }
        else
        {
            user = ReadString(record, "text", "text", issues, required: true);
        }

        if (user is null)
        {
            return null;
        }

        string? label = null;
        if (record.TryGetProperty("annotation", out var annotation) && annotation.ValueKind != JsonValueKind.Null)
        {
            label = annotation.ValueKind switch
            {
                JsonValueKind.String => annotation.GetString(),
                JsonValueKind.Array when annotation.GetArrayLength() > 0 && annotation[0].ValueKind == JsonValueKind.String => annotation[0].GetString(),
                _ => issues.Fail<string>("annotation", $"must be a label or a list of labels, found {Describe(annotation)}"),
            };
        }
        else if (record.TryGetProperty("prediction", out var prediction) && prediction.ValueKind == JsonValueKind.Array)
        {
            label = BestPrediction(prediction);
        }

        return Result(user, null, label, []);
    }

    /// <summary>v1 predictions are <c>[["label", score], ...]</c> or <c>[{"label", "score"}, ...]</c>; the highest score wins.</summary>
    private static string? BestPrediction(JsonElement prediction)
    {
        string? best = null;
        var bestScore = double.NegativeInfinity;
        foreach (var item in prediction.EnumerateArray())
        {
            var (label, score) = item.ValueKind switch
            {
                JsonValueKind.Array when item.GetArrayLength() == 2 && item[0].ValueKind == JsonValueKind.String && item[1].ValueKind == JsonValueKind.Number
                    => (item[0].GetString(), item[1].GetDouble()),
                JsonValueKind.Object when item.TryGetProperty("label", out var l) && l.ValueKind == JsonValueKind.String
                    => (l.GetString(), item.TryGetProperty("score", out var s) && s.ValueKind == JsonValueKind.Number ? s.GetDouble() : 0),
                _ => (null, 0),
            };
            if (label is not null && score > bestScore)
            {
                (best, bestScore) = (label, score);
            }
        }

        return best;
    }

    private static string? TextField(JsonElement fields, string path, RecordIssues issues, out string? key)
    {
        key = TextKeys.FirstOrDefault(k => fields.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String);
        if (key is null)
        {
            var strings = fields.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToList();
            if (strings.Count != 1)
            {
                return issues.Fail<string>(path, "has no text field; expected text, prompt, question, input or instruction (or exactly one string)");
            }

            key = strings[0].Name;
        }

        return fields.GetProperty(key).GetString();
    }

    private static AnnotatedContent Result(string user, string? answer, string? label, List<string> tags)
    {
        List<MessageContent> messages = [new MessageContent(MessageRole.User, user)];
        if (!string.IsNullOrWhiteSpace(answer))
        {
            messages.Add(new MessageContent(MessageRole.Assistant, answer));
        }

        return new AnnotatedContent(new ExampleContent(messages), label, tags);
    }
}
