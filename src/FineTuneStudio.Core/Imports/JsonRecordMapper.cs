using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Core.Imports;

/// <summary>Turns one parsed JSON record of a known shape into example content, collecting every problem with its field.</summary>
internal static class JsonRecordMapper
{
    private const int MaxLabelLength = 200;
    private const int MaxNameLength = 64;
    private const int MaxToolCallIdLength = 128;

    /// <summary>The shape a record has, judged by its keys; null when none fits.</summary>
    public static ImportFormat? Detect(JsonElement record)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        bool Has(string name) => record.TryGetProperty(name, out _);
        if (Has("preferred_output") || Has("non_preferred_output") || (Has("chosen") && Has("rejected")))
        {
            return ImportFormat.Preference;
        }

        if (Has("messages"))
        {
            return ImportFormat.Chat;
        }

        if (Has("instruction"))
        {
            return ImportFormat.Alpaca;
        }

        if (Has("prompt") && Has("completion"))
        {
            return ImportFormat.PromptCompletion;
        }

        return null;
    }

    public static ImportRow Map(JsonElement record, ImportFormat format, int line)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            return ImportRow.Invalid(line, "record", $"must be a JSON object, found {Describe(record)}");
        }

        var errors = new Errors(line);
        var content = format switch
        {
            ImportFormat.Chat => MapChat(record, errors),
            ImportFormat.PromptCompletion => MapPromptCompletion(record, errors),
            ImportFormat.Preference => MapPreference(record, errors),
            ImportFormat.Alpaca => MapAlpaca(record, errors),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a JSON format"),
        };

        var label = ReadString(record, "label", "label", errors, required: false);
        if (label is { Length: > MaxLabelLength })
        {
            errors.Add("label", $"may have at most {MaxLabelLength} characters");
        }

        var tags = ReadTags(record, errors);
        if (errors.List.Count > 0 || content is null)
        {
            return new ImportRow(line, null, errors.List);
        }

        return ImportRow.Valid(line, content with { Label = string.IsNullOrWhiteSpace(label) ? null : label.Trim(), Tags = tags });
    }

    private static ExampleContent? MapChat(JsonElement record, Errors errors)
    {
        var messages = ReadMessages(record, "messages", "messages", errors, required: true);
        string? toolsJson = null;
        if (record.TryGetProperty("tools", out var tools) && tools.ValueKind != JsonValueKind.Null)
        {
            if (tools.ValueKind != JsonValueKind.Array)
            {
                errors.Add("tools", $"must be an array of tool definitions, found {Describe(tools)}");
            }
            else if (tools.GetArrayLength() > 0)
            {
                // Kept as written, so the export can hand the same definitions back to the trainer.
                toolsJson = tools.GetRawText();
            }
        }

        return messages is null ? null : new ExampleContent(messages, ToolsJson: toolsJson);
    }

    private static ExampleContent? MapPromptCompletion(JsonElement record, Errors errors)
    {
        var prompt = ReadTurns(record, "prompt", MessageRole.User, errors);
        var completion = ReadTurns(record, "completion", MessageRole.Assistant, errors);
        return prompt is null || completion is null ? null : new ExampleContent([.. prompt, .. completion]);
    }

    private static ExampleContent? MapPreference(JsonElement record, Errors errors)
    {
        List<MessageContent>? prompt;
        string? chosen;
        string? rejected;
        if (record.TryGetProperty("input", out var input) || record.TryGetProperty("preferred_output", out _))
        {
            // OpenAI's preference shape: input.messages, preferred_output, non_preferred_output.
            if (input.ValueKind != JsonValueKind.Object)
            {
                errors.Add("input", input.ValueKind == JsonValueKind.Undefined ? "is missing" : $"must be an object with messages, found {Describe(input)}");
                prompt = null;
            }
            else
            {
                prompt = ReadMessages(input, "messages", "input.messages", errors, required: true);
            }

            chosen = ReadCompletion(record, "preferred_output", errors);
            rejected = ReadCompletion(record, "non_preferred_output", errors);
        }
        else
        {
            prompt = ReadTurns(record, "prompt", MessageRole.User, errors);
            chosen = ReadCompletion(record, "chosen", errors);
            rejected = ReadCompletion(record, "rejected", errors);
        }

        return prompt is null || chosen is null || rejected is null
            ? null
            : new ExampleContent(prompt, PreferredCompletion: chosen, RejectedCompletion: rejected);
    }

    private static ExampleContent? MapAlpaca(JsonElement record, Errors errors)
    {
        var system = ReadString(record, "system", "system", errors, required: false);
        var instruction = ReadString(record, "instruction", "instruction", errors, required: true);
        var input = ReadString(record, "input", "input", errors, required: false);
        var output = ReadString(record, "output", "output", errors, required: true);
        if (instruction is null || output is null)
        {
            return null;
        }

        // Alpaca's own template puts the input after the instruction; a blank line keeps them apart.
        var user = string.IsNullOrWhiteSpace(input) ? instruction : instruction + "\n\n" + input;
        List<MessageContent> messages = string.IsNullOrWhiteSpace(system) ? [] : [new MessageContent(MessageRole.System, system)];
        messages.Add(new MessageContent(MessageRole.User, user));
        messages.Add(new MessageContent(MessageRole.Assistant, output));
        return new ExampleContent(messages);
    }

    /// <summary>A string (one turn of <paramref name="role"/>) or a list of messages.</summary>
    private static List<MessageContent>? ReadTurns(JsonElement record, string name, MessageRole role, Errors errors)
    {
        if (!record.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add(name, "is missing");
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => [new MessageContent(role, value.GetString())],
            JsonValueKind.Array => ReadMessages(record, name, name, errors, required: true),
            _ => errors.Fail<List<MessageContent>>(name, $"must be a string or a list of messages, found {Describe(value)}"),
        };
    }

    /// <summary>A completion as a string, one assistant message, or a list whose last turn is the assistant's answer.</summary>
    private static string? ReadCompletion(JsonElement record, string name, Errors errors)
    {
        if (!record.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add(name, "is missing");
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString();
            case JsonValueKind.Object:
                return ReadMessage(value, name, errors, allowTools: false)?.Content;
            case JsonValueKind.Array:
                var messages = ReadMessages(record, name, name, errors, required: true);
                if (messages is null)
                {
                    return null;
                }

                if (messages[^1].Role != MessageRole.Assistant || messages[^1].Content is null)
                {
                    errors.Add($"{name}[{messages.Count - 1}]", "the last message must be the assistant's answer, with text content");
                    return null;
                }

                return messages[^1].Content;
            default:
                return errors.Fail<string>(name, $"must be a string or a list of messages, found {Describe(value)}");
        }
    }

    private static List<MessageContent>? ReadMessages(JsonElement owner, string name, string path, Errors errors, bool required)
    {
        if (!owner.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add(path, "is missing");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return errors.Fail<List<MessageContent>>(path, $"must be a list of messages, found {Describe(value)}");
        }

        if (value.GetArrayLength() == 0)
        {
            return errors.Fail<List<MessageContent>>(path, "must hold at least one message");
        }

        var before = errors.List.Count;
        var messages = new List<MessageContent>(value.GetArrayLength());
        var index = 0;
        foreach (var item in value.EnumerateArray())
        {
            var message = ReadMessage(item, $"{path}[{index}]", errors, allowTools: true);
            if (message is not null)
            {
                messages.Add(message);
            }

            index++;
        }

        return errors.List.Count > before ? null : messages;
    }

    private static MessageContent? ReadMessage(JsonElement item, string path, Errors errors, bool allowTools)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return errors.Fail<MessageContent>(path, $"must be a message object with role and content, found {Describe(item)}");
        }

        var before = errors.List.Count;
        var roleText = ReadString(item, "role", $"{path}.role", errors, required: true);
        MessageRole? role = null;
        if (roleText is not null)
        {
            role = RoleNames.Parse(roleText);
            if (role is null)
            {
                errors.Add($"{path}.role", $"'{Shorten(roleText)}' is not a role; use system, user, assistant or tool");
            }
        }

        var content = ReadContent(item, $"{path}.content", errors);
        var name = ReadString(item, "name", $"{path}.name", errors, required: false);
        if (name is { Length: > MaxNameLength })
        {
            errors.Add($"{path}.name", $"may have at most {MaxNameLength} characters");
        }

        string? toolCalls = null;
        if (item.TryGetProperty("tool_calls", out var calls) && calls.ValueKind != JsonValueKind.Null)
        {
            if (!allowTools || role is not MessageRole.Assistant)
            {
                errors.Add($"{path}.tool_calls", "only an assistant message may carry tool calls");
            }
            else if (calls.ValueKind != JsonValueKind.Array)
            {
                errors.Add($"{path}.tool_calls", $"must be an array, found {Describe(calls)}");
            }
            else
            {
                toolCalls = calls.GetRawText();
            }
        }

        var toolCallId = ReadString(item, "tool_call_id", $"{path}.tool_call_id", errors, required: false);
        if (toolCallId is { Length: > MaxToolCallIdLength })
        {
            errors.Add($"{path}.tool_call_id", $"may have at most {MaxToolCallIdLength} characters");
        }

        if (role == MessageRole.Tool && string.IsNullOrEmpty(toolCallId))
        {
            errors.Add($"{path}.tool_call_id", "is missing; a tool message must name the call it answers");
        }

        int? weight = null;
        if (item.TryGetProperty("weight", out var w) && w.ValueKind != JsonValueKind.Null)
        {
            if (w.ValueKind != JsonValueKind.Number || !w.TryGetInt32(out var value) || value is not (0 or 1))
            {
                errors.Add($"{path}.weight", $"must be 0 or 1, found {Describe(w)}");
            }
            else if (role is not MessageRole.Assistant)
            {
                errors.Add($"{path}.weight", "only an assistant message may carry a weight");
            }
            else
            {
                weight = value;
            }
        }

        if (content is null && toolCalls is null && errors.List.Count == before)
        {
            errors.Add($"{path}.content", "is missing");
        }

        return errors.List.Count > before || role is null
            ? null
            : new MessageContent(role.Value, content, string.IsNullOrEmpty(name) ? null : name, toolCalls, toolCallId, weight);
    }

    /// <summary>Text content: a string, or a list of text parts (the multi-part form), joined.</summary>
    private static string? ReadContent(JsonElement item, string path, Errors errors)
    {
        if (!item.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return errors.Fail<string>(path, $"must be a string, found {Describe(content)}");
        }

        var parts = new List<string>();
        var index = 0;
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object
                || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "text"
                || !part.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
            {
                return errors.Fail<string>($"{path}[{index}]", "only text parts ({\"type\": \"text\", \"text\": ...}) can be imported");
            }

            parts.Add(text.GetString()!);
            index++;
        }

        return string.Concat(parts);
    }

    private static List<string>? ReadTags(JsonElement record, Errors errors)
    {
        if (!record.TryGetProperty("tags", out var tags) || tags.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        IEnumerable<string> values;
        if (tags.ValueKind == JsonValueKind.String)
        {
            values = SplitTags(tags.GetString());
        }
        else if (tags.ValueKind == JsonValueKind.Array && tags.EnumerateArray().All(t => t.ValueKind == JsonValueKind.String))
        {
            values = tags.EnumerateArray().Select(t => t.GetString()!);
        }
        else
        {
            return errors.Fail<List<string>>("tags", $"must be a list of strings or one string, found {Describe(tags)}");
        }

        return CleanTags(values);
    }

    /// <summary>Tags in one cell or string, separated by ',', ';' or '|'.</summary>
    public static IEnumerable<string> SplitTags(string? value) => (value ?? "").Split([',', ';', '|']);

    public static List<string>? CleanTags(IEnumerable<string> values)
    {
        var tags = values.Select(t => t.Trim()).Where(t => t.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        return tags.Count == 0 ? null : tags;
    }

    private static string? ReadString(JsonElement owner, string name, string path, Errors errors, bool required)
    {
        if (!owner.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                errors.Add(path, "is missing");
            }

            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : errors.Fail<string>(path, $"must be a string, found {Describe(value)}");
    }

    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true/false",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";

    private sealed class Errors(int line)
    {
        public List<InputError> List { get; } = [];

        public void Add(string field, string message) => List.Add(new InputError(field, message, line));

        public T? Fail<T>(string field, string message)
            where T : class
        {
            Add(field, message);
            return null;
        }
    }
}
