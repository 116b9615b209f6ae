using System.Text;
using System.Text.Json.Nodes;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using static FineTuneStudio.Core.Tests.Imports.ImportFixtures;
using static FineTuneStudio.Core.Tests.Support.FuzzInputs;

namespace FineTuneStudio.Core.Tests.Imports;

/// <summary>
/// Hostile lines generated from a fixed seed: every one must come back as an error row on its own line, never as
/// an exception, and a real import of it writes nothing. Each file is a valid record of the same shape on line 1
/// (so auto detection settles on that shape) and the hostile line on line 2.
/// </summary>
public class ImportFuzzTests
{
    private const int Seed = 20251202;
    private static readonly DateTime Now = new(2025, 3, 1, 9, 0, 0, DateTimeKind.Utc);

    private static readonly string[] Templates =
    [
        """{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?", "name": "dana"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "w", "arguments": "{}"}}]}, {"role": "tool", "tool_call_id": "c1", "content": "sunny"}, {"role": "assistant", "content": "Sunny.", "weight": 1}], "tools": [{"type": "function", "function": {"name": "w"}}], "label": "weather", "tags": ["a", "b"]}""",
        """{"prompt": "Translate: cat", "completion": "chat", "label": "fr"}""",
        """{"prompt": "Summarise", "chosen": "Short.", "rejected": "Long."}""",
        """{"instruction": "Classify", "input": "I love it", "output": "positive", "system": "x"}""",
        """{"conversations": [{"from": "human", "value": "Hi"}, {"from": "function_call", "value": "{\"name\": \"f\", \"arguments\": {}}"}, {"from": "observation", "value": "ok"}, {"from": "gpt", "value": "Hello"}], "system": "s", "tools": "[{\"name\": \"f\"}]"}""",
        """{"conversations": [{"from": "human", "value": "Hi"}], "chosen": {"from": "gpt", "value": "Hello"}, "rejected": "Go"}""",
        """{"prompt": "2+2", "completion": "4", "label": true}""",
        """{"id": 1, "data": {"text": "late again"}, "annotations": [{"result": [{"type": "choices", "value": {"choices": ["negative"]}}, {"type": "rating", "value": {"rating": 4}}], "was_cancelled": false}]}""",
        """{"fields": {"text": "I love it"}, "responses": {"label": [{"value": "positive", "status": "submitted"}]}}""",
        """{"text": "Where is my card?", "label": 11, "label_text": "card_arrival", "idx": 7}""",
        """{"instruction": "When?", "context": "It began in 2000.", "response": "In 2000.", "category": "closed_qa", "history": [["Hi", "Hello"]]}""",
        """{"chosen": "\n\nHuman: Hi\n\nAssistant: Hello.", "rejected": "\n\nHuman: Hi\n\nAssistant: Go away."}""",
        """{"chosen": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}], "rejected": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Go."}]}""",
        """{"messages": [{"role": "user", "content": "Weather?"}, {"role": "assistant", "function_call": {"name": "w", "arguments": "{}"}}, {"role": "function", "name": "w", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}], "functions": [{"name": "w"}]}""",
        """{"prompt": "Name a prime above 90.", "response": "97.", "helpfulness": 4}""",
        """{"schemaVersion": "bedrock-conversation-2024", "system": [{"text": "Be brief."}], "messages": [{"role": "user", "content": [{"text": "Hi"}]}, {"role": "assistant", "content": [{"text": "Hello"}]}]}""",
        """{"conversation_id": "a1", "model": "m", "conversation": [{"content": "Hi", "role": "user"}, {"content": "Hello", "role": "assistant"}], "turn": 1}""",
        """{"systemInstruction": {"role": "system", "parts": [{"text": "Be brief."}]}, "contents": [{"role": "user", "parts": [{"text": "Hi"}]}, {"role": "model", "parts": [{"text": "Hel"}, {"text": "lo"}]}]}""",
        """{"id": 1, "text": "late again", "sentiment": "negative", "rating": 4, "reply": ["Sorry."], "annotator": 1, "annotation_id": 11, "lead_time": 2.5}""",
    ];

    /// <summary>For each field of each template (by index), values of a type that field cannot take.</summary>
    private static readonly (int Template, string Path, string[] Values)[] WrongTypes =
    [
        (0, "messages", ["42", "{}", "\"x\"", "[]", "[1]"]),
        (0, "messages[1].role", ["42", "{}", "[]", "\"\"", "\"narrator\""]),
        (0, "messages[1].content", ["42", "{}", "[1]", "true", "[{\"type\": \"image_url\"}]", "[{\"type\": \"text\"}]"]),
        (0, "messages[1].name", ["42", "{}", "[]"]),
        (0, "messages[2].tool_calls", ["42", "{}", "[1]", "[{}]", "\"x\""]),
        (0, "messages[3].tool_call_id", ["42", "{}", "\"\""]),
        (0, "messages[4].weight", ["\"1\"", "true", "2", "{}", "1e400", "-1"]),
        (0, "messages[4].content", ["\"\"", "\"  \""]),
        (0, "tools", ["42", "{}", "[1]", "[{}]", "\"[1]\"", "\"not json\""]),
        (0, "label", ["4.5", "1e400", "{}", "[]"]),
        (0, "tags", ["42", "{}", "[1]", "true"]),
        (1, "prompt", ["42", "{}", "true"]),
        (1, "completion", ["42", "{}", "true", "\"\""]),
        (2, "prompt", ["42", "true"]),
        (2, "chosen", ["42", "true", "{}"]),
        (2, "rejected", ["42", "{}", "[]"]),
        (3, "instruction", ["42", "{}"]),
        (3, "input", ["42", "[]"]),
        (3, "output", ["42", "{}", "\"\""]),
        (3, "system", ["42"]),
        (4, "conversations", ["42", "{}", "\"x\"", "[]", "[1]"]),
        (4, "conversations[0].from", ["42", "{}", "\"narrator\""]),
        (4, "conversations[0].value", ["42", "{}", "[]"]),
        (4, "conversations[1].value", ["\"{bad\"", "\"42\"", "\"{}\""]),
        (4, "conversations[1].from", ["\"observation\""]),
        (4, "system", ["42", "{}"]),
        (4, "tools", ["42", "{}", "\"[1]\"", "\"{\\\"x\\\": 1}\""]),
        (5, "chosen", ["42", "true", "[]", "\"\""]),
        (5, "rejected", ["42", "[]", "{\"from\": \"human\", \"value\": \"x\"}"]),
        (6, "label", ["\"yes\"", "42", "null"]),
        (7, "data", ["42", "\"x\"", "[]", "{}"]),
        (7, "annotations", ["42", "{}", "\"x\""]),
        (7, "annotations[0].result[0].value", ["42", "\"x\""]),
        (7, "annotations[0].result[0].value.choices", ["42", "\"x\"", "[1]"]),
        (7, "annotations[0].result[1].value.rating", ["\"4\"", "4.5", "{}"]),
        (8, "fields", ["42", "\"x\"", "[]", "{}"]),
        (8, "fields.text", ["42", "{}"]),
        (9, "text", ["42", "{}", "[]", "\"\"", "null"]),
        (9, "label", ["4.5", "99999999999999999999", "{}", "[]"]),
        (9, "label_text", ["42", "{}", "[]"]),
        (10, "context", ["42", "[]"]),
        (10, "response", ["42", "{}", "\"\"", "null"]),
        (10, "category", ["42", "[]"]),
        (10, "history", ["42", "{}", "\"x\"", "[1]", "[[1, 2]]", "[[\"a\"]]", "[[\"a\", \"\"]]", "[[\"a\", \"b\", \"c\"]]"]),
        (11, "chosen", ["42", "\"plain\"", "\"\\n\\nHuman: only a question\"", "[]"]),
        (11, "rejected", ["42", "\"\\n\\nHuman: Bye\\n\\nAssistant: x\"", "\"\\n\\nHuman: Hi\"", "\"Go.\"", "null"]),
        (12, "chosen", ["42", "[]", "[{\"role\": \"assistant\", \"content\": \"x\"}]", "[{\"role\": \"user\", \"content\": \"Hi\"}]"]),
        (13, "messages[1].function_call", ["42", "\"w\"", "[]", "{}", "{\"name\": 42}", "{\"name\": \"\"}"]),
        (13, "messages[2].role", ["\"functions\"", "42"]),
        (13, "functions", ["42", "{}", "[1]", "[{}]", "\"not json\""]),
        (14, "response", ["42", "{}", "\"\"", "[]"]),
        (14, "prompt", ["42", "{}", "[]"]),
        (12, "rejected", ["42", "[]", "[{\"role\": \"user\", \"content\": \"Other\"}, {\"role\": \"assistant\", \"content\": \"Go.\"}]"]),
        (15, "system", ["42", "{}", "[1]", "[{\"image\": {}}]", "[{\"text\": 7}]"]),
        (15, "messages[0].content[0].text", ["42", "{}", "[]"]),
        (15, "messages[1].content", ["[]", "[{\"toolUse\": {}}]"]),
        (16, "conversation", ["42", "{}", "\"x\"", "[]", "[1]"]),
        (16, "conversation[1].role", ["42", "\"model\""]),
        (17, "systemInstruction", ["42", "\"x\"", "[]", "{}"]),
        (17, "systemInstruction.parts", ["42", "{}", "[1]", "[{}]", "[{\"text\": 7}]", "[{\"inlineData\": {}}]"]),
        (17, "contents", ["42", "{}", "\"x\"", "[]", "[1]"]),
        (17, "contents[0].role", ["42", "\"assistant\"", "{}"]),
        (18, "text", ["42", "{}", "[]"]),
        (18, "sentiment", ["{}", "{\"choices\": 42}", "{\"choices\": [1]}"]),
        (17, "contents[1].parts", ["42", "\"x\"", "[]", "[{\"functionCall\": {}}]"]),
        (17, "contents[1].parts[0].text", ["42", "{}", "null"]),
    ];

    public sealed record Case(string Kind, string First, byte[] Hostile, bool MustFail);

    private static IEnumerable<Case> Cases()
    {
        var random = new Random(Seed);
        var chat = Templates[0];
        byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
        string Pick(params string[] values) => values[random.Next(values.Length)];

        for (var i = 0; i < 20; i++)
        {
            var template = Templates[random.Next(Templates.Length)];
            var escape = Pick("\\ud800", "\\udbff", "\\udc00", "\\udfff", "\\udc00\\ud800", "\\ud800\\ud800", "x\\ud83d");
            var at = StringStart(template, random);
            yield return new Case("lone surrogate", template, Utf8(template.Insert(at, escape)), true);
        }

        for (var i = 0; i < 20; i++)
        {
            var template = Templates[random.Next(Templates.Length)];
            byte[][] bad = [[0xFF], [0xC0, 0xAF], [0x80], [0xE2, 0x82], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80]];
            var bytes = Utf8(template).ToList();
            bytes.InsertRange(random.Next(1, bytes.Count), bad[random.Next(bad.Length)]);
            yield return new Case("invalid UTF-8", template, [.. bytes], true);
        }

        foreach (var depth in new[] { 65, 100, 1000, 100_000 })
        {
            yield return new Case("deep arrays", chat, Utf8("{\"messages\": " + new string('[', depth) + new string(']', depth) + "}"), true);
            yield return new Case("deep objects", chat, Utf8(string.Concat(Enumerable.Repeat("{\"a\": ", depth)) + "1" + new string('}', depth)), true);
        }

        for (var i = 0; i < 10; i++)
        {
            var template = Templates[random.Next(Templates.Length)];
            var bytes = Utf8(template).ToList();
            bytes.InsertRange(StructuralPosition(template, random), Pick("bom", "nul") == "bom" ? [0xEF, 0xBB, 0xBF] : [0x00]);
            yield return new Case("BOM or NUL outside strings", template, [.. bytes], true);

            var inString = Utf8(template).ToList();
            inString.Insert(StringStart(template, random), 0x00);
            yield return new Case("raw NUL in a string", template, [.. inString], true);
            yield return new Case("escaped NUL", template, Utf8(template.Insert(StringStart(template, random), "\\u0000")), true);
        }

        for (var i = 0; i < 20; i++)
        {
            var template = Templates[random.Next(Templates.Length)];
            yield return new Case("truncated", template, Utf8(template[..random.Next(1, template.Length - 1)]), true);
        }

        foreach (var number in new[] { "1e400", "99999999999999999999", "-1", "0.5", "2", "1.0e1", "\"1\"", "true" })
        {
            yield return new Case("weight out of range", chat, Utf8(chat.Replace("\"weight\": 1", $"\"weight\": {number}", StringComparison.Ordinal)), true);
        }

        foreach (var template in Templates)
        {
            foreach (var (path, _) in Leaves(JsonNode.Parse(template)!, ""))
            {
                yield return new Case($"duplicate key {path}", template, Utf8(DuplicateLastKey(template, path)), true);
            }
        }

        foreach (var (template, path, values) in WrongTypes)
        {
            foreach (var wrong in values)
            {
                var copy = JsonNode.Parse(Templates[template])!;
                Set(copy, path, JsonNode.Parse(wrong));
                yield return new Case($"wrong type {path}={wrong}", Templates[template], Utf8(copy.ToJsonString()), true);
            }
        }

        for (var i = 0; i < 200; i++)
        {
            var template = Templates[random.Next(Templates.Length)];
            var bytes = Utf8(template);
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }

            // A flip may leave a valid record (a letter changed inside a text), so only "never throws, errors on its own line" holds.
            yield return new Case("byte flips", template, bytes, false);
        }
    }

    [Fact]
    public async Task ParseAsync_HostileLines_EachAnErrorOnItsOwnLineNeverAThrow()
    {
        var failures = new List<string>();
        var count = 0;
        foreach (var item in Cases())
        {
            count++;
            List<ImportRow> rows;
            try
            {
                rows = await ParseAsync(item);
            }
            catch (Exception ex)
            {
                failures.Add($"{item.Kind}: threw {ex.GetType().Name}: {ex.Message}");
                continue;
            }

            var lines = HostileLines(item);
            var errors = Errors(rows);
            if (errors.Any(e => e.Line is null || (e.Line != 1 && !lines.Contains(e.Line.Value))))
            {
                failures.Add($"{item.Kind}: an error names a line the hostile record is not on: {string.Join("; ", errors)}");
            }

            if (errors.Any(e => e.Line == 1 && !lines.Contains(1)))
            {
                failures.Add($"{item.Kind}: the valid first line got an error: {string.Join("; ", errors)}");
            }

            if (item.MustFail && !errors.Any(e => e.Line is { } line && lines.Contains(line)))
            {
                failures.Add($"{item.Kind}: no error on line 2 for {Shorten(item.Hostile)}");
            }
        }

        count.ShouldBeGreaterThan(400);
        failures.ShouldBeEmpty(string.Join("\n", failures.Take(30)));
    }

    [Fact]
    public async Task ImportAsync_HostileLines_WriteNothingAndReturnErrors()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var service = new ImportService(database, new ManualClock(Now));
        var failures = new List<string>();
        foreach (var item in Cases().Where(c => c.MustFail))
        {
            await using var file = new MemoryStream([.. Encoding.UTF8.GetBytes(item.First + "\n"), .. item.Hostile, (byte)'\n']);
            try
            {
                var result = await service.ImportAsync(datasetId, file, new ImportOptions(), new Actor("user-1", "Dana"), null, CancellationToken.None);
                if (result.Succeeded || result.Imported != 0 || result.Errors.Count == 0)
                {
                    failures.Add($"{item.Kind}: imported {result.Imported}, {result.Errors.Count} errors");
                }
            }
            catch (Exception ex) when (ex is not StudioValidationException)
            {
                failures.Add($"{item.Kind}: threw {ex.GetType().Name}: {ex.Message}");
            }
        }

        failures.ShouldBeEmpty(string.Join("\n", failures.Take(30)));
        await using var db = database.CreateDbContext();
        (await db.Examples.CountAsync()).ShouldBe(0);
        (await db.AuditEvents.CountAsync(a => a.Action == "example.import")).ShouldBe(0);
    }

    [Fact]
    public async Task ImportAsync_HostileLinesSkipped_LeaveOutOnlyTheHostileRecord()
    {
        await using var database = await TestDatabase.CreateAsync();
        var datasetId = await CreateDatasetAsync(database);
        var service = new ImportService(database, new ManualClock(Now));
        var actor = new Actor("user-1", "Dana");
        var options = new ImportOptions { InvalidRecords = InvalidRecordPolicy.Skip, DuplicatePolicy = DuplicatePolicy.Keep };
        var failures = new List<string>();
        var expected = 0;
        // The pair templates cannot go into this chat dataset; their first line alone is refused, so they tell nothing here.
        var importable = new Dictionary<string, bool>();
        foreach (var template in Templates)
        {
            var alone = await service.ImportAsync(datasetId, new MemoryStream(Encoding.UTF8.GetBytes(template)), options with { DryRun = true }, actor, null, CancellationToken.None);
            importable[template] = alone.Succeeded;
        }

        foreach (var item in Cases().Where(c => c.MustFail && importable[c.First]))
        {
            await using var file = new MemoryStream([.. Encoding.UTF8.GetBytes(item.First + "\n"), .. item.Hostile, (byte)'\n']);
            try
            {
                var result = await service.ImportAsync(datasetId, file, options, actor, null, CancellationToken.None);
                var lines = HostileLines(item);
                if (!result.Succeeded || result.Imported != 1 || result.InvalidRecords != 1 || result.LeftOut.Any(e => e.Line is not { } line || !lines.Contains(line)))
                {
                    failures.Add($"{item.Kind}: imported {result.Imported}, left out {result.InvalidRecords}: {string.Join("; ", result.Errors.Concat(result.LeftOut))}");
                }

                expected += result.Imported;
            }
            catch (Exception ex)
            {
                failures.Add($"{item.Kind}: threw {ex.GetType().Name}: {ex.Message}");
            }
        }

        failures.ShouldBeEmpty(string.Join("\n", failures.Take(30)));
        expected.ShouldBeGreaterThan(200);
        await using var db = database.CreateDbContext();
        (await db.Examples.CountAsync()).ShouldBe(expected);
    }

    private static async Task<List<ImportRow>> ParseAsync(Case item)
    {
        await using var stream = new MemoryStream([.. Encoding.UTF8.GetBytes(item.First + "\n"), .. item.Hostile, (byte)'\n']);
        return await CollectAsync(new JsonExampleParser().ParseAsync(stream, ImportFormat.Auto, CancellationToken.None));
    }

    /// <summary>The physical lines the hostile record covers: line 2, plus any a flipped byte turned into a line break.</summary>
    private static HashSet<int> HostileLines(Case item) => [.. Enumerable.Range(2, item.Hostile.Count(b => b == (byte)'\n') + 1)];

    private static async Task<int> CreateDatasetAsync(TestDatabase database) =>
        (await new Seed(database, Now).DatasetAsync("Fuzz", "fuzz")).DatasetId;

    private static IEnumerable<(string Path, JsonNode? Node)> Leaves(JsonNode node, string path)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    var childPath = path.Length == 0 ? key : $"{path}.{key}";
                    yield return (childPath, child);
                    if (child is not null)
                    {
                        foreach (var leaf in Leaves(child, childPath))
                        {
                            yield return leaf;
                        }
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is { } child)
                    {
                        foreach (var leaf in Leaves(child, $"{path}[{i}]"))
                        {
                            yield return leaf;
                        }
                    }
                }

                break;
        }
    }

    /// <summary>Steps of a path like <c>messages[1].content</c>: keys and array indexes.</summary>
    private static List<object> Steps(string path)
    {
        var steps = new List<object>();
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(path, @"([^.\[\]]+)|\[(\d+)\]"))
        {
            steps.Add(m.Groups[2].Success ? int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) : m.Groups[1].Value);
        }

        return steps;
    }

    private static JsonNode Parent(JsonNode root, string path, out object last)
    {
        var steps = Steps(path);
        var node = root;
        foreach (var step in steps[..^1])
        {
            node = step is int i ? node[i]! : node[(string)step]!;
        }

        last = steps[^1];
        return node;
    }

    private static void Set(JsonNode root, string path, JsonNode? value)
    {
        var parent = Parent(root, path, out var last);
        if (last is int i)
        {
            parent[i] = value;
        }
        else
        {
            parent[(string)last] = value;
        }
    }

    /// <summary>The record with the key at <paramref name="path"/> written a second time just after the first.</summary>
    private static string DuplicateLastKey(string template, string path)
    {
        var root = JsonNode.Parse(template)!;
        var parent = (JsonObject)Parent(root, path, out var last);
        var key = (string)last;
        var marker = "__dup_marker__";
        var value = parent[key]?.ToJsonString() ?? "null";
        parent[marker] = 0;
        return root.ToJsonString().Replace($"\"{marker}\":0", $"\"{key}\":{value}", StringComparison.Ordinal);
    }

    private static string Shorten(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        return text.Length <= 120 ? text : text[..120] + "…";
    }
}
