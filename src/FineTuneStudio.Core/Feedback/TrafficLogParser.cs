using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using FineTuneStudio.Core.Imports;

namespace FineTuneStudio.Core.Feedback;

/// <summary>One turn of a logged request.</summary>
public sealed record LogMessage(string Role, string Content);

/// <summary>One logged request and answer, detached from the database.</summary>
public sealed record TrafficLogEntry(
    int Line,
    DateTime LoggedAt,
    IReadOnlyList<LogMessage> Messages,
    string Response,
    string? Model,
    int? LatencyMs,
    int? Rating)
{
    /// <summary>Every user turn, joined: what drift analysis compares with the training inputs.</summary>
    public string InputText => string.Join("\n", Messages.Where(m => m.Role == "user").Select(m => m.Content));
}

/// <summary>A parsed line: an entry, or the reasons it cannot be read.</summary>
public sealed record TrafficLogRow(int Line, TrafficLogEntry? Entry, IReadOnlyList<InputError> Errors);

/// <summary>
/// Reads a production traffic log as JSONL, one request per line, streaming (one line in memory at a time).
/// A line holds <c>timestamp</c> (ISO 8601 with an offset or Z, or Unix seconds), <c>messages</c>
/// (array of {role, content}) or <c>prompt</c> (string), <c>response</c> (string), and optionally
/// <c>model</c> (string), <c>latency_ms</c> (number, 0 or more) and <c>rating</c> (integer).
/// Every problem is reported with its line and field; blank lines are skipped.
/// </summary>
public sealed class TrafficLogParser(int maxLineBytes = Utf8Lines.DefaultMaxLineBytes)
{
    private static readonly HashSet<string> Roles = ["system", "user", "assistant", "tool"];

    public async IAsyncEnumerable<TrafficLogRow> ParseAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var any = false;
        await foreach (var line in Utf8Lines.ReadAsync(stream, maxLineBytes, cancellationToken))
        {
            if (line.TooLong)
            {
                any = true;
                yield return Invalid(line.Number, "record", $"the line is longer than {maxLineBytes / (1024 * 1024)} MB");
                continue;
            }

            if (Utf8Lines.IsBlank(line.Bytes.Span))
            {
                continue;
            }

            any = true;
            if (Utf8Lines.FirstInvalidByte(line.Bytes.Span) >= 0)
            {
                yield return new TrafficLogRow(line.Number, null, [Utf8Lines.InvalidUtf8Error(line.Bytes.Span, line.Number)]);
                continue;
            }

            using var document = JsonSyntax.TryParse(line.Bytes, line.Number, out var syntaxError);
            yield return document is null
                ? new TrafficLogRow(line.Number, null, [syntaxError!])
                : Map(document.RootElement, line.Number);
        }

        if (!any)
        {
            yield return Invalid(1, "file", "the file has no logged requests");
        }
    }

    /// <summary>Maps one parsed JSON record; public so a single record can be checked without a stream.</summary>
    public static TrafficLogRow Map(JsonElement record, int line)
    {
        // The importer's check first: a lone surrogate escape ("\ud800") parses but throws when read, a NUL cannot be
        // stored on PostgreSQL, a key given twice would silently lose one value.
        var issues = new RecordIssues(line);
        JsonReading.CheckValues(record, "", issues);
        return issues.List.Count > 0 ? Invalid(line, issues.List[0].Field, issues.List[0].Message) : MapFields(record, line);
    }

    private static TrafficLogRow MapFields(JsonElement record, int line)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            return Invalid(line, "record", $"must be a JSON object, found {Describe(record)}");
        }

        var errors = new List<InputError>();
        var loggedAt = ReadTimestamp(record, line, errors);
        var messages = ReadMessages(record, line, errors);
        var response = ReadString(record, "response", line, errors, required: true);
        var model = ReadString(record, "model", line, errors, required: false);
        int? latency = null;
        if (TryGet(record, "latency_ms", out var latencyValue))
        {
            if (latencyValue.ValueKind != JsonValueKind.Number || !latencyValue.TryGetDouble(out var ms) || ms < 0 || ms > int.MaxValue)
            {
                errors.Add(new InputError("latency_ms", $"must be a number of milliseconds, 0 or more, found {Describe(latencyValue)}", line));
            }
            else
            {
                latency = (int)Math.Round(ms);
            }
        }

        int? rating = null;
        if (TryGet(record, "rating", out var ratingValue))
        {
            if (ratingValue.ValueKind != JsonValueKind.Number || !ratingValue.TryGetInt32(out var r))
            {
                errors.Add(new InputError("rating", $"must be a whole number, found {Describe(ratingValue)}", line));
            }
            else
            {
                rating = r;
            }
        }

        if (errors.Count > 0)
        {
            return new TrafficLogRow(line, null, errors);
        }

        return new TrafficLogRow(line, new TrafficLogEntry(line, loggedAt!.Value, messages!, response!, model, latency, rating), []);
    }

    private static DateTime? ReadTimestamp(JsonElement record, int line, List<InputError> errors)
    {
        if (!TryGet(record, "timestamp", out var value))
        {
            errors.Add(new InputError("timestamp", "is missing", line));
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds) && seconds is >= 0 and < 253402300800)
        {
            return DateTime.UnixEpoch.AddSeconds(seconds);
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            // An offset or Z is required: a time without one cannot be placed on the weekly charts reliably.
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
                && (text.EndsWith('Z') || text.EndsWith('z') || HasOffset(text)))
            {
                return at.UtcDateTime;
            }

            errors.Add(new InputError("timestamp", $"\"{Shorten(text)}\" is not an ISO 8601 time with Z or an offset (e.g. 2026-03-01T09:30:00Z)", line));
            return null;
        }

        errors.Add(new InputError("timestamp", $"must be an ISO 8601 string or Unix seconds, found {Describe(value)}", line));
        return null;
    }

    private static bool HasOffset(string text)
    {
        var t = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        return t >= 0 && text.AsSpan(t).IndexOfAny('+', '-') >= 0;
    }

    private static List<LogMessage>? ReadMessages(JsonElement record, int line, List<InputError> errors)
    {
        var hasMessages = TryGet(record, "messages", out var messages);
        var hasPrompt = TryGet(record, "prompt", out var prompt);
        if (hasMessages && hasPrompt)
        {
            errors.Add(new InputError("messages", "give either messages or prompt, not both", line));
            return null;
        }

        if (hasPrompt)
        {
            if (prompt.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(prompt.GetString()))
            {
                errors.Add(new InputError("prompt", $"must be a non-empty string, found {Describe(prompt)}", line));
                return null;
            }

            return [new LogMessage("user", prompt.GetString()!)];
        }

        if (!hasMessages)
        {
            errors.Add(new InputError("messages", "is missing: give messages (an array of {role, content}) or prompt", line));
            return null;
        }

        if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            errors.Add(new InputError("messages", $"must be a non-empty array, found {Describe(messages)}", line));
            return null;
        }

        var result = new List<LogMessage>();
        var index = 0;
        var before = errors.Count;
        foreach (var message in messages.EnumerateArray())
        {
            var field = $"messages[{index++}]";
            if (message.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new InputError(field, $"must be an object with role and content, found {Describe(message)}", line));
                continue;
            }

            if (!TryGet(message, "role", out var role) || role.ValueKind != JsonValueKind.String || !Roles.Contains(role.GetString()!))
            {
                errors.Add(new InputError($"{field}.role", "must be one of system, user, assistant, tool", line));
                continue;
            }

            // A string, or text parts joined as the example importer joins them (how chat APIs log multi-part turns).
            var content = MessageReader.ReadContent(message, $"{field}.content", out var problem);
            if (problem is not null || content is null || message.GetProperty("content") is { ValueKind: JsonValueKind.Array } parts && parts.GetArrayLength() == 0)
            {
                errors.Add(problem is not null ? problem with { Line = line } : new InputError($"{field}.content", "must be a string or a list of text parts", line));
                continue;
            }

            result.Add(new LogMessage(role.GetString()!, content));
        }

        if (errors.Count == before && !result.Any(m => m.Role == "user"))
        {
            errors.Add(new InputError("messages", "has no user turn", line));
        }

        return errors.Count == before ? result : null;
    }

    private static string? ReadString(JsonElement record, string name, int line, List<InputError> errors, bool required)
    {
        if (!TryGet(record, name, out var value))
        {
            if (required)
            {
                errors.Add(new InputError(name, "is missing", line));
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new InputError(name, $"must be a string, found {Describe(value)}", line));
            return null;
        }

        return value.GetString();
    }

    /// <summary>A property by name; JSON null counts as absent.</summary>
    private static bool TryGet(JsonElement record, string name, out JsonElement value) =>
        record.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true/false",
        _ => "null",
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static TrafficLogRow Invalid(int line, string field, string message) => new(line, null, [new InputError(field, message, line)]);
}
