using System.Globalization;
using System.Text.Json;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// The per-sample log lm-evaluation-harness writes with <c>--log_samples</c> (<c>samples_TASK_DATE.jsonl</c>): one line
/// per document and filter, with <c>doc_id</c> (the document's place in the task's split, from 0), <c>doc</c>,
/// <c>target</c>, <c>resps</c> (the model's raw responses, a list per request) and <c>filtered_resps</c>. The answer
/// kept is the raw generation, <c>resps[0][0]</c>, scored by the set's own metrics (final-number for GSM8K), not the
/// harness's filtered extract; a document logged under several filters is one output. Document N is item N + 1 of a
/// set imported without ids from the same split.
/// </summary>
internal static class LmEvalSamples
{
    public static bool IsSample(JsonElement line) =>
        line.TryGetProperty("doc_id", out _) && line.TryGetProperty("resps", out _) && !line.TryGetProperty("id", out _);

    public static EvalOutputInput? Output(EvalFileParser.Row row, JsonElement line, EvalFileParser.ErrorList errors)
    {
        var docId = line.GetProperty("doc_id");
        if (docId.ValueKind != JsonValueKind.Number || !docId.TryGetInt32(out var index) || index is < 0 or int.MaxValue)
        {
            errors.Add("doc_id", "The doc_id must be the document's number, 0 or more, as lm-evaluation-harness writes it.", row.Line);
            return null;
        }

        var resps = line.GetProperty("resps");
        if (resps.ValueKind != JsonValueKind.Array || resps.GetArrayLength() == 0 || resps[0].ValueKind != JsonValueKind.Array || resps[0].GetArrayLength() == 0)
        {
            errors.Add("resps", "The sample has no response: resps must hold the model's responses, [[\"text\"]].", row.Line);
            return null;
        }

        var first = resps[0][0];
        if (first.ValueKind != JsonValueKind.String)
        {
            // A multiple-choice (loglikelihood) task logs [log-probability, is-greedy] per choice: scores, not an answer.
            errors.Add("resps", "The sample holds log-likelihood scores, not a generated answer; only generate_until tasks (gsm8k, for one) can be imported as a run.", row.Line);
            return null;
        }

        return new EvalOutputInput((index + 1).ToString(CultureInfo.InvariantCulture), first.GetString()!, row.Line)
        {
            NumberedBy = $"lm-evaluation-harness's doc_id {index}",
            Asked = Question(line),
        };
    }

    /// <summary>The logged document's question, under the names the instruction sets use; null when it has none of them.</summary>
    private static string? Question(JsonElement line) =>
        line.TryGetProperty("doc", out var doc) && doc.ValueKind == JsonValueKind.Object
            ? QuestionKeys.Select(k => doc.TryGetProperty(k, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null)
                .FirstOrDefault(q => !string.IsNullOrWhiteSpace(q))
            : null;

    private static readonly string[] QuestionKeys = ["question", "instruction", "input", "prompt", "text"];

    /// <summary>
    /// Outputs whose logged document does not ask what their item asks: the set was not imported from the task's split
    /// in its order, so the numbers would pair answers with the wrong items. The item may add context after the question.
    /// <paramref name="turnsOf"/> gives an item's turns by id; it is asked only for outputs that logged a question.
    /// </summary>
    public static List<InputError> Misaligned(IEnumerable<EvalOutputInput> outputs, Func<string, IEnumerable<(string Role, string? Content)>> turnsOf)
    {
        var errors = new List<InputError>();
        foreach (var output in outputs)
        {
            if (output.Asked is not { } asked || LastQuestion(turnsOf(output.Id)) is not { } question
                || ExampleContent.Normalize(question).StartsWith(ExampleContent.Normalize(asked), StringComparison.Ordinal))
            {
                continue;
            }

            errors.Add(new InputError(output.AskedField, $"{output.NumberedBy} asks \"{EvalFileParser.Clip(asked)}\", but item \"{output.Id}\" asks \"{EvalFileParser.Clip(question)}\": "
                + (output.AskedField == "doc"
                    ? "the set's items are not the task's documents in their order; import the run into a set imported from the same split."
                    : "the set's items are not the eval's samples in their order; import the run into a set imported from the same samples file."), output.Line));
        }

        return errors;
    }

    /// <summary>What an item asks last: its last user turn with text; null when it has none.</summary>
    private static string? LastQuestion(IEnumerable<(string Role, string? Content)> turns) =>
        turns.LastOrDefault(t => t.Role.Equals("user", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrWhiteSpace(t.Content)).Content;
}
