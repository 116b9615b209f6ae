using System.Text.Json;
using CsvHelper;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>One held-out item as read from a file.</summary>
public sealed record EvalItemInput(string Id, IReadOnlyList<MessageContent> Input, string Expected, string? Label, string? SchemaJson, int Line);

/// <summary>One model output as read from a file.</summary>
public sealed record EvalOutputInput(string Id, string Output, int Line);

/// <summary>
/// Reads eval items (<c>{id, expected, label?, schema?, input?}</c>) and model outputs
/// (<c>{id, output}</c>) from JSONL or CSV. Every problem is reported with its line; a file with any
/// problem yields no rows, so callers change nothing.
/// </summary>
public static class EvalFileParser
{
    public const int MaxErrors = 100;

    /// <summary>The whole file as text. Callers bound the stream: uploads by the studio's one upload limit.</summary>
    public static async Task<string> ReadTextAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, leaveOpen: true);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    public static bool LooksLikeCsv(string text, string? fileName)
    {
        var extension = Path.GetExtension(fileName ?? "").ToLowerInvariant();
        if (extension == ".csv")
        {
            return true;
        }

        if (extension is ".jsonl" or ".json" or ".ndjson")
        {
            return false;
        }

        var first = text.AsSpan().TrimStart();
        return first.Length > 0 && first[0] != '{';
    }

    public static IReadOnlyList<EvalItemInput> ParseItems(string text, string? fileName = null)
    {
        var errors = new ErrorList();
        var rows = ReadRows(text, fileName, ["id", "expected"], errors);
        var items = new List<EvalItemInput>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var id = row.Get("id");
            if (string.IsNullOrWhiteSpace(id))
            {
                errors.Add("id", "The item has no id.", row.Line);
                continue;
            }

            id = id.Trim();
            if (id.Length > 128)
            {
                errors.Add("id", "The id is longer than 128 characters.", row.Line);
                continue;
            }

            if (seen.TryGetValue(id, out var firstLine))
            {
                errors.Add("id", $"The id \"{id}\" was already used on line {firstLine}.", row.Line);
                continue;
            }

            seen[id] = row.Line;
            var label = NullIfBlank(row.Get("label"));
            var expected = row.Get("expected") ?? label;
            if (expected is null)
            {
                errors.Add("expected", "The item has no expected output (give expected, or a label).", row.Line);
                continue;
            }

            var schema = NullIfBlank(row.Get("schema"));
            if (schema is not null && !IsJsonObject(schema))
            {
                errors.Add("schema", "The schema is not a JSON object.", row.Line);
                continue;
            }

            if (schema is not null && SchemaReferences.FirstExternal(schema) is { } reference)
            {
                errors.Add("schema", $"The schema refers to '{reference}' outside itself; only references within the schema (\"$ref\": \"#/...\") are allowed, so nothing is fetched when it is scored.", row.Line);
                continue;
            }

            if (!TryReadInput(row, out var input, out var inputError))
            {
                errors.Add("input", inputError, row.Line);
                continue;
            }

            items.Add(new EvalItemInput(id, input, expected, label, schema, row.Line));
        }

        if (items.Count == 0 && errors.Total == 0)
        {
            errors.Add("file", "The file has no items.", null);
        }

        errors.ThrowIfAny();
        return items;
    }

    public static IReadOnlyList<EvalOutputInput> ParseOutputs(string text, string? fileName = null)
    {
        var errors = new ErrorList();
        var rows = ReadRows(text, fileName, ["id", "output"], errors);
        var outputs = new List<EvalOutputInput>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
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

        errors.ThrowIfAny();
        return outputs;
    }

    /// <summary>
    /// The rows of a JSONL file (one object a line) or a CSV file with a header holding <paramref name="requiredCsvColumns"/>;
    /// problems go to <paramref name="errors"/> with their line. Shared with other line files (label predictions).
    /// </summary>
    public static IEnumerable<Row> ReadRows(string text, string? fileName, string[] requiredCsvColumns, ErrorList errors) =>
        LooksLikeCsv(text, fileName) ? CsvRows(text, requiredCsvColumns, errors) : JsonRows(text, errors);

    private static bool TryReadInput(Row row, out IReadOnlyList<MessageContent> input, out string error)
    {
        input = [];
        error = "";
        if (row.Json is { } json)
        {
            var property = json.TryGetProperty("messages", out var m) ? m : json.TryGetProperty("input", out var i) ? i : default;
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
                            || !Enum.TryParse<MessageRole>(role.GetString(), true, out var parsedRole))
                        {
                            error = "Each input message needs a role (system, user, assistant or tool) and content.";
                            return false;
                        }

                        var content = message.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
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

    private static IEnumerable<Row> JsonRows(string text, ErrorList errors)
    {
        var rows = new List<Row>();
        using var reader = new StringReader(text);
        var line = 0;
        while (reader.ReadLine() is { } raw)
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw))
            {
                continue;
            }

            try
            {
                using var document = JsonDocument.Parse(raw);
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    errors.Add("line", "Each line must be a JSON object.", line);
                    continue;
                }

                rows.Add(new Row(line, document.RootElement.Clone(), null));
            }
            catch (JsonException e)
            {
                errors.Add("line", "Not valid JSON: " + FirstSentence(e.Message), line);
            }
            catch (ArgumentException)
            {
                // A lone UTF-16 surrogate cannot become UTF-8 to parse (found by the predictions parser's fuzz test).
                errors.Add("line", "The line holds a broken character (a lone UTF-16 surrogate).", line);
            }
        }

        return rows;
    }

    private static IEnumerable<Row> CsvRows(string text, string[] required, ErrorList errors)
    {
        var rows = new List<Row>();
        using var reader = CsvReader.FromText(text, new CsvReaderOptions
        {
            HasHeader = true,
            TrackLineNumbers = true,
            SkipEmptyLines = true,
            MalformedData = CsvMalformedDataHandling.Throw,
        });
        try
        {
            var headers = reader.Headers.Select(h => h.Trim().ToLowerInvariant()).ToList();
            var missing = required.Where(r => !headers.Contains(r)).ToList();
            if (missing.Count > 0)
            {
                errors.Add("header", $"The header must have the columns {string.Join(", ", required)}; missing: {string.Join(", ", missing)}.", 1);
                return rows;
            }

            while (reader.Read())
            {
                var values = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var i = 0; i < headers.Count; i++)
                {
                    values[headers[i]] = reader.GetString(i);
                }

                rows.Add(new Row((int)reader.LineNumber, null, values));
            }
        }
        catch (CsvFormatException e)
        {
            errors.Add("file", "The file is not valid CSV from here on: " + e.Message, (int?)e.LineNumber);
        }

        return rows;
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

        public int Total { get; private set; }

        public void Add(string field, string message, int? line)
        {
            Total++;
            if (_errors.Count < MaxErrors)
            {
                _errors.Add(new InputError(field, message, line));
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
