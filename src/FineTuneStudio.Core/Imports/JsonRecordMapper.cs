using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using static FineTuneStudio.Core.Imports.JsonReading;
using static FineTuneStudio.Core.Imports.MessageReader;

namespace FineTuneStudio.Core.Imports;

/// <summary>
/// Turns one parsed JSON record of a known shape into example content, collecting every problem with its field,
/// and a warning for every key it does not import.
/// </summary>
/// <remarks>
/// KTO: a boolean <c>label</c> (TRL) or <c>kto_tag</c> (LLaMA-Factory) becomes the tag <c>kto:desirable</c> or
/// <c>kto:undesirable</c> and the example keeps its conversation. It is not the class label, which stays a string:
/// a classification dataset's labels are names, and a thumbs-up is a property of one answer, not a class.
/// </remarks>
internal static class JsonRecordMapper
{
    public const string DesirableTag = "kto:desirable";
    public const string UndesirableTag = "kto:undesirable";

    /// <summary>The shapes auto detection knows, for the message when a record fits none.</summary>
    public const string KnownShapes =
        "messages (OpenAI / Hugging Face chat, Amazon Bedrock; conversation as in lmsys-chat-1m), conversations (ShareGPT, with chosen/rejected for preference), prompt and completion (or response), "
        + "prompt/chosen/rejected (or chosen and rejected as whole conversations, HH-RLHF transcripts too), input/preferred_output/non_preferred_output, "
        + "a boolean label or kto_tag (KTO), instruction and output (Alpaca; Dolly's context and response, OpenOrca's question and response), "
        + "contents of parts (Gemini on Vertex AI), data and annotations (Label Studio), fields and responses (Argilla), or text with a label (Hugging Face classification)";

    private const int MaxLabelLength = 200;

    private static readonly string[] Common = ["label", "tags"];

    /// <summary>Amazon Bedrock's <c>schemaVersion</c> names the shape and holds no content.</summary>
    private static readonly string[] ChatKeys = ["messages", "conversation", "system", "tools", "functions", "schemaVersion"];

    /// <summary>The shape a record has, judged by its keys; null when none fits.</summary>
    public static ImportFormat? Detect(JsonElement record)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        bool Has(string name) => record.TryGetProperty(name, out _);
        bool IsBoolean(string name) => record.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False;
        if (Has("conversations") && Has("chosen") && Has("rejected"))
        {
            return ImportFormat.ShareGptPreference;
        }

        if (IsBoolean("kto_tag") || (IsBoolean("label") && (Has("messages") || Has("conversations") || Has("prompt"))))
        {
            return ImportFormat.Kto;
        }

        if (Has("conversations"))
        {
            return ImportFormat.ShareGpt;
        }

        if (Has("preferred_output") || Has("non_preferred_output") || (Has("chosen") && Has("rejected")))
        {
            return ImportFormat.Preference;
        }

        // lmsys-chat-1m and WildChat name the list "conversation".
        if (Has("messages") || record.TryGetProperty("conversation", out var conversation) && conversation.ValueKind == JsonValueKind.Array)
        {
            return ImportFormat.Chat;
        }

        if (GeminiReader.Fits(record))
        {
            return ImportFormat.Gemini;
        }

        if (InstructionReader.Fits(record))
        {
            return ImportFormat.Alpaca;
        }

        // Many exports (HelpSteer, no_robots-style sets, logs) name the answer "response".
        if (Has("prompt") && (Has("completion") || Has("response")))
        {
            return ImportFormat.PromptCompletion;
        }

        if ((record.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object && (Has("annotations") || Has("predictions") || Has("id")))
            || LabelStudioReader.IsMin(record))
        {
            return ImportFormat.LabelStudio;
        }

        if (Has("fields") || Has("responses") || Has("suggestions") || ((Has("text") || Has("inputs")) && (Has("annotation") || Has("prediction"))))
        {
            return ImportFormat.Argilla;
        }

        if (Has("text") || Has("sentence"))
        {
            return ImportFormat.Text;
        }

        return null;
    }

    public static ImportRow Map(JsonElement record, ImportFormat format, int line)
    {
        if (record.ValueKind != JsonValueKind.Object)
        {
            return ImportRow.Invalid(line, "record", $"must be a JSON object, found {Describe(record)}");
        }

        var issues = new RecordIssues(line);
        CheckValues(record, "", issues);
        if (issues.List.Count > 0)
        {
            return new ImportRow(line, null, issues.List);
        }

        if (MissingKey(record, format) is { } missing)
        {
            // The plain "is missing" when nothing else fits; when the record is of another shape, say which, since
            // the likely mistake is the chosen format, not the record.
            var message = Detect(record) is { } other && other != format
                ? $"is missing; a {ImportSettings.NameOf(format)} record needs {missing.Needs}, and this record looks like {ImportSettings.NameOf(other)}"
                : format == ImportFormat.Preference && missing.Key == "prompt"
                    ? "is missing; chosen and rejected as plain answers need the prompt they answer, or give each as its whole conversation (a list of messages, or a Human:/Assistant: transcript)"
                    : "is missing";
            return ImportRow.Invalid(line, missing.Key, message);
        }

        var (content, known) = MapShape(record, format, issues);
        var tags = new List<string>();
        string? label = null;
        if (format is ImportFormat.LabelStudio or ImportFormat.Argilla)
        {
            label = content?.Label;
            tags.AddRange(content?.Tags ?? []);
        }
        else
        {
            label = ReadLabel(record, tags, issues);
            tags.AddRange(ReadTags(record, issues) ?? []);
        }

        if (format == ImportFormat.Alpaca && InstructionReader.Category(record, issues) is { } category)
        {
            tags.Add(category);
        }

        if (format == ImportFormat.Text && ReadString(record, "label_text", "label_text", issues, required: false) is { } named)
        {
            // SetFit-style rows carry the ClassLabel index and its name; the name is the class.
            label = named;
        }

        if (label is { Length: > MaxLabelLength })
        {
            issues.Add("label", $"may have at most {MaxLabelLength} characters");
        }

        // The rules a person editing the example meets apply to imported ones too, so nothing imported is uneditable.
        var tagErrors = new List<InputError>();
        ExampleValidator.NormalizeTags(tags, tagErrors);
        tagErrors.ForEach(e => issues.Add(e.Field, e.Message));
        if (content is not null && content.Messages.Count > ExampleValidator.MaxMessages)
        {
            issues.Add("messages", $"an example may have at most {ExampleValidator.MaxMessages} messages");
        }

        if (content is not null && content.PreferredCompletion is null)
        {
            if (ExampleValidator.MasksEveryAnswer(content.Messages))
            {
                issues.Add(format is ImportFormat.ShareGpt or ImportFormat.ShareGptPreference ? "conversations" : "messages",
                    ExampleValidator.NothingLearnedMessage);
            }
        }

        WarnUnknownKeys(record, "", issues, [.. known, .. Common]);
        if (issues.List.Count > 0 || content is null)
        {
            return new ImportRow(line, null, issues.List) { Warnings = issues.Warnings };
        }

        return new ImportRow(line, content with { Label = string.IsNullOrWhiteSpace(label) ? null : label.Trim(), Tags = CleanTags(tags) }, [])
        {
            Warnings = issues.Warnings,
        };
    }

    /// <summary>The content, and the record keys that shape reads (every other key is warned about).</summary>
    private static (ExampleContent? Content, string[] Known) MapShape(JsonElement record, ImportFormat format, RecordIssues issues)
    {
        switch (format)
        {
            case ImportFormat.Chat:
                return (MapChat(record, issues), ChatKeys);
            case ImportFormat.PromptCompletion:
                return (MapPromptCompletion(record, issues), ["prompt", "completion", "response"]);
            case ImportFormat.Preference:
                return (MapPreference(record, issues), ["prompt", "chosen", "rejected", "input", "preferred_output", "non_preferred_output"]);
            case ImportFormat.Alpaca:
                return (InstructionReader.Map(record, issues), InstructionReader.RecordKeys);
            case ImportFormat.ShareGpt:
                return (ShareGptReader.Map(record, issues), ShareGptReader.RecordKeys);
            case ImportFormat.ShareGptPreference:
                return (ShareGptReader.MapPreference(record, issues), [.. ShareGptReader.RecordKeys, "chosen", "rejected"]);
            case ImportFormat.Kto:
                var content = record.TryGetProperty("conversations", out _) ? ShareGptReader.Map(record, issues)
                    : record.TryGetProperty("messages", out _) ? MapChat(record, issues)
                    : MapPromptCompletion(record, issues);
                return (content, [.. ShareGptReader.RecordKeys, .. ChatKeys, "prompt", "completion", "response", "kto_tag"]);
            case ImportFormat.LabelStudio:
                return (WithAnnotations(LabelStudioReader.Map(record, issues)), LabelStudioReader.KnownKeys(record));
            case ImportFormat.Argilla:
                return (WithAnnotations(ArgillaReader.Map(record, issues)), ArgillaReader.RecordKeys);
            case ImportFormat.Text:
                return (MapText(record, issues), ["text", "sentence", "label_text"]);
            case ImportFormat.Gemini:
                return (GeminiReader.Map(record, issues), GeminiReader.RecordKeys);
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "not a JSON format");
        }
    }

    private static ExampleContent? WithAnnotations(AnnotatedContent? annotated) =>
        annotated is { } a ? a.Content with { Label = a.Label, Tags = a.Tags } : null;

    /// <summary>The key a forced shape cannot do without, so a record of another shape gets one clear error instead of many.</summary>
    private static (string Key, string Needs)? MissingKey(JsonElement record, ImportFormat format)
    {
        bool Has(string name) => record.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;
        bool IsBoolean(string name) => record.TryGetProperty(name, out var v) && v.ValueKind is JsonValueKind.True or JsonValueKind.False;
        (string, string)? First(string needs, params string[] keys) => keys.FirstOrDefault(k => !Has(k)) is { } key ? (key, needs) : null;
        return format switch
        {
            ImportFormat.Chat when !Has("messages") && !Has("conversation") => ("messages", "messages"),
            ImportFormat.PromptCompletion => !Has("prompt") ? ("prompt", "prompt and completion (or response)")
                : !Has("completion") && !Has("response") ? ("completion", "prompt and completion (or response)") : null,
            ImportFormat.Preference when Has("input") || Has("preferred_output") || Has("non_preferred_output") =>
                First("input, preferred_output and non_preferred_output", "input", "preferred_output", "non_preferred_output"),
            ImportFormat.Preference when Has("prompt") || !record.TryGetProperty("chosen", out var chosen) || !PreferenceConversations.IsConversation(chosen) =>
                First("prompt, chosen and rejected (or chosen and rejected as whole conversations)", "prompt", "chosen", "rejected"),
            ImportFormat.Preference => First("chosen and rejected", "rejected"),
            ImportFormat.Alpaca => InstructionReader.MissingKey(record) is { } key ? (key, InstructionReader.Needs) : null,
            ImportFormat.ShareGpt => First("conversations", "conversations"),
            ImportFormat.ShareGptPreference => First("conversations, chosen and rejected", "conversations", "chosen", "rejected"),
            ImportFormat.Kto when !Has("messages") && !Has("conversations") && !Has("prompt") => ("messages", "messages, conversations or prompt and completion, with label true or false"),
            ImportFormat.Kto when !IsBoolean("label") && !IsBoolean("kto_tag") => ("label", "label (or kto_tag) true or false"),
            ImportFormat.LabelStudio when !LabelStudioReader.IsMin(record) => First("data (and annotations), or JSON-MIN's text and annotation_id", "data"),
            ImportFormat.Argilla when !Has("fields") && !Has("text") && !Has("inputs") => ("fields", "fields (v2) or text/inputs (v1)"),
            ImportFormat.Text when !Has("text") && !Has("sentence") => ("text", "text (or sentence)"),
            ImportFormat.Gemini => First("contents (and systemInstruction)", "contents"),
            _ => null,
        };
    }

    /// <summary>
    /// <c>messages</c> (or lmsys-chat-1m's <c>conversation</c>), with a system prompt beside them as Amazon Bedrock's
    /// files give it (<c>system</c>: a string or text parts) put first.
    /// </summary>
    private static ExampleContent? MapChat(JsonElement record, RecordIssues issues)
    {
        if (!TryGetOneOf(record, ["messages", "conversation"], issues, out var key))
        {
            return null;
        }

        var messages = ReadMessages(record, key ?? "messages", key ?? "messages", issues, required: true);
        var tools = ToolDefinitions.Read(record, issues);
        var system = record.TryGetProperty("system", out var given) ? ReadText(given, "system", issues) : null;
        if (messages is not null && !string.IsNullOrWhiteSpace(system))
        {
            if (messages.Any(m => m.Role == MessageRole.System))
            {
                return issues.Fail<ExampleContent>("system", $"and a system message in {key} are both given; keep one");
            }

            messages.Insert(0, new MessageContent(MessageRole.System, system));
        }

        return messages is null ? null : new ExampleContent(messages, ToolsJson: tools);
    }

    private static ExampleContent? MapPromptCompletion(JsonElement record, RecordIssues issues)
    {
        var prompt = ReadTurns(record, "prompt", MessageRole.User, issues);
        if (!TryGetOneOf(record, ["completion", "response"], issues, out var answer))
        {
            return null;
        }

        var completion = ReadTurns(record, answer ?? "completion", MessageRole.Assistant, issues);
        return prompt is null || completion is null ? null : new ExampleContent([.. prompt, .. completion]);
    }

    private static ExampleContent? MapPreference(JsonElement record, RecordIssues issues)
    {
        List<MessageContent>? prompt;
        string? chosen;
        string? rejected;
        string? tools = null;
        if (record.TryGetProperty("input", out var input) || record.TryGetProperty("preferred_output", out _))
        {
            // OpenAI's preference shape: input.messages, preferred_output, non_preferred_output.
            if (input.ValueKind != JsonValueKind.Object)
            {
                issues.Add("input", input.ValueKind == JsonValueKind.Undefined ? "is missing" : $"must be an object with messages, found {Describe(input)}");
                prompt = null;
            }
            else
            {
                WarnUnknownKeys(input, "input", issues, "messages", "tools", "parallel_tool_calls");
                prompt = ReadMessages(input, "messages", "input.messages", issues, required: true);
                // OpenAI keeps a preference pair's tool definitions beside its prompt messages.
                tools = ToolDefinitions.Read(input, issues);
            }

            chosen = ReadCompletion(record, "preferred_output", issues);
            rejected = ReadCompletion(record, "non_preferred_output", issues);
        }
        else if (!record.TryGetProperty("prompt", out var given) || given.ValueKind == JsonValueKind.Null)
        {
            return PreferenceConversations.Map(record, issues);
        }
        else
        {
            prompt = ReadTurns(record, "prompt", MessageRole.User, issues);
            chosen = ReadCompletion(record, "chosen", issues);
            rejected = ReadCompletion(record, "rejected", issues);
        }

        return prompt is null || chosen is null || rejected is null
            ? null
            : new ExampleContent(prompt, PreferredCompletion: chosen, RejectedCompletion: rejected, ToolsJson: tools);
    }

    private static ExampleContent? MapText(JsonElement record, RecordIssues issues)
    {
        var key = record.TryGetProperty("text", out _) ? "text" : "sentence";
        var text = ReadString(record, key, key, issues, required: true);
        if (text is null)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            issues.Add(key, "is empty");
            return null;
        }

        return new ExampleContent([new MessageContent(MessageRole.User, text)]);
    }

    /// <summary>
    /// A string label, or a whole number as a Hugging Face ClassLabel index writes it (kept as the number's text, -1 "no
    /// label" as none, as from Parquet); a boolean <c>label</c> or <c>kto_tag</c> is KTO feedback and becomes a tag (see the remarks).
    /// </summary>
    private static string? ReadLabel(JsonElement record, List<string> tags, RecordIssues issues)
    {
        string? label = null;
        if (record.TryGetProperty("label", out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            tags.Add(value.ValueKind == JsonValueKind.True ? DesirableTag : UndesirableTag);
        }
        else if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var index))
        {
            label = index == -1 ? null : index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (value.ValueKind != JsonValueKind.Undefined && value.ValueKind != JsonValueKind.Null)
        {
            label = value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : issues.Fail<string>("label", $"must be a string (a class), a whole number (a class index) or true/false (KTO), found {Describe(value)}");
        }

        if (record.TryGetProperty("kto_tag", out var kto) && kto.ValueKind != JsonValueKind.Null)
        {
            if (kto.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                tags.Add(kto.ValueKind == JsonValueKind.True ? DesirableTag : UndesirableTag);
            }
            else
            {
                issues.Add("kto_tag", $"must be true or false, found {Describe(kto)}");
            }
        }

        return label;
    }

    private static List<string>? ReadTags(JsonElement record, RecordIssues issues)
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
            return issues.Fail<List<string>>("tags", $"must be a list of strings or one string, found {Describe(tags)}");
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
}
