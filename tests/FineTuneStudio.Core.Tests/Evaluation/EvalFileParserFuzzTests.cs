using System.Text;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Tests.Support;
using static FineTuneStudio.Core.Tests.Support.FuzzInputs;

namespace FineTuneStudio.Core.Tests.Evaluation;

/// <summary>
/// Eval files mangled from a fixed seed: items and outputs, JSONL and CSV, our outputs, OpenAI batch output and
/// LLaMA-Factory predictions. Each is read as an upload is (bytes through <see cref="EvalFileParser.ReadTextAsync"/>)
/// and must come back as rows or a <see cref="StudioValidationException"/> whose errors name lines of the file.
/// </summary>
public sealed class EvalFileParserFuzzTests
{
    private const int Seed = 20261207;

    private enum Reads { Items, Outputs, Predictions }

    /// <summary>A valid file; <paramref name="FileName"/> null for an upload without one, which is sniffed from its first character.</summary>
    private sealed record Template(string Key, Reads Reads, string? FileName, string Text)
    {
        public bool IsCsv => Key.EndsWith(".csv", StringComparison.Ordinal);

        public string[] JsonLines => Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static readonly Template ItemsJsonl = new("items.jsonl", Reads.Items, "items.jsonl", """
        {"id": "t-1", "expected": "high", "label": "high", "input": "Server down"}
        {"id": "t-2", "expected": "{\"ok\": true}", "schema": {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"]}, "input": [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Hi"}]}
        {"id": 3, "expected": "low", "messages": [{"role": "user", "content": "Printer?"}]}

        """);

    private static readonly Template ItemsCsv = new("items.csv", Reads.Items, "items.csv", """
        id,expected,label,input,schema
        t-1,high,high,Server down,
        t-2,"{""ok"": true}",,"Hi, there","{""type"": ""object""}"
        t-3,low,low,"two
        lines",

        """);

    private static readonly Template OutputsJsonl = new("outputs.jsonl", Reads.Outputs, "outputs.jsonl", """
        {"id": "t-1", "output": "high"}
        {"id": "t-2", "output": "{\"ok\": true}"}
        {"id": 3, "output": "low"}

        """);

    private static readonly Template OutputsCsv = new("outputs.csv", Reads.Outputs, "outputs.csv", """
        id,output
        t-1,high
        t-2,"line one
        line two"
        t-3,low

        """);

    private static readonly Template BatchOutput = new("batch_output.jsonl", Reads.Outputs, "batch_output.jsonl", """
        {"id": "batch_req_1", "custom_id": "t-1", "response": {"status_code": 200, "request_id": "req_1", "body": {"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": "high"}, "finish_reason": "stop"}]}}, "error": null}
        {"id": "batch_req_2", "custom_id": "t-2", "response": {"status_code": 200, "request_id": "req_2", "body": {"id": "cmpl-2", "object": "text_completion", "choices": [{"index": 0, "text": "medium", "finish_reason": "stop"}]}}, "error": null}
        {"id": "batch_req_3", "custom_id": "t-3", "response": null, "error": {"code": "server_error", "message": "The model is overloaded."}}

        """);

    private static readonly Template BedrockOutput = new("bedrock.jsonl.out", Reads.Outputs, "bedrock.jsonl.out", """
        {"recordId": "EVI00000001", "modelInput": {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 1024, "messages": [{"role": "user", "content": [{"type": "text", "text": "Server down"}]}]}, "modelOutput": {"id": "msg_1", "type": "message", "role": "assistant", "content": [{"type": "text", "text": "high"}], "stop_reason": "end_turn", "usage": {"input_tokens": 9, "output_tokens": 1}}}
        {"recordId": "t-2", "modelInput": {"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": [{"text": "Hi"}]}]}, "modelOutput": {"output": {"message": {"role": "assistant", "content": [{"text": "medium"}]}}, "stopReason": "end_turn", "usage": {"inputTokens": 3, "outputTokens": 1}}}
        {"recordId": "t-3", "modelInput": {"schemaVersion": "messages-v1", "messages": [{"role": "user", "content": [{"text": "Printer?"}]}]}, "error": {"errorCode": 400, "errorMessage": "Malformed input request"}}

        """);

    private static readonly Template VertexPredictions = new("vertex-predictions.jsonl", Reads.Outputs, "predictions.jsonl", """
        {"status": "", "processed_time": "2026-12-07T09:12:44.021+00:00", "request": {"contents": [{"role": "user", "parts": [{"text": "Server down"}]}], "systemInstruction": {"parts": [{"text": "One word."}]}, "generationConfig": {"maxOutputTokens": 64}}, "response": {"candidates": [{"content": {"role": "model", "parts": [{"text": "hi", "thought": true}, {"text": "high"}]}, "finishReason": "STOP"}], "usageMetadata": {"promptTokenCount": 9, "candidatesTokenCount": 1}}}
        {"status": "", "request": {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hello"}]}, {"role": "user", "parts": [{"text": "Printer?"}]}]}, "response": {"candidates": [{"content": {"parts": [{"text": "medium"}]}}]}}
        {"status": "Bad Request: {\"error\": {\"code\": 400, \"message\": \"Request contains an invalid argument.\"}}", "processed_time": "2026-12-07T09:12:45Z", "request": {"contents": [{"role": "user", "parts": [{"text": "Down again"}]}]}}

        """);

    private static readonly Template GeminiResults = new("gemini-results.jsonl", Reads.Outputs, "results.jsonl", """
        {"key": "EVI00000001", "response": {"candidates": [{"content": {"role": "model", "parts": [{"text": "high"}]}, "finishReason": "STOP"}], "usageMetadata": {"promptTokenCount": 9}}}
        {"key": "t-2", "response": {"candidates": [{"content": {"parts": [{"text": "med"}, {"text": "ium"}]}}]}}
        {"key": "t-3", "error": {"code": 400, "message": "Request contains an invalid argument.", "status": "INVALID_ARGUMENT"}}

        """);

    private static readonly Template Predictions = new("generated_predictions.jsonl", Reads.Predictions, "generated_predictions.jsonl", """
        {"prompt": "system\nBe brief\nuser\nServer down\nassistant\n", "predict": "high", "label": "high"}
        {"prompt": "user\nHi\nassistant\n", "predict": "medium", "label": "medium"}
        {"prompt": "user\nPrinter?\nassistant\n", "predict": "high", "label": "low"}

        """);

    private static readonly Template InstructionItems = new("instructions.jsonl", Reads.Items, "instructions.jsonl", """
        {"instruction": "Summarise.", "context": "A long text.", "response": "A short text.", "category": "summarization"}
        {"question": "2 + 3?", "answer": "2 + 3 = 5\n#### 5"}
        {"instruction": "And then?", "input": "", "output": "Blue.", "history": [["Name a colour.", "Red."]]}

        """);

    private static readonly Template HostedChatItems = new("hosted-chat.jsonl", Reads.Items, "hosted-chat.jsonl", """
        {"system": "Be brief.", "messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": "Hello"}]}
        {"conversation": [{"content": "Spider legs?", "role": "user"}, {"content": "Eight.", "role": "assistant"}]}
        {"systemInstruction": {"parts": [{"text": "Be brief."}]}, "contents": [{"role": "user", "parts": [{"text": "Peru?"}]}, {"role": "model", "parts": [{"text": "Lima."}]}]}

        """);

    private static readonly Template HarnessSamples = new("samples_gsm8k.jsonl", Reads.Outputs, "samples_gsm8k.jsonl", """
        {"doc_id": 0, "doc": {"question": "2 + 2?", "answer": "#### 4"}, "target": "#### 4", "arguments": {"gen_args_0": {"arg_0": "Q: 2 + 2?", "arg_1": {"until": ["Q:"]}}}, "resps": [["It is 4.\n#### 4"]], "filtered_resps": ["4"], "filter": "strict-match", "metrics": ["exact_match"], "exact_match": 1.0}
        {"doc_id": 1, "doc": {"question": "3 + 3?", "answer": "#### 6"}, "target": "#### 6", "resps": [["Six."]], "filtered_resps": ["[invalid]"], "filter": "strict-match", "metrics": ["exact_match"], "exact_match": 0.0}
        {"doc_id": 0, "doc": {"question": "2 + 2?", "answer": "#### 4"}, "target": "#### 4", "resps": [["It is 4.\n#### 4"]], "filtered_resps": ["4"], "filter": "flexible-extract"}

        """);

    private static readonly Template[] Templates = [ItemsJsonl, ItemsCsv, InstructionItems, HostedChatItems, OutputsJsonl, OutputsCsv, BatchOutput, BedrockOutput, VertexPredictions, GeminiResults, Predictions, HarnessSamples];

    /// <summary>Readers for files that are not a template's: named by their extension, and uploads without a name.</summary>
    private static readonly Template[] Readers =
    [
        new("items.jsonl (whole file)", Reads.Items, "items.jsonl", ""),
        new("items.csv (whole file)", Reads.Items, "items.csv", ""),
        new("outputs.jsonl (whole file)", Reads.Outputs, "outputs.jsonl", ""),
        new("outputs.csv (whole file)", Reads.Outputs, "outputs.csv", ""),
        new("items without a file name", Reads.Items, null, ""),
        new("outputs without a file name", Reads.Outputs, null, ""),
    ];

    private static readonly Dictionary<string, Template> ByKey = Templates.Concat(Readers).ToDictionary(t => t.Key);

    /// <summary>The set the predictions belong to, in its order: their labels are its expected answers.</summary>
    private static readonly List<(string Id, string Expected)> SetItems = [("t-1", "high"), ("t-2", "medium"), ("t-3", "low")];

    /// <summary>Texts an enum parser would take for a role: numbers, lists of names, names with spaces.</summary>
    private static readonly string[] RoleValues = ["\"1\"", "\"0\"", "\"system, user\"", "\"User,Tool\"", "\"-1\""];

    /// <summary>CSV cells put in place of each cell: blanks, quoting mistakes, huge and unreadable values.</summary>
    private static readonly string[] CsvCells =
    [
        "", "x", " ", "\"unterminated", "\"closed\"after", "a\"b", "\"\"", "\"multi\nline\"", "\0", "1e999", "99999999999999999999",
        new string('[', 10_000), "\"{\"\"a\"\": 1}\"", "{not json",
    ];

    private static IEnumerable<FuzzCase> Cases()
    {
        var random = new Random(Seed);
        foreach (var template in Templates)
        {
            foreach (var item in Valid(template))
            {
                yield return item;
            }

            foreach (var item in Truncated(template))
            {
                yield return item;
            }

            var bytes = Utf8(template.Text);
            var nameless = Readers.Single(r => r.FileName is null && r.Reads == (template.Reads == Reads.Items ? Reads.Items : Reads.Outputs));
            for (var i = 0; i < 60; i++)
            {
                // A flip may leave a valid file (a letter changed inside a text), so only the rules on errors hold.
                // Some go without a file name, so a flipped first character sends the file to the other format's reader.
                yield return Tag(i % 4 == 0 ? nameless : template, "byte flips", FlipBytes(random, bytes), FuzzOutcome.Either);
            }

            foreach (var item in template.IsCsv ? CsvCases(template, random) : JsonCases(template, random))
            {
                yield return item;
            }
        }

        foreach (var item in WholeFileCases())
        {
            yield return item;
        }
    }

    private static IEnumerable<FuzzCase> Valid(Template template)
    {
        yield return Tag(template, "as written", Utf8(template.Text), FuzzOutcome.Accepted);
        yield return Tag(template, "CRLF line ends", Utf8(WithCrlf(template.Text)), FuzzOutcome.Accepted);
        yield return Tag(template, "UTF-8 BOM", Concat(Bom, Utf8(template.Text)), FuzzOutcome.Accepted);
        yield return Tag(template, "BOM and CRLF", Concat(Bom, Utf8(WithCrlf(template.Text))), FuzzOutcome.Accepted);
        yield return Tag(template, "no final line break", Utf8(template.Text.TrimEnd('\n')), FuzzOutcome.Accepted);
        var firstBreak = template.Text.IndexOf('\n', StringComparison.Ordinal);
        yield return Tag(template, "empty lines", Utf8(template.Text.Insert(firstBreak + 1, "\n\n") + "\n\n"), FuzzOutcome.Accepted);
    }

    private static IEnumerable<FuzzCase> Truncated(Template template)
    {
        var bytes = Utf8(template.Text);
        var headerEnd = template.Text.IndexOf('\n', StringComparison.Ordinal);
        foreach (var (cut, part) in Truncations(bytes, 3))
        {
            var prefix = Encoding.UTF8.GetString(part);
            var outcome = template.IsCsv
                // Up to the end of the header nothing is left to read; inside quotes the field is never closed.
                ? cut <= headerEnd || prefix.Count(c => c == '"') % 2 == 1 ? FuzzOutcome.Refused : FuzzOutcome.Either
                : cut == 0 || EndsMidLine(bytes, cut) ? FuzzOutcome.Refused : FuzzOutcome.Either;
            yield return Tag(template, $"cut at byte {cut}", part, outcome);
        }
    }

    private static IEnumerable<FuzzCase> JsonCases(Template template, Random random)
    {
        var lines = template.JsonLines;
        for (var n = 0; n < lines.Length; n++)
        {
            var lineNumber = n + 1;
            foreach (var path in Paths(lines[n]))
            {
                foreach (var value in path.EndsWith(".role", StringComparison.Ordinal) ? [.. JsonValues, .. RoleValues] : JsonValues)
                {
                    var text = ReplaceLine(lines, n, WithValue(lines[n], path, value));
                    yield return Tag(template, $"line {lineNumber} {path} = {Shorten(value)}", Utf8(text), Expect(template, n, Shape(path), value), On(lineNumber));
                }
            }

            var line = lines[n];
            yield return Tag(template, $"line {lineNumber} lone surrogate in a string", Utf8(ReplaceLine(lines, n, line.Insert(StringStart(line, random), SurrogateEscapes[random.Next(SurrogateEscapes.Length)]))), FuzzOutcome.Refused, On(lineNumber));
            yield return Tag(template, $"line {lineNumber} raw NUL between tokens", Utf8(ReplaceLine(lines, n, line.Insert(StructuralPosition(line, random), "\0"))), FuzzOutcome.Refused, On(lineNumber));
            yield return Tag(template, $"line {lineNumber} raw NUL in a string", Utf8(ReplaceLine(lines, n, line.Insert(StringStart(line, random), "\0"))), FuzzOutcome.Refused, On(lineNumber));
            yield return Tag(template, $"line {lineNumber} BOM between tokens", Utf8(ReplaceLine(lines, n, line.Insert(StructuralPosition(line, random), "\uFEFF"))), FuzzOutcome.Refused, On(lineNumber));

            var lineStart = Utf8(string.Concat(lines.Take(n).Select(l => l + "\n"))).Length;
            var inLine = lineStart + random.Next(1, Utf8(line).Length);
            // Read as an upload is, a bad byte becomes U+FFFD: refused where it breaks the JSON, kept inside a text.
            yield return Tag(template, $"line {lineNumber} invalid UTF-8", InsertAt(Utf8(template.Text), inLine, InvalidUtf8[random.Next(InvalidUtf8.Length)]), FuzzOutcome.Either, On(lineNumber));

            foreach (var (kind, hostile) in HostileLines())
            {
                yield return Tag(template, $"line {lineNumber} replaced by {kind}", Utf8(ReplaceLine(lines, n, hostile)), FuzzOutcome.Refused, On(lineNumber));
            }

            yield return Tag(template, $"line {lineNumber} duplicate key", Utf8(ReplaceLine(lines, n, line[..^1] + ", " + line[1..])), FuzzOutcome.Either, On(lineNumber));
        }

        // Text with a lone UTF-16 surrogate has no bytes: given as a string, as a caller holding text would.
        for (var i = 0; i < 8; i++)
        {
            var n = random.Next(lines.Length);
            var text = ReplaceLine(lines, n, lines[n].Insert(StringStart(lines[n], random), random.Next(2) == 0 ? "\ud800" : "\udc00"));
            yield return Tag(template, $"line {n + 1} raw lone surrogate", Utf8(text), FuzzOutcome.Refused, On(n + 1)) with { RawText = text };
        }
    }

    private static IEnumerable<(string Kind, string Line)> HostileLines()
    {
        yield return ("10,000 '['", new string('[', 10_000));
        yield return ("10,000 nested arrays in a value", "{\"id\": \"t-9\", \"output\": " + new string('[', 10_000) + new string(']', 10_000) + "}");
        yield return ("10,000 nested objects", string.Concat(Enumerable.Repeat("{\"a\": ", 10_000)) + "1" + new string('}', 10_000));
        yield return ("a bare array", "[1, 2]");
        yield return ("a bare string", "\"t-1\"");
        yield return ("a bare number", "1e999");
        yield return ("null", "null");
        yield return ("not JSON", "{id: t-1}");
        yield return ("an unclosed object", "{\"id\": \"t-1\"");
        yield return ("NaN", "{\"id\": \"t-1\", \"output\": NaN}");
        yield return ("two records on one line", "{\"id\": \"t-8\"} {\"id\": \"t-9\"}");
        yield return ("a lone surrogate in a key, then cut short", "{\"\\ud800\": 1, \"id\": \"t-1\", \"outp");
        yield return ("a lone surrogate in a key, then not JSON", "{\"\\udc00\": 1, \"id\": t-1}");
    }

    /// <summary>What replacing a field of a JSONL line with a raw value must give: the rules of each file's fields.</summary>
    private static FuzzOutcome Expect(Template template, int line, string path, string value)
    {
        // Nested past the JSON depth limit the line does not parse; a lone surrogate or a NUL is refused: whatever the field.
        if (IsUnstorable(value) || value.StartsWith("[[", StringComparison.Ordinal))
        {
            return FuzzOutcome.Refused;
        }

        var text = IsText(value);

        if (template == ItemsJsonl)
        {
            var hasLabel = line == 0;
            return path switch
            {
                "id" => value is "null" || IsBlankString(value) ? FuzzOutcome.Refused : FuzzOutcome.Either,
                "expected" => value == "null" && !hasLabel ? FuzzOutcome.Refused : text ? FuzzOutcome.Accepted : FuzzOutcome.Either,
                "label" => FuzzOutcome.Either,
                "schema" => value is "{}" or "null" || IsBlankString(value) ? FuzzOutcome.Accepted : FuzzOutcome.Refused,
                "input" or "messages" => value is "42" or "-1" or "0.5" or "1e999" or "-1e999" or "99999999999999999999" or "true" or "{}" or "[1]"
                    ? FuzzOutcome.Refused
                    : FuzzOutcome.Accepted,
                "input[]" or "messages[]" or "input[].role" or "messages[].role" => FuzzOutcome.Refused,
                "input[].content" or "messages[].content" => FuzzOutcome.Either,
                _ => FuzzOutcome.Either, // inside the schema: kept as the item's JSON, checked when scored
            };
        }

        if (template == OutputsJsonl)
        {
            return path switch
            {
                "id" => value is "null" || IsBlankString(value) ? FuzzOutcome.Refused : FuzzOutcome.Either,
                "output" => value is "null" ? FuzzOutcome.Refused : text ? FuzzOutcome.Accepted : FuzzOutcome.Either,
                _ => FuzzOutcome.Either,
            };
        }

        if (template == BatchOutput)
        {
            // The failed request (line 3) gives no output whatever its response says, as long as its error stays.
            var failed = line == 2;
            return path switch
            {
                "custom_id" => value is "null" || IsBlankString(value) ? FuzzOutcome.Refused : FuzzOutcome.Either,
                "error" when failed => value == "null" ? FuzzOutcome.Refused : FuzzOutcome.Either,
                "error" => value == "null" ? FuzzOutcome.Accepted : FuzzOutcome.Either,
                "response" or "response.body" or "response.body.choices" or "response.body.choices[]" or "response.body.choices[].message" when !failed => FuzzOutcome.Refused,
                "response.body.choices[].message.content" or "response.body.choices[].text" => text ? FuzzOutcome.Accepted : FuzzOutcome.Refused,
                _ => FuzzOutcome.Either,
            };
        }

        // LLaMA-Factory predictions: each label must be the expected answer of the item at its place in the set.
        return path switch
        {
            "label" => FuzzOutcome.Refused,
                        _ => FuzzOutcome.Either,
        };
    }

    private static IEnumerable<FuzzCase> CsvCases(Template template, Random random)
    {
        var records = CsvRecords(template.Text);
        var header = records[0].Split(',');
        for (var r = 1; r < records.Count; r++)
        {
            var line = records.Take(r).Sum(LineBreaksIn) + 1;
            var cells = SplitCsvRecord(records[r]);
            for (var c = 0; c < header.Length; c++)
            {
                foreach (var cell in CsvCells)
                {
                    var changed = cells.ToArray();
                    changed[c] = cell;
                    var text = string.Join("\n", records.Take(r).Append(string.Join(",", changed)).Concat(records.Skip(r + 1))) + "\n";
                    // An unclosed quote runs to the end of the file, and CSV reports it on the record where it opened.
                    yield return Tag(template, $"record {r} {header[c]} = {Shorten(cell)}", Utf8(text), ExpectCsv(template, header[c], cell), On(line));
                }
            }

            var withSurrogate = cells.ToArray();
            var at = random.Next(header.Length);
            withSurrogate[at] = "a" + (random.Next(2) == 0 ? "\ud800" : "\udc00") + "b";
            var raw = ReplaceRecord(records, r, string.Join(",", withSurrogate));
            yield return Tag(template, $"record {r} {header[at]} holds a raw lone surrogate", Utf8(raw), FuzzOutcome.Either, On(line)) with { RawText = raw };
            yield return Tag(template, $"record {r} ragged: one cell", Utf8(ReplaceRecord(records, r, cells[0])), FuzzOutcome.Either, On(line));
            yield return Tag(template, $"record {r} ragged: extra cells", Utf8(ReplaceRecord(records, r, records[r] + ",extra,\"more\"")), FuzzOutcome.Either, On(line));
            yield return Tag(template, $"record {r} ragged: empty cells only", Utf8(ReplaceRecord(records, r, new string(',', header.Length - 1))), FuzzOutcome.Refused, On(line));
        }

        var body = template.Text[(records[0].Length + 1)..];
        yield return Tag(template, "header only", Utf8(records[0] + "\n"), FuzzOutcome.Refused);
        yield return Tag(template, "header missing a required column", Utf8(string.Join(",", header.Skip(1)) + "\n" + body), FuzzOutcome.Refused, On(1));
        yield return Tag(template, "header in capitals", Utf8(records[0].ToUpperInvariant() + "\n" + body), FuzzOutcome.Accepted);
        yield return Tag(template, "header named twice", Utf8(records[0] + "," + header[0] + "\n" + body), FuzzOutcome.Either);
        yield return Tag(template, "header with an unclosed quote", Utf8("\"" + template.Text), FuzzOutcome.Refused, On(1));
        yield return Tag(template, "semicolons", Utf8(template.Text.Replace(',', ';')), FuzzOutcome.Either);
        yield return Tag(template, "tabs", Utf8(template.Text.Replace(',', '\t')), FuzzOutcome.Either);
    }

    /// <summary>What a changed CSV cell must give: quoting mistakes are refused; the rest by each column's rule.</summary>
    private static FuzzOutcome ExpectCsv(Template template, string column, string cell)
    {
        if (cell is "\"unterminated" or "\"closed\"after")
        {
            return FuzzOutcome.Refused;
        }

        var blank = cell.Trim().Length == 0 || cell == "\"\"";
        return (template.Reads, column) switch
        {
            (_, "id") => blank ? FuzzOutcome.Refused : FuzzOutcome.Either,
            (Reads.Items, "schema") => cell is "" or " " or "\"\"" or "\"{\"\"a\"\": 1}\"" ? FuzzOutcome.Accepted : FuzzOutcome.Refused,
            _ => FuzzOutcome.Either,
        };
    }

    private static IEnumerable<FuzzCase> WholeFileCases()
    {
        foreach (var template in Readers)
        {
            yield return Tag(template, "empty file", [], FuzzOutcome.Refused);
            yield return Tag(template, "blank lines only", Utf8("\n \n\t\r\n"), FuzzOutcome.Refused);
            yield return Tag(template, "a BOM only", Bom, FuzzOutcome.Refused);
            yield return Tag(template, "NUL bytes only", new byte[64], FuzzOutcome.Refused);
            yield return Tag(template, "UTF-16 text", Encoding.Unicode.GetBytes(OutputsJsonl.Text), FuzzOutcome.Refused);
            yield return Tag(template, "binary", [.. Enumerable.Range(0, 512).Select(i => (byte)(i * 37 % 256))], FuzzOutcome.Refused);
        }

        var mixed = OutputsJsonl.JsonLines[0] + "\n" + Predictions.JsonLines[1] + "\n";
        yield return Tag(OutputsJsonl, "ids mixed with LLaMA-Factory lines", Utf8(mixed), FuzzOutcome.Refused);
        yield return Tag(Predictions, "fewer predictions than the set", Utf8(Predictions.JsonLines[0] + "\n"), FuzzOutcome.Refused);
        yield return Tag(Predictions, "predictions out of order", Utf8(string.Join("\n", Predictions.JsonLines.Reverse()) + "\n"), FuzzOutcome.Refused);
        var repeated = string.Concat(Enumerable.Repeat(OutputsJsonl.JsonLines[0] + "\n", 150));
        yield return Tag(OutputsJsonl, "one id 150 times (more errors than are listed)", Utf8(repeated), FuzzOutcome.Refused, On([.. Enumerable.Range(2, 149)]));
    }

    [Fact]
    public async Task MangledEvalFiles_AreRowsOrErrorsNamingTheirLines_NeverAnotherException()
    {
        var (count, failures) = await RunAsync(Cases(), async item =>
        {
            var (errors, text) = await ParseAsync(item);
            return Problems(item, errors, text);
        });

        count.ShouldBeGreaterThan(3000);
        failures.ShouldBeEmpty(string.Join("\n", failures.Take(40)));
    }

    /// <summary>The errors the parser reported (none: it accepted the file), and the text it read.</summary>
    private static async Task<(IReadOnlyList<InputError> Errors, string Text)> ParseAsync(FuzzCase item)
    {
        var (reads, fileName) = (ByKey[item.Source!].Reads, ByKey[item.Source!].FileName);
        var text = item.RawText ?? await EvalFileParser.ReadTextAsync(new MemoryStream(item.Bytes), CancellationToken.None);
        try
        {
            switch (reads)
            {
                case Reads.Items:
                    EvalFileParser.ParseItems(text, fileName).ShouldNotBeEmpty();
                    break;
                case Reads.Outputs:
                    EvalFileParser.ParseOutputs(text, fileName).ShouldNotBeEmpty();
                    break;
                default:
                    var outputs = EvalFileParser.ParseOutputs(text, fileName);
                    if (outputs.All(o => o.ByPosition))
                    {
                        EvalFileParser.InSetOrder(outputs, SetItems);
                    }

                    break;
            }

            return ([], text);
        }
        catch (StudioValidationException e)
        {
            e.TotalCount.ShouldBeGreaterThanOrEqualTo(e.Errors.Count);
            return (e.Errors.Count == 0 ? [new InputError("", "a validation exception without errors")] : e.Errors, text);
        }
    }

    private static FuzzCase Tag(Template template, string kind, byte[] bytes, FuzzOutcome outcome, IReadOnlySet<int>? lines = null) =>
        new($"{template.Key}: {kind}", bytes, outcome, lines) { Source = template.Key };

    private static string ReplaceLine(string[] lines, int index, string line) =>
        string.Join("\n", lines.Select((l, i) => i == index ? line : l)) + "\n";

    private static string ReplaceRecord(List<string> records, int index, string record) =>
        string.Join("\n", records.Select((r, i) => i == index ? record : r)) + "\n";

    private static int LineBreaksIn(string record) => record.Count(c => c == '\n') + 1;

    /// <summary>The records of a small CSV template: lines joined while a quote is open.</summary>
    private static List<string> CsvRecords(string text)
    {
        var records = new List<string>();
        var current = new StringBuilder();
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            current.Append(current.Length > 0 ? "\n" : "").Append(line);
            if (current.ToString().Count(c => c == '"') % 2 == 0)
            {
                records.Add(current.ToString());
                current.Clear();
            }
        }

        return records;
    }

    /// <summary>The cells of one template record, quotes kept, split on commas outside quotes.</summary>
    private static List<string> SplitCsvRecord(string record)
    {
        var cells = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in record)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }

            if (c == ',' && !quoted)
            {
                cells.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(c);
            }
        }

        cells.Add(current.ToString());
        return cells;
    }
}
