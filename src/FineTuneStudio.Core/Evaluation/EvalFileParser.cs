using System.Text.Json;
using CsvHelper;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Imports;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>One held-out item as read from a file.</summary>
public sealed record EvalItemInput(string Id, IReadOnlyList<MessageContent> Input, string Expected, string? Label, string? SchemaJson, int Line,
    IReadOnlyList<string>? AlsoAccepted = null)
{
    public IReadOnlyList<string> OtherAnswers => AlsoAccepted ?? [];

    /// <summary>True when the file had no ids and the item's id is its position ("1", "2", …).</summary>
    public bool NumberedByPosition { get; init; }
}

/// <summary>
/// One model output as read from a file. <paramref name="Expected"/> is set for files that carry no item id
/// (LLaMA-Factory's predictions): their lines follow the set's order, and the expected answer checks it.
/// </summary>
public sealed record EvalOutputInput(string Id, string Output, int Line, string? Expected = null)
{
    public bool ByPosition => Id.Length == 0;

    /// <summary>
    /// Set when the id is a number the file gave by place (oaieval's sample, lm-evaluation-harness's doc_id) plus 1,
    /// not a name: what numbered it, for the message when the set has no such item.
    /// </summary>
    public string? NumberedBy { get; init; }

    /// <summary>Set when the file names the item by its stored id (Bedrock's recordId or Gemini's key of an exported set), not by its own id.</summary>
    public int? StoredItemId { get; init; }

    /// <summary>The field of the file that named the item, for messages about it.</summary>
    public string IdField { get; init; } = "id";

    /// <summary>Set when the file names the item only by the request it echoes (Vertex's batch output): the turns asked, as <see cref="VertexBatch.KeyOf"/> spells them.</summary>
    public string? RequestKey { get; init; }

    /// <summary>What the source says the item asked (lm-evaluation-harness logs its document, oaieval its prompt), to check the numbering lines up.</summary>
    public string? Asked { get; init; }

    /// <summary>The file's field that <see cref="Asked"/> came from, named when it does not match its item.</summary>
    public string AskedField { get; init; } = "doc";
}

/// <summary>
/// Reads eval items (<c>{id, expected, label?, schema?, input?}</c>, or the OpenAI Evals registry's
/// <c>{input, ideal}</c>, numbered by position when no line has an id) and model outputs from JSONL or CSV: our
/// <c>{id, output}</c>, an OpenAI-style batch output (<c>custom_id</c> and the response body, as OpenAI's Batch API
/// and vLLM's run_batch write it) or LLaMA-Factory's <c>generated_predictions.jsonl</c> (<c>prompt</c>,
/// <c>predict</c>, <c>label</c>, in the set's order) or the record file oaieval writes (see <see cref="OaievalLog"/>).
/// Every problem is reported with its line; a file with any
/// problem yields no rows, so callers change nothing.
/// </summary>
public static class EvalFileParser
{
    public const int MaxErrors = 100;

    // By name only: Enum.TryParse also takes numbers ("7") and lists ("system, user").
    private static readonly Dictionary<string, MessageRole> RolesByName = Enum.GetValues<MessageRole>().ToDictionary(r => r.ToString(), StringComparer.OrdinalIgnoreCase);

    /// <summary>The whole file as text. Callers bound the stream: uploads by the studio's one upload limit.</summary>
    public static async Task<string> ReadTextAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, leaveOpen: true);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    public static bool LooksLikeCsv(string text, string? fileName)
    {
        var first = text.AsSpan().TrimStart();
        return LooksLikeCsv(first.Length > 0 ? first[0] : -1, fileName);
    }

    /// <summary>By the extension; without one, a file whose first non-blank character (-1 for none) opens no JSON object.</summary>
    private static bool LooksLikeCsv(int firstCharacter, string? fileName) => Path.GetExtension(fileName ?? "").ToLowerInvariant() switch
    {
        ".csv" => true,
        ".jsonl" or ".json" or ".ndjson" => false,
        _ => firstCharacter is not -1 and not '{',
    };

    public static IReadOnlyList<EvalItemInput> ParseItems(string text, string? fileName = null) => ParseItems(new StringReader(text), fileName);

    /// <summary>A set's items, read line by line: what is kept is the items, not the file or its parsed lines.</summary>
    public static IReadOnlyList<EvalItemInput> ParseItems(TextReader text, string? fileName = null)
    {
        var errors = new ErrorList();
        var items = ReadItems(text, fileName, errors);
        errors.ThrowIfAny();
        return items;
    }

    /// <summary>The items without problems; each problem goes to <paramref name="errors"/> with its line.</summary>
    public static IReadOnlyList<EvalItemInput> ReadItems(TextReader text, string? fileName, ErrorList errors)
    {
        var items = new List<EvalItemInput>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        // OpenAI Evals' registry files carry no ids; when no line has one, an item is known by its position. Lines
        // without an id wait until a line with one (or a CSV row) shows the file has ids, or the file ends without any.
        bool? numbered = null;
        var waiting = new List<(Row Row, int Position)>();
        var position = 0;
        // The OpenAI Evals API's JSONL data source wraps each item: {"item": {...}}.
        foreach (var row in ReadRows(text, fileName, ["id", "expected"], errors)
                     .Select(r => r.Json is { } json && json.TryGetProperty("item", out var item) && item.ValueKind == JsonValueKind.Object ? r with { Json = item } : r))
        {
            position++;
            if (numbered is null && row.Json is not null && string.IsNullOrWhiteSpace(row.Get("id")))
            {
                waiting.Add((row, position));
                continue;
            }

            if (numbered is null)
            {
                numbered = false;
                waiting.ForEach(w => Read(w.Row, w.Position));
                waiting.Clear();
            }

            Read(row, position);
        }

        if (numbered is null)
        {
            numbered = waiting.Count > 0;
            waiting.ForEach(w => Read(w.Row, w.Position));
        }

        if (items.Count == 0 && errors.Total == 0)
        {
            errors.Add("file", "The file has no items.", null);
        }

        return items;

        void Read(Row row, int position)
        {
            var byPosition = numbered == true;
            var id = byPosition ? position.ToString(System.Globalization.CultureInfo.InvariantCulture) : row.Get("id");
            if (string.IsNullOrWhiteSpace(id))
            {
                errors.Add("id", "The item has no id.", row.Line);
                return;
            }

            id = id.Trim();
            if (id.Length > 128)
            {
                errors.Add("id", "The id is longer than 128 characters.", row.Line);
                return;
            }

            if (seen.TryGetValue(id, out var firstLine))
            {
                errors.Add("id", $"The id \"{id}\" was already used on line {firstLine}.", row.Line);
                return;
            }

            seen[id] = row.Line;
            var label = NullIfBlank(row.Get("label"));
            if (!TryReadAnswers(row, "expected", out var answers, out var answersError) || !TryReadAnswers(row, "ideal", out var ideal, out answersError))
            {
                errors.Add(answersError.Field, answersError.Message, row.Line);
                return;
            }

            if (!TryReadInput(row, out var input, out var inputError))
            {
                errors.Add("input", inputError, row.Line);
                return;
            }

            if (!TryReadCompletion(row, out var completion, out var completionError))
            {
                errors.Add("completion", completionError, row.Line);
                return;
            }

            // A CSV cell, or a number or object in our own files, is one answer as its text. An empty CSV cell is no
            // answer (CSV has no other way to leave one out), so the label or the last assistant turn stands in.
            answers ??= row.Get("expected") is { } written && (row.Json is not null || written.Length > 0) ? [written] : ideal ?? (completion is null ? null : [completion]);
            if (row.Json is { } record && InstructionReader.Fits(record) && !record.TryGetProperty("messages", out _) && !record.TryGetProperty("prompt", out _))
            {
                // A held-out instruction file (Alpaca, Dolly, OpenOrca, GSM8K's test split) read as the example importer
                // reads it: the instruction with its input asks, the output (or response, answer) is expected.
                if (!TryReadInstruction(record, row.Line, out var asked, out var answered, errors))
                {
                    return;
                }

                (input, answers) = (asked, answers ?? [answered]);
            }

            if (answers is null && label is null && row.Json is { } hosted && HostedChatShape(hosted) is { } shape)
            {
                // A held-out file in another host's chat shape, read as the example importer reads it.
                var mapped = JsonRecordMapper.Map(hosted, shape, row.Line);
                if (mapped.Content is not { } content)
                {
                    errors.Add(mapped.Errors[0].Field, mapped.Errors[0].Message, row.Line);
                    return;
                }

                input = content.Messages;
            }

            if (answers is null && label is null && input is [.., { Role: MessageRole.Assistant } answer])
            {
                // A held-out chat file (OpenAI chat, Hugging Face messages): the last answer is the expected one.
                if (string.IsNullOrEmpty(answer.Content))
                {
                    errors.Add("expected", "The conversation's last assistant turn has no text to score against; give the item an expected answer.", row.Line);
                    return;
                }

                (answers, input) = ([answer.Content], input.Take(input.Count - 1).ToList());
            }

            var expected = answers?[0] ?? label;
            if (expected is null)
            {
                errors.Add("expected", "The item has no expected output (give expected, ideal, or a label, or end its messages with the assistant's answer).", row.Line);
                return;
            }

            var schema = NullIfBlank(row.Get("schema"));
            if (schema is not null && !IsJsonObject(schema))
            {
                errors.Add("schema", "The schema is not a JSON object.", row.Line);
                return;
            }

            if (schema is not null && SchemaReferences.FirstExternal(schema) is { } reference)
            {
                errors.Add("schema", $"The schema refers to '{reference}' outside itself; only references within the schema (\"$ref\": \"#/...\") are allowed, so nothing is fetched when it is scored.", row.Line);
                return;
            }

            items.Add(new EvalItemInput(id, input, expected, label, schema, row.Line, answers is { Count: > 1 } ? answers.Skip(1).ToList() : null)
            {
                NumberedByPosition = byPosition,
            });
        }
    }

    public static IReadOnlyList<EvalOutputInput> ParseOutputs(string text, string? fileName = null) => ParseOutputs(new StringReader(text), fileName);

    /// <summary>A run's outputs, read line by line: what is kept is the answers, never the whole file or its parsed lines.</summary>
    public static IReadOnlyList<EvalOutputInput> ParseOutputs(TextReader text, string? fileName = null)
    {
        var errors = new ErrorList();
        var rows = ReadRows(text, fileName, ["id", "output"], errors);
        var outputs = new List<EvalOutputInput>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (row.Json is { } logged && OaievalLog.Kind(logged) is { } kind)
            {
                // A sample's first sampling event is the model's answer; a model-graded eval records its grader's after it.
                if (kind == OaievalLog.Sampling && OaievalLog.Output(row, logged, errors) is { } sampled && seen.TryAdd(sampled.Id, row.Line))
                {
                    outputs.Add(sampled);
                }

                continue;
            }

            if (row.Json is { } harness && LmEvalSamples.IsSample(harness))
            {
                // One line per document and filter: the document's first line carries its answer.
                if (LmEvalSamples.Output(row, harness, errors) is { } answered && seen.TryAdd(answered.Id, row.Line))
                {
                    outputs.Add(answered);
                }

                continue;
            }

            if (row.Json is { } json && json.TryGetProperty("predict", out _) && !json.TryGetProperty("id", out _))
            {
                // LLaMA-Factory writes no id: the line's place in the file is the item's place in the set.
                outputs.Add(new EvalOutputInput("", row.Get("predict") ?? "", row.Line, row.Get("label") ?? ""));
                continue;
            }

            if (row.Json is { } record && BedrockBatchOutput.IsOutput(record))
            {
                AddOnce(BedrockBatchOutput.Output(row, record, errors));
                continue;
            }

            if (row.Json is { } vertex && VertexBatch.IsOutput(vertex))
            {
                AddOnce(VertexBatch.Output(row, vertex, errors));
                continue;
            }

            if (row.Json is { } batch && batch.TryGetProperty("custom_id", out _))
            {
                AddOnce(BatchOutput(row, batch, errors));
                continue;
            }

            var id = row.Get("id")?.Trim();
            if (string.IsNullOrEmpty(id))
            {
                errors.Add("id", "The output has no id.", row.Line);
                continue;
            }

            if (seen.TryGetValue(id, out var firstLine))
            {
                errors.Add("id", $"The id \"{id}\" was already used on line {firstLine}.", row.Line);
                continue;
            }

            seen[id] = row.Line;
            var output = row.Get("output");
            if (output is null)
            {
                errors.Add("output", "The row has no output.", row.Line);
                continue;
            }

            outputs.Add(new EvalOutputInput(id, output, row.Line));
        }

        if (outputs.Count == 0 && errors.Total == 0)
        {
            errors.Add("file", "The file has no outputs.", null);
        }

        if (outputs.Any(o => o.ByPosition) && outputs.Any(o => !o.ByPosition))
        {
            errors.Add("file", "The file mixes lines with an id and LLaMA-Factory lines without one; keep one shape per file.", null);
        }

        errors.ThrowIfAny();
        return outputs;

        // A batch output names each answer by the id its request was sent with; an id twice is the file's mistake.
        void AddOnce(EvalOutputInput? answered)
        {
            if (answered is null)
            {
                return;
            }

            if (!seen.TryAdd(answered.Id, answered.Line))
            {
                errors.Add(answered.IdField, answered.RequestKey is null
                    ? $"The {answered.IdField} \"{answered.Id}\" was already used on line {seen[answered.Id]}."
                    : $"The same request was already answered on line {seen[answered.Id]}.", answered.Line);
                return;
            }

            outputs.Add(answered);
        }
    }

    /// <summary>
    /// Outputs that name their item only by the request they echo (Vertex's batch output) under the id of the item that
    /// asks it; a request no item asks, or one two items ask alike, is an error naming the line.
    /// </summary>
    public static List<EvalOutputInput> ByRequest(IReadOnlyList<EvalOutputInput> outputs, IEnumerable<(string Id, IEnumerable<(string Role, string Text)> Turns)> items)
    {
        if (!outputs.Any(o => o.RequestKey is not null))
        {
            return [.. outputs];
        }

        // One entry per request an item asks: its id, or every id when several items ask the same.
        var byKey = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (id, turns) in items)
        {
            var key = VertexBatch.KeyOf(turns.Where(t => t.Role != "system"));
            if (byKey.TryGetValue(key, out var alike))
            {
                alike.Add(id);
            }
            else
            {
                byKey[key] = [id];
            }
        }

        var errors = new List<InputError>();
        var resolved = outputs.Select(o =>
        {
            if (o.RequestKey is not { } key)
            {
                return o;
            }

            switch (byKey.GetValueOrDefault(key))
            {
                case [var external]:
                    return o with { Id = external };
                case { Count: > 1 } alike:
                    errors.Add(new InputError("request", $"Items {string.Join(", ", alike.Select(a => $"\"{a}\""))} ask the same; the request cannot tell which it answers.", o.Line));
                    return o;
                default:
                    errors.Add(new InputError("request", "No item of this set asks this request: generate from an export of this set.", o.Line));
                    return o;
            }
        }).ToList();
        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors.Take(MaxErrors).ToList(), errors.Count);
        }

        return resolved;
    }

    /// <summary>
    /// Predictions without ids (LLaMA-Factory) belong to the items in the set's order, the order an export of the set
    /// writes them in. Each line's label must be its item's expected answer, so a file in another order is refused
    /// instead of being scored against the wrong items.
    /// </summary>
    public static IReadOnlyList<EvalOutputInput> InSetOrder(IReadOnlyList<EvalOutputInput> outputs, IReadOnlyList<(string Id, string Expected)> items)
    {
        if (outputs.Count != items.Count)
        {
            throw new StudioValidationException("file",
                $"The file has {outputs.Count} predictions without ids and the set has {items.Count} items; predictions without ids must cover the set, in its order.");
        }

        var errors = new List<InputError>();
        for (var i = 0; i < items.Count; i++)
        {
            if (outputs[i].Expected is { } label && label.Trim() != items[i].Expected.Trim() && items[i].Expected.Length > 0)
            {
                errors.Add(new InputError("label", $"The label is not the expected answer of item \"{items[i].Id}\", the set's item number {i + 1}: the predictions are not in the set's order.", outputs[i].Line));
            }
        }

        if (errors.Count > 0)
        {
            throw new StudioValidationException(errors.Take(EvalFileParser.MaxErrors).ToList(), errors.Count);
        }

        return outputs.Select((o, i) => o with { Id = items[i].Id }).ToList();
    }

    /// <summary>
    /// A batch output line: the answer text of a chat or completions response. A request that failed (an error, a
    /// status other than 200) gives no output, so the item counts as failed, as a missing output does.
    /// </summary>
    private static EvalOutputInput? BatchOutput(Row row, JsonElement line, ErrorList errors)
    {
        var id = row.Get("custom_id")?.Trim();
        if (string.IsNullOrEmpty(id))
        {
            errors.Add("custom_id", "The line has no custom_id.", row.Line);
            return null;
        }

        if (line.TryGetProperty("error", out var error) && error.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
        {
            return null;
        }

        if (!line.TryGetProperty("response", out var response) || response.ValueKind != JsonValueKind.Object)
        {
            errors.Add("response", "The line has neither a response object nor an error.", row.Line);
            return null;
        }

        if (response.TryGetProperty("status_code", out var status) && status.ValueKind == JsonValueKind.Number && status.TryGetInt32(out var code) && code != 200)
        {
            return null;
        }

        if (!response.TryGetProperty("body", out var body) || body.ValueKind != JsonValueKind.Object
            || !body.TryGetProperty("choices", out var choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0
            || choices[0].ValueKind != JsonValueKind.Object)
        {
            errors.Add("response.body.choices", "Expected the response body of a chat or completions request, with a choices list.", row.Line);
            return null;
        }

        var choice = choices[0];
        var text = choice.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.Object
                   && message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String ? content.GetString()
            : choice.TryGetProperty("text", out var completion) && completion.ValueKind == JsonValueKind.String ? completion.GetString()
            : null;
        if (text is null)
        {
            errors.Add("response.body.choices[0]", "The first choice has no message content or text.", row.Line);
            return null;
        }

        return new EvalOutputInput(id, text, row.Line) { IdField = "custom_id" };
    }

    /// <summary>
    /// The rows of a JSONL file (one object a line) or a CSV file with a header holding <paramref name="requiredCsvColumns"/>;
    /// problems go to <paramref name="errors"/> with their line. Shared with other line files (label predictions).
    /// </summary>
    public static IEnumerable<Row> ReadRows(string text, string? fileName, string[] requiredCsvColumns, ErrorList errors) =>
        ReadRows(new StringReader(text), fileName, requiredCsvColumns, errors);

    /// <summary>The rows as they are read: one line (or CSV record) at a time is held, whatever the file's size.</summary>
    public static IEnumerable<Row> ReadRows(TextReader text, string? fileName, string[] requiredCsvColumns, ErrorList errors)
    {
        // What the file is shows in its first non-blank character; the blank lines before it still count as lines.
        var blankLines = 0;
        while (text.Peek() is var next and not -1 && char.IsWhiteSpace((char)next))
        {
            blankLines += text.Read() == '\n' ? 1 : 0;
        }

        return LooksLikeCsv(text.Peek(), fileName) ? CsvRows(text, blankLines, requiredCsvColumns, errors) : JsonRows(text, blankLines, errors);
    }

    /// <summary>
    /// Chat lines this reader's own keys would misread: Gemini's <c>contents</c>, lmsys-chat-1m's <c>conversation</c>,
    /// Amazon Bedrock's <c>system</c> beside the messages (which would lose the system prompt). Null for any other line.
    /// </summary>
    private static ImportFormat? HostedChatShape(JsonElement record) => JsonRecordMapper.Detect(record) switch
    {
        ImportFormat.Gemini => ImportFormat.Gemini,
        ImportFormat.Chat when record.TryGetProperty("conversation", out _)
            || (record.TryGetProperty("system", out var system) && system.ValueKind != JsonValueKind.Null) => ImportFormat.Chat,
        _ => null,
    };

    private static bool TryReadInput(Row row, out IReadOnlyList<MessageContent> input, out string error)
    {
        input = [];
        error = "";
        if (row.Json is { } json)
        {
            // TRL's prompt-completion rows name the input "prompt".
            var key = json.TryGetProperty("messages", out _) ? "messages" : json.TryGetProperty("input", out _) ? "input" : "prompt";
            var property = json.TryGetProperty(key, out var m) ? m : default;
            switch (property.ValueKind)
            {
                case JsonValueKind.Undefined or JsonValueKind.Null:
                    return true;
                case JsonValueKind.String:
                    input = [new MessageContent(MessageRole.User, property.GetString())];
                    return true;
                case JsonValueKind.Array:
                    var messages = new List<MessageContent>();
                    foreach (var message in property.EnumerateArray())
                    {
                        if (message.ValueKind != JsonValueKind.Object
                            || !message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String
                            || !RolesByName.TryGetValue(role.GetString()!.Trim(), out var parsedRole))
                        {
                            error = "Each input message needs a role (system, user, assistant or tool) and content.";
                            return false;
                        }

                        if (!TryReadContent(message, $"{key}[{messages.Count}].content", out var content, out error))
                        {
                            return false;
                        }

                        messages.Add(new MessageContent(parsedRole, content));
                    }

                    input = messages;
                    return true;
                default:
                    error = "The input must be a text or an array of {role, content} messages.";
                    return false;
            }
        }

        var text = row.Get("input");
        if (!string.IsNullOrEmpty(text))
        {
            input = [new MessageContent(MessageRole.User, text)];
        }

        return true;
    }

    private static bool TryReadInstruction(JsonElement record, int line, out IReadOnlyList<MessageContent> input, out string answer, ErrorList errors)
    {
        (input, answer) = ([], "");
        var issues = new RecordIssues(line);
        if (InstructionReader.MissingKey(record) is { } missing)
        {
            errors.Add(missing, $"is missing; an instruction item needs {InstructionReader.Needs}.", line);
            return false;
        }

        if (InstructionReader.Map(record, issues) is not { } content)
        {
            var first = issues.List[0];
            errors.Add(first.Field, first.Message, line);
            return false;
        }

        (input, answer) = (content.Messages.Take(content.Messages.Count - 1).ToList(), content.Messages[^1].Content!);
        return true;
    }

    /// <summary>
    /// TRL's <c>completion</c> (or a prompt's <c>response</c>): a text, or a list of messages whose last is the
    /// assistant's answer. Null when absent.
    /// </summary>
    private static bool TryReadCompletion(Row row, out string? completion, out string error)
    {
        (completion, error) = (null, "");
        // A prompt's answer is its completion (TRL) or, in many exports, its response.
        var key = row.Json is { } named && named.TryGetProperty("prompt", out _) && !named.TryGetProperty("completion", out _) ? "response" : "completion";
        if (row.Json is not { } json || !json.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            completion = value.GetString();
            return true;
        }

        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0 && value[value.GetArrayLength() - 1] is { ValueKind: JsonValueKind.Object } last
            && last.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String && role.GetString()!.Trim().Equals("assistant", StringComparison.OrdinalIgnoreCase))
        {
            if (!TryReadContent(last, $"{key}[{value.GetArrayLength() - 1}].content", out completion, out error))
            {
                return false;
            }

            if (!string.IsNullOrEmpty(completion))
            {
                return true;
            }
        }

        error = "The completion must be a text, or a list of messages ending with the assistant's answer as text.";
        return false;
    }

    /// <summary>A message's text as the importer reads it: a string, or text parts joined; images and other parts are refused.</summary>
    private static bool TryReadContent(JsonElement message, string path, out string? content, out string error)
    {
        content = MessageReader.ReadContent(message, path, out var problem);
        error = problem is null ? "" : $"{problem.Field}: {problem.Message}";
        return problem is null;
    }

    private static IEnumerable<Row> JsonRows(TextReader text, int line, ErrorList errors)
    {
        while (text.ReadLine() is { } raw)
        {
            line++;
            if (!string.IsNullOrWhiteSpace(raw) && JsonRow(raw, line, errors) is { } row)
            {
                yield return row;
            }
        }
    }

    private static Row? JsonRow(string raw, int line, ErrorList errors)
    {
        try
        {
            using var document = JsonDocument.Parse(raw);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add("line", "Each line must be a JSON object.", line);
                return null;
            }

            // The importer's check: a lone surrogate escape ("\ud800") parses but throws when read, a NUL cannot be
            // stored on PostgreSQL, a key given twice would silently lose one value. Refused before any field is read.
            var issues = new RecordIssues(line);
            JsonReading.CheckValues(document.RootElement, "", issues);
            if (issues.List.Count > 0)
            {
                issues.List.ForEach(e => errors.Add(e.Field, e.Message, line));
                return null;
            }

            return new Row(line, document.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            errors.Add("line", "Not valid JSON: " + FirstSentence(e.Message), line);
        }
        catch (ArgumentException)
        {
            // A lone UTF-16 surrogate has no UTF-8 form; the JSON reader refuses it with this instead of a JsonException.
            errors.Add("line", "The line holds a character that is not valid text (a lone UTF-16 surrogate).", line);
        }

        return null;
    }

    /// <summary>CSV records after a header holding <paramref name="required"/>; <paramref name="blankLines"/> were read before the header.</summary>
    private static IEnumerable<Row> CsvRows(TextReader text, int blankLines, string[] required, ErrorList errors)
    {
        using var reader = CsvReader.Create(text, new CsvReaderOptions
        {
            HasHeader = true,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            MalformedData = CsvMalformedDataHandling.Throw,
        }, leaveOpen: true);
        if (CsvHeaders(reader, blankLines, required, errors) is not { } headers)
        {
            yield break;
        }

        while (NextCsvRow(reader, headers, blankLines, errors, out var row))
        {
            if (row is not null)
            {
                yield return row;
            }
        }
    }

    private static List<string>? CsvHeaders(CsvReader reader, int blankLines, string[] required, ErrorList errors)
    {
        try
        {
            var headers = reader.Headers.Select(h => h.Trim().ToLowerInvariant()).ToList();
            var missing = required.Where(r => !headers.Contains(r)).ToList();
            if (missing.Count == 0)
            {
                return headers;
            }

            errors.Add("header", $"The header must have the columns {string.Join(", ", required)}; missing: {string.Join(", ", missing)}.", 1 + blankLines);
        }
        catch (CsvFormatException e)
        {
            errors.Add("file", "The file is not valid CSV from here on: " + e.Message, (int?)e.LineNumber + blankLines);
        }

        return null;
    }

    /// <summary>False at the end or where the CSV breaks (an error then names the line); a refused record is a null row.</summary>
    private static bool NextCsvRow(CsvReader reader, List<string> headers, int blankLines, ErrorList errors, out Row? row)
    {
        row = null;
        try
        {
            if (!reader.Read())
            {
                return false;
            }

            var line = (int)reader.LineNumber + blankLines;
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < headers.Count; i++)
            {
                values[headers[i]] = reader.GetString(i);
            }

            // As in JSONL lines: PostgreSQL cannot store a NUL in text, so it is refused on every database alike.
            if (values.FirstOrDefault(v => v.Value.Contains('\0')).Key is { } withNul)
            {
                errors.Add(withNul, "The text contains a NUL character, which cannot be stored; remove it.", line);
                return true;
            }

            row = new Row(line, null, values);
            return true;
        }
        catch (CsvFormatException e)
        {
            errors.Add("file", "The file is not valid CSV from here on: " + e.Message, (int?)e.LineNumber + blankLines);
            return false;
        }
    }

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    public const int MaxAnswers = 100;

    /// <summary>
    /// Outputs numbered by their source (lm-evaluation-harness's doc_id) whose logged question is not what their item
    /// asks (its last user turn): the set is not the task's split in its order.
    /// </summary>
    public static IReadOnlyList<InputError> Misaligned(IReadOnlyList<EvalOutputInput> outputs, IReadOnlyList<EvalItemInput> items)
    {
        var byId = items.ToDictionary(i => i.Id, StringComparer.Ordinal);
        return LmEvalSamples.Misaligned(outputs, id => byId[id].Input.Select(m => (m.Role.ToString(), m.Content)));
    }

    /// <summary>A value quoted in a message, cut to 60 characters.</summary>
    internal static string Clip(string text) => text.Length > 60 ? text[..60] + "…" : text;

    /// <summary>
    /// An item's answers as a JSON field: one string, or a list of acceptable ones (OpenAI Evals' <c>ideal</c> often
    /// lists several spellings), the first being the one length ratio and judges read. Null when the field is absent
    /// (or not JSON: a CSV cell is read as it is).
    /// </summary>
    private static bool TryReadAnswers(Row row, string field, out List<string>? answers, out (string Field, string Message) error)
    {
        (answers, error) = (null, (field, ""));
        if (row.Json is not { } json || !json.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            answers = [value.GetString()!];
            return true;
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
        {
            // Our own files have always taken a number or an object as its JSON text ("expected": 42); ideal never did.
            if (field == "expected" && value.ValueKind != JsonValueKind.Array)
            {
                return true;
            }

            error = (field, $"The {(field == "ideal" ? "ideal answer" : "expected answer")} must be a string or a list of strings.");
            return false;
        }

        var list = value.EnumerateArray().Select(v => v.GetString()!).Where(a => a.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (list.Count == 0)
        {
            error = (field, "The list of acceptable answers is empty.");
            return false;
        }

        if (list.Count > MaxAnswers)
        {
            error = (field, $"The item lists {list.Count} acceptable answers; at most {MaxAnswers} are kept per item.");
            return false;
        }

        answers = list;
        return true;
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }

    public sealed record Row(int Line, JsonElement? Json, Dictionary<string, string>? Values)
    {
        /// <summary>A field as text: JSON strings as they are, numbers and objects as their JSON (ids may be numbers, schemas objects).</summary>
        public string? Get(string name)
        {
            if (Json is { } json)
            {
                if (!json.TryGetProperty(name, out var value))
                {
                    return null;
                }

                return value.ValueKind switch
                {
                    JsonValueKind.Null or JsonValueKind.Undefined => null,
                    JsonValueKind.String => value.GetString(),
                    _ => value.GetRawText(),
                };
            }

            return Values!.TryGetValue(name, out var text) ? text : null;
        }
    }

    public sealed class ErrorList
    {
        private readonly List<InputError> _errors = [];
        private readonly HashSet<int> _lines = [];

        public int Total { get; private set; }

        /// <summary>The first <see cref="MaxErrors"/> problems.</summary>
        public IReadOnlyList<InputError> Kept => _errors;

        /// <summary>Every line with a problem of its own (a line that could be left out).</summary>
        public IReadOnlyCollection<int> Lines => _lines;

        /// <summary>A problem with the file itself (its header, its CSV from a line on, no records at all): leaving lines out cannot help.</summary>
        public bool AboutTheFile { get; private set; }

        public void Add(string field, string message, int? line)
        {
            Total++;
            if (_errors.Count < MaxErrors)
            {
                _errors.Add(new InputError(field, message, line));
            }

            if (line is { } number && field is not ("file" or "header"))
            {
                _lines.Add(number);
            }
            else
            {
                AboutTheFile = true;
            }
        }

        public void ThrowIfAny()
        {
            if (Total > 0)
            {
                throw new StudioValidationException(_errors, Total);
            }
        }
    }
}
