using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Unicode;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// Checks a JSONL file line by line against a training target's rules without loading the file into memory.
/// For OpenAI chat it covers the checks of OpenAI's data-preparation notebook (not an object, missing or empty
/// messages, missing role or content, unrecognised keys and roles, no assistant message), brought up to date:
/// assistant tool_calls may stand in for content, tool messages answer a call by tool_call_id, and weight
/// (0 or 1) is allowed on assistant messages. Every issue is counted; only the first few are listed.
/// </summary>
public sealed partial class JsonlValidator
{
    public const int DefaultMaxListedIssues = 1_000;

    /// <summary>Deeper lines are refused: no target's example nests anywhere near this far.</summary>
    public const int MaxDepth = 64;

    /// <summary>Longer lines are refused unread; the longest example any target takes is far below this.</summary>
    public const int DefaultMaxLineBytes = 8 * 1024 * 1024;

    /// <summary>A file this long whose every line has the same problem gets one file-level finding instead of one per line.</summary>
    public const int SummariseFromLines = 10;

    // A batch is a few MB at most: memory stays flat however long the file, and each core gets hundreds of lines.
    private const int BatchLines = 2_048;
    private const long BatchBytes = 8L * 1024 * 1024;

    private const string UnreadableText =
        "This text holds an invalid \\u escape (a lone or reversed UTF-16 surrogate such as \\ud800), so it is not text; fix or remove it.";

    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = MaxDepth, AllowDuplicateProperties = false };

    private readonly TrainingTargetProfile _target;
    private readonly TokenCounter _tokens;
    private readonly int _maxListed;
    private readonly int? _epochs;
    private readonly int _maxLineBytes;

    public JsonlValidator(TrainingTargetProfile target, TokenCounter? tokenCounter = null, int maxListedIssues = DefaultMaxListedIssues, int? epochs = null,
        int maxLineBytes = DefaultMaxLineBytes)
    {
        _target = target;
        _maxLineBytes = maxLineBytes;
        _tokens = tokenCounter ?? TokenCounter.For(target.Encoding);
        _maxListed = maxListedIssues;
        _epochs = epochs;
    }

    public async Task<ValidationReport> ValidateAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var issues = new IssueCollector(_maxListed);
        // Nothing per line but an 8-byte key of its text (for duplicates); token figures come from a histogram.
        var tokensPerExample = new TokenHistogram();
        var seen = new FirstLineTable();
        var lineCount = 0;
        var overLimit = 0;

        // Lines are checked in batches spread over the cores, then their findings are taken in line order, so the
        // report is the one a single pass would give: same issues in the same order, duplicates against the first line.
        var batch = new List<(int Number, byte[] Bytes)>(BatchLines);
        var outcomes = new LineOutcome[BatchLines];
        var batchBytes = 0L;
        var stopped = false;
        var options = new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };

        void Merge()
        {
            try
            {
                Parallel.For(0, batch.Count, options, i => outcomes[i] = CheckLine(batch[i].Number, batch[i].Bytes));
            }
            catch (AggregateException e) when (e.InnerExceptions.Count == 1)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException!).Throw();
            }

            for (var i = 0; i < batch.Count && !stopped; i++)
            {
                var (number, _) = batch[i];
                var outcome = outcomes[i];
                lineCount = number;
                outcome.Findings?.ReplayInto(issues, number);
                stopped = outcome.StopsTheFile;
                if (outcome.Tokens is not { } tokens)
                {
                    continue;
                }

                tokensPerExample.Add(tokens);
                if (tokens > _target.TokenLimitPerExample)
                {
                    overLimit++;
                    issues.Warn(number, "$", $"This example has {tokens:N0} tokens, over the limit of {_target.TokenLimitPerExample:N0}; the rest would be cut off in training.");
                }

                if (seen.FirstLineOf(outcome.Key, number) is > 0 and var firstLine)
                {
                    issues.Warn(number, "$", $"Duplicate of line {firstLine}.");
                }
            }

            Array.Clear(outcomes, 0, batch.Count);
            batch.Clear();
            batchBytes = 0;
        }

        await foreach (var (number, bytes) in JsonlLineReader.ReadLinesAsync(stream, cancellationToken))
        {
            batch.Add((number, bytes));
            batchBytes += bytes.Length;
            if (batch.Count == BatchLines || batchBytes >= BatchBytes)
            {
                Merge();
                if (stopped)
                {
                    break;
                }
            }
        }

        if (batch.Count > 0)
        {
            Merge();
        }

        issues.SummariseWholeFile(lineCount);
        if (tokensPerExample.Count < _target.MinimumExamples)
        {
            issues.Error(null, "file", $"The file has {tokensPerExample.Count} example(s); {_target.DisplayName} needs at least {_target.MinimumExamples}.");
        }

        var billed = tokensPerExample.SumBilled(_target.TokenLimitPerExample);
        var epochs = _epochs ?? EpochHeuristic.Epochs(tokensPerExample.Count, _target);
        var cost = TrainingCostEstimate.From(billed, epochs, _target.PricePerMillionTrainingTokens);
        var count = tokensPerExample.Count;
        return new ValidationReport(
            _target.Key, lineCount, count,
            issues.Errors, issues.ErrorCount, issues.Warnings, issues.WarningCount,
            tokensPerExample.ToStats(), overLimit, cost);
    }

    /// <summary>
    /// Everything one line says on its own: its findings (kept, not yet counted), its tokens and its duplicate key when it
    /// is an example. Runs on any core; the token limit and duplicates are judged in line order by the caller.
    /// </summary>
    private LineOutcome CheckLine(int number, byte[] bytes)
    {
        var line = new LineIssues();
        if (number == 1 && bytes.Length >= 2 && ((bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF)))
        {
            line.Error("$", "The file is saved as UTF-16. Save it as UTF-8 and upload it again.");
            return new LineOutcome(line, null, 0, StopsTheFile: true);
        }

        if (bytes.AsSpan().Trim(" \t\r"u8).IsEmpty)
        {
            line.Error("$", "Blank line. Each line must hold exactly one JSON example; remove empty lines.");
            return new LineOutcome(line, null, 0);
        }

        if (bytes.Length > _maxLineBytes)
        {
            line.Error("$", $"This line is {bytes.Length / (1024.0 * 1024):0.#} MB long, over the {_maxLineBytes / (1024.0 * 1024):0.#} MB one example may take; it was not read.");
            return new LineOutcome(line, null, 0);
        }

        if (number > 1 && bytes.AsSpan().StartsWith(JsonlLineReader.Utf8Bom))
        {
            line.Error("$", "This line starts with a byte order mark (EF BB BF), which usually means two files were joined; remove it.");
            return new LineOutcome(line, null, 0);
        }

        if (bytes.AsSpan().Contains((byte)0))
        {
            line.Error("$", "This line holds a NUL byte (0x00), which JSON text cannot contain; the file may be binary or UTF-16.");
            return new LineOutcome(line, null, 0);
        }

        if (!Utf8.IsValid(bytes))
        {
            line.Error("$", "This line is not valid UTF-8 text. Save the file as UTF-8.");
            return new LineOutcome(line, null, 0);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, ParseOptions);
        }
        catch (JsonException ex)
        {
            line.Error("$", DescribeParseFailure(bytes, ex));
            return new LineOutcome(line, null, 0);
        }
        catch (InvalidOperationException)
        {
            // The duplicate-key check reads every key as text; a key with a lone surrogate escape cannot be.
            using var lenient = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = MaxDepth, AllowDuplicateProperties = true });
            line.Error(FindUnreadableString(lenient.RootElement, "") ?? "$", UnreadableText);
            return new LineOutcome(line, null, 0);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                line.Error("$", $"Each line must be a JSON object, not {Describe(root.ValueKind)}.");
                return new LineOutcome(line, null, 0);
            }

            try
            {
                CheckExample(root, line);
                return new LineOutcome(line, CountTokens(root), LineKey(bytes));
            }
            catch (InvalidOperationException)
            {
                // A string with a lone or reversed UTF-16 surrogate escape ("\ud800") parses but cannot be read as text.
                line.Error(FindUnreadableString(root, "") ?? "$", UnreadableText);
                return new LineOutcome(line, null, 0);
            }
        }
    }

    /// <summary>Tokens of one parsed example as the target would see it.</summary>
    public int CountTokens(JsonElement root)
    {
        var tokens = 0;
        var conversational = false;
        foreach (var property in root.EnumerateObject())
        {
            var value = property.Value;
            // Gemini's turns count as messages do: an estimate, since its own tokenizer is not bundled.
            if ((property.NameEquals("messages") || property.NameEquals("contents")) && value.ValueKind == JsonValueKind.Array)
            {
                tokens += _tokens.CountMessages(value);
            }
            else if (property.NameEquals("input") && value.ValueKind == JsonValueKind.Object)
            {
                foreach (var inner in value.EnumerateObject())
                {
                    tokens += inner.NameEquals("messages") && inner.Value.ValueKind == JsonValueKind.Array
                        ? _tokens.CountMessages(inner.Value)
                        : _tokens.CountValue(inner.Value);
                }
            }
            else if (value.ValueKind == JsonValueKind.Array && property.Name is "preferred_output" or "non_preferred_output" or "prompt" or "completion" or "chosen" or "rejected")
            {
                conversational = true;
                tokens += value.EnumerateArray().Sum(_tokens.CountMessage);
            }
            else
            {
                tokens += _tokens.CountValue(value);
            }
        }

        return conversational && _target.FileShape is TargetFileShape.PromptCompletion or TargetFileShape.PromptChosenRejected
            ? tokens + TokenCounter.TokensPerConversation
            : tokens;
    }

    private void CheckExample(JsonElement root, LineIssues line)
    {
        CheckKeys(root, "", _target.AllowedKeys, line);
        switch (_target.FileShape)
        {
            case TargetFileShape.ChatMessages:
                CheckChat(root, line);
                break;
            case TargetFileShape.InputPreferredNonPreferred:
                CheckOpenAiPreference(root, line);
                break;
            case TargetFileShape.PromptCompletion:
                CheckPromptCompletion(root, line);
                break;
            case TargetFileShape.PromptChosenRejected:
                CheckPromptChosenRejected(root, line);
                break;
            case TargetFileShape.GeminiContents:
                CheckGemini(root, line);
                break;
            case TargetFileShape.BedrockText or TargetFileShape.BedrockConverse:
                CheckBedrock(root, converse: _target.FileShape == TargetFileShape.BedrockConverse, line);
                break;
        }
    }

    private void CheckChat(JsonElement root, LineIssues line)
    {
        CheckTools(root, "", line);
        if (!root.TryGetProperty("messages", out var messages))
        {
            line.Error("messages", "Missing messages.");
            return;
        }

        var summary = CheckMessageList(messages, "messages", line);
        if (summary is null)
        {
            return;
        }

        if (summary.Assistant == 0)
        {
            line.Error("messages", "No assistant message, so there is nothing for the model to learn.");
        }
        else if (summary.Trained == 0)
        {
            line.Error("messages", _target.WeightSupport == WeightSupport.TrainFlag
                ? "No message is marked for training (every assistant message has train false)."
                : "Every assistant message has weight 0, so nothing would be trained.");
        }

        if (!summary.HasSystem)
        {
            line.Warn("messages", "No system message.");
        }

        if (!summary.HasUser)
        {
            line.Warn("messages", "No user message.");
        }

        if (summary.LastRole is not null and not "assistant")
        {
            line.Warn($"messages[{summary.Count - 1}]", "The conversation does not end with an assistant message; turns after the last reply teach nothing.");
        }
    }

    private void CheckOpenAiPreference(JsonElement root, LineIssues line)
    {
        if (!root.TryGetProperty("input", out var input))
        {
            line.Error("input", "Missing input.");
        }
        else if (input.ValueKind != JsonValueKind.Object)
        {
            line.Error("input", "input must be an object holding messages.");
        }
        else
        {
            CheckKeys(input, "input", s_dpoInputKeys, line);
            CheckTools(input, "input.", line);
            if (!input.TryGetProperty("messages", out var messages))
            {
                line.Error("input.messages", "Missing messages.");
            }
            else if (CheckMessageList(messages, "input.messages", line) is { } summary && summary.LastRole is not null and not "user")
            {
                line.Warn($"input.messages[{summary.Count - 1}]", "The input usually ends with a user message that the two outputs answer.");
            }
        }

        var preferred = CheckSingleAssistant(root, "preferred_output", line);
        var rejected = CheckSingleAssistant(root, "non_preferred_output", line);
        if (preferred is not null && preferred == rejected)
        {
            line.Warn("non_preferred_output", "The preferred and non-preferred outputs are identical, so the pair teaches nothing.");
        }
    }

    private string? CheckSingleAssistant(JsonElement root, string key, LineIssues line)
    {
        if (!root.TryGetProperty(key, out var output))
        {
            line.Error(key, $"Missing {key}.");
            return null;
        }

        if (output.ValueKind != JsonValueKind.Array || output.GetArrayLength() != 1)
        {
            line.Error(key, $"{key} must be a list holding exactly one assistant message.");
            return null;
        }

        var summary = CheckMessageList(output, key, line);
        var message = output[0];
        if (summary is not null && summary.LastRole is not null and not "assistant")
        {
            line.Error($"{key}[0].role", $"The message in {key} must have role assistant.");
        }

        return message.ValueKind == JsonValueKind.Object ? TokenCounter.CompactJson(message) : null;
    }

    private void CheckPromptCompletion(JsonElement root, LineIssues line)
    {
        var prompt = CheckTextOrMessages(root, "prompt", expectAssistant: false, line);
        var completion = CheckTextOrMessages(root, "completion", expectAssistant: true, line);
        if (prompt is not null && completion is not null && prompt != completion)
        {
            line.Error("completion", "prompt and completion must both be text or both be message lists.");
        }
    }

    private void CheckPromptChosenRejected(JsonElement root, LineIssues line)
    {
        JsonValueKind? prompt = null;
        if (root.TryGetProperty("prompt", out _))
        {
            prompt = CheckTextOrMessages(root, "prompt", expectAssistant: false, line);
        }
        else
        {
            line.Warn("prompt", "No prompt: the trainer will have to find the shared start of chosen and rejected itself.");
        }

        var chosen = CheckTextOrMessages(root, "chosen", expectAssistant: true, line);
        var rejected = CheckTextOrMessages(root, "rejected", expectAssistant: true, line);
        if (chosen is not null && rejected is not null && chosen != rejected)
        {
            line.Error("rejected", "chosen and rejected must both be text or both be message lists.");
        }
        else if (prompt is not null && chosen is not null && prompt != chosen)
        {
            line.Error("chosen", "prompt, chosen and rejected must all be text or all be message lists.");
        }

        if (chosen is not null && root.TryGetProperty("chosen", out var c) && root.TryGetProperty("rejected", out var r)
            && TokenCounter.CompactJson(c) == TokenCounter.CompactJson(r))
        {
            line.Warn("rejected", "chosen and rejected are identical, so the pair teaches nothing.");
        }
    }

    /// <summary>The kind (String or Array) when the value is usable, null after reporting a problem.</summary>
    private JsonValueKind? CheckTextOrMessages(JsonElement root, string key, bool expectAssistant, LineIssues line)
    {
        if (!root.TryGetProperty(key, out var value))
        {
            line.Error(key, $"Missing {key}.");
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                if (string.IsNullOrWhiteSpace(value.GetString()))
                {
                    line.Error(key, $"{key} is empty.");
                    return null;
                }

                return JsonValueKind.String;
            case JsonValueKind.Array:
                var summary = CheckMessageList(value, key, line);
                if (summary is null)
                {
                    return null;
                }

                if (expectAssistant && summary.Assistant == 0)
                {
                    line.Error(key, $"{key} must contain an assistant message.");
                }

                return JsonValueKind.Array;
            default:
                line.Error(key, $"{key} must be text or a list of messages.");
                return null;
        }
    }

    private void CheckTools(JsonElement parent, string prefix, LineIssues line)
    {
        if (parent.TryGetProperty("tools", out var tools))
        {
            if (tools.ValueKind != JsonValueKind.Array)
            {
                line.Error(prefix + "tools", "tools must be a list of tool definitions.");
            }
            else
            {
                var i = 0;
                foreach (var tool in tools.EnumerateArray())
                {
                    var path = $"{prefix}tools[{i++}]";
                    if (tool.ValueKind != JsonValueKind.Object
                        || !tool.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
                        || !tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                        || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                        || string.IsNullOrWhiteSpace(name.GetString()))
                    {
                        line.Error(path, "Each tool needs a type and a function with a name.");
                    }
                    else if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind != JsonValueKind.Object)
                    {
                        line.Error(path + ".function.parameters", "parameters must be a JSON Schema object.");
                    }
                }
            }
        }

        if (parent.TryGetProperty("parallel_tool_calls", out var parallel) && parallel.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            line.Error(prefix + "parallel_tool_calls", "parallel_tool_calls must be true or false.");
        }
    }

    private sealed class MessageSummary
    {
        public int Count;
        public int Assistant;
        public int Trained;
        public bool HasSystem;
        public bool HasUser;
        public string? LastRole;
        public HashSet<string> CallIds { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Checks a list of messages; null when it is not a usable list at all.</summary>
    private MessageSummary? CheckMessageList(JsonElement messages, string path, LineIssues line)
    {
        if (messages.ValueKind != JsonValueKind.Array)
        {
            line.Error(path, $"{path} must be a list of messages.");
            return null;
        }

        if (messages.GetArrayLength() == 0)
        {
            line.Error(path, $"{path} is empty.");
            return null;
        }

        var summary = new MessageSummary();
        foreach (var message in messages.EnumerateArray())
        {
            CheckMessage(message, $"{path}[{summary.Count}]", summary, line);
            summary.Count++;
        }

        return summary;
    }

    private void CheckMessage(JsonElement message, string path, MessageSummary summary, LineIssues line)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            line.Error(path, "Each message must be a JSON object.");
            summary.LastRole = null;
            return;
        }

        CheckKeys(message, path, _target.AllowedMessageKeys, line);

        string? role = null;
        if (!message.TryGetProperty("role", out var roleValue))
        {
            line.Error(path + ".role", "Missing role.");
        }
        else if (roleValue.ValueKind != JsonValueKind.String)
        {
            line.Error(path + ".role", "role must be a string.");
        }
        else if (!_target.AllowedRoles.Contains(roleValue.GetString()!))
        {
            line.Error(path + ".role", $"Unrecognised role '{roleValue.GetString()}'. Use one of: {string.Join(", ", _target.AllowedRoles.Order())}.");
        }
        else
        {
            role = roleValue.GetString();
        }

        var hasToolCalls = message.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind != JsonValueKind.Null;
        CheckContent(message, path, role, hasToolCalls, line);

        if (message.TryGetProperty("name", out var name) && name.ValueKind != JsonValueKind.String)
        {
            line.Error(path + ".name", "name must be a string.");
        }

        var trained = role == "assistant";
        if (_target.WeightSupport == WeightSupport.WeightZeroOrOne && message.TryGetProperty("weight", out var weight))
        {
            if (role is not null and not "assistant")
            {
                line.Error(path + ".weight", "weight is only allowed on assistant messages.");
            }
            else if (weight.ValueKind != JsonValueKind.Number || !weight.TryGetInt32(out var w) || w is not (0 or 1))
            {
                line.Error(path + ".weight", "weight must be 0 or 1.");
            }
            else
            {
                trained = w == 1;
            }
        }

        if (_target.WeightSupport == WeightSupport.TrainFlag && message.TryGetProperty("train", out var train))
        {
            if (train.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                line.Error(path + ".train", "train must be true or false.");
            }
            else
            {
                trained = train.ValueKind == JsonValueKind.True;
            }
        }

        if (hasToolCalls)
        {
            CheckToolCalls(toolCalls, path + ".tool_calls", role, summary, line);
        }

        CheckToolCallId(message, path, role, summary, line);

        if (role == "system")
        {
            summary.HasSystem = true;
            if (_target.SystemMessageFirst && summary.Count > 0)
            {
                line.Warn(path + ".role", "A system message usually comes first.");
            }
        }

        summary.HasUser |= role == "user";
        summary.Assistant += role == "assistant" ? 1 : 0;
        summary.Trained += trained ? 1 : 0;
        summary.LastRole = role;
    }

    private static void CheckContent(JsonElement message, string path, string? role, bool hasToolCalls, LineIssues line)
    {
        var contentOptional = role == "assistant" && hasToolCalls;
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            if (!contentOptional)
            {
                line.Error(path + ".content", "Missing content.");
            }

            return;
        }

        switch (content.ValueKind)
        {
            case JsonValueKind.String when string.IsNullOrWhiteSpace(content.GetString()) && !contentOptional:
                line.Error(path + ".content", "content is empty.");
                break;
            case JsonValueKind.String:
                break;
            case JsonValueKind.Array when content.GetArrayLength() > 0
                && content.EnumerateArray().All(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("type", out _)):
                break;
            default:
                line.Error(path + ".content", "content must be text (or a list of typed content parts).");
                break;
        }
    }

    private static void CheckToolCalls(JsonElement toolCalls, string path, string? role, MessageSummary summary, LineIssues line)
    {
        if (role is not null and not "assistant")
        {
            line.Error(path, "Only assistant messages can make tool calls.");
        }

        if (toolCalls.ValueKind != JsonValueKind.Array || toolCalls.GetArrayLength() == 0)
        {
            line.Error(path, "tool_calls must be a non-empty list.");
            return;
        }

        var i = 0;
        foreach (var call in toolCalls.EnumerateArray())
        {
            var callPath = $"{path}[{i++}]";
            if (call.ValueKind != JsonValueKind.Object)
            {
                line.Error(callPath, "Each tool call must be a JSON object.");
                continue;
            }

            if (!call.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(id.GetString()))
            {
                line.Error(callPath + ".id", "Each tool call needs an id, which the tool message answering it repeats.");
            }
            else
            {
                summary.CallIds.Add(id.GetString()!);
            }

            if (!call.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "function")
            {
                line.Error(callPath + ".type", "type must be \"function\".");
            }

            if (!call.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
            {
                line.Error(callPath + ".function", "Missing function (name and arguments).");
                continue;
            }

            if (!function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(name.GetString()))
            {
                line.Error(callPath + ".function.name", "Missing function name.");
            }

            if (!function.TryGetProperty("arguments", out var arguments) || arguments.ValueKind != JsonValueKind.String)
            {
                line.Error(callPath + ".function.arguments", "arguments must be a string holding JSON.");
            }
            else if (!IsJson(arguments.GetString()!))
            {
                line.Warn(callPath + ".function.arguments", "arguments is not valid JSON text.");
            }
        }
    }

    private static void CheckToolCallId(JsonElement message, string path, string? role, MessageSummary summary, LineIssues line)
    {
        var has = message.TryGetProperty("tool_call_id", out var id);
        if (role != "tool")
        {
            if (has && role is not null)
            {
                line.Error(path + ".tool_call_id", "tool_call_id belongs on tool messages only.");
            }

            return;
        }

        if (!has || id.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(id.GetString()))
        {
            line.Error(path + ".tool_call_id", "A tool message needs the tool_call_id of the call it answers.");
        }
        else if (!summary.CallIds.Contains(id.GetString()!))
        {
            line.Error(path + ".tool_call_id", $"tool_call_id '{id.GetString()}' does not match any earlier tool call in this conversation.");
        }
    }

    private void CheckKeys(JsonElement obj, string path, IReadOnlySet<string> allowed, LineIssues line)
    {
        foreach (var property in obj.EnumerateObject())
        {
            if (allowed.Contains(property.Name))
            {
                continue;
            }

            var field = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
            var message = $"Unrecognised key '{property.Name}'. Allowed here: {string.Join(", ", allowed.Order())}.";
            if (_target.UnknownKeysAreErrors)
            {
                line.Error(field, message);
            }
            else
            {
                line.Warn(field, message + " It will be ignored.");
            }
        }
    }

    private static readonly HashSet<string> s_dpoInputKeys = ["messages", "tools", "parallel_tool_calls"];

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Names why a line did not parse: too deep, a key given twice, or plain invalid JSON.</summary>
    private static string DescribeParseFailure(byte[] bytes, JsonException ex)
    {
        if (NestingDepth(bytes, MaxDepth + 1) > MaxDepth)
        {
            return $"This line is nested deeper than {MaxDepth} levels; no training example needs that, so it was not read.";
        }

        try
        {
            using var lenient = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = MaxDepth, AllowDuplicateProperties = true });
            var duplicate = FindDuplicateKey(lenient.RootElement, "");
            return duplicate is null
                ? "This line has a key twice; trainers disagree on which one counts, so give each key once."
                : $"This line has the key '{duplicate.Value.Name}' twice in {(duplicate.Value.Path.Length == 0 ? "the top-level object" : duplicate.Value.Path)}; trainers disagree on which one counts, so give each key once.";
        }
        catch (JsonException)
        {
            var where = ex.BytePositionInLine is { } position ? $" (near byte {position + 1})" : "";
            return $"This line is not valid JSON{where}. Each line must be one complete JSON object.";
        }
    }

    /// <summary>How deep arrays and objects nest, outside strings, counting no further than <paramref name="stop"/>.</summary>
    private static int NestingDepth(ReadOnlySpan<byte> bytes, int stop)
    {
        int depth = 0, deepest = 0;
        var inString = false;
        for (var i = 0; i < bytes.Length && deepest < stop; i++)
        {
            var b = bytes[i];
            if (inString)
            {
                if (b == (byte)'\\')
                {
                    i++;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }

                continue;
            }

            switch (b)
            {
                case (byte)'"': inString = true; break;
                case (byte)'{' or (byte)'[': deepest = Math.Max(deepest, ++depth); break;
                case (byte)'}' or (byte)']': depth--; break;
            }
        }

        return deepest;
    }

    private static (string Path, string Name)? FindDuplicateKey(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        continue;
                    }

                    var child = path.Length == 0 ? name : $"{path}.{name}";
                    if (!names.Add(name))
                    {
                        return (path, name);
                    }

                    if (FindDuplicateKey(property.Value, child) is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindDuplicateKey(item, $"{path}[{i++}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    /// <summary>The path of the first key or string value that cannot be read as text; null when every one can.</summary>
    private static string? FindUnreadableString(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    return path.Length == 0 ? "$" : path;
                }

            case JsonValueKind.Object:
                var index = 0;
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return (path.Length == 0 ? "" : path + ".") + $"(key {index + 1})";
                    }

                    index++;
                    if (FindUnreadableString(property.Value, path.Length == 0 ? name : $"{path}.{name}") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (FindUnreadableString(item, $"{path}[{i++}]") is { } found)
                    {
                        return found;
                    }
                }

                return null;
            default:
                return null;
        }
    }

    private static ulong LineKey(byte[] bytes)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(bytes.AsSpan().Trim(" \t"u8), hash);
        return BitConverter.ToUInt64(hash[..8]);
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true or false",
        JsonValueKind.Null => "null",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private sealed class IssueCollector(int maxListed)
    {
        /// <summary>Distinct findings followed per line for the whole-file summary; more are not followed.</summary>
        private const int MaxTracked = 256;

        private readonly Dictionary<(bool Error, string Field, string Message), (int Lines, int LastLine, int Count)> _perLine = [];

        public List<ValidationIssue> Errors { get; private set; } = [];
        public List<ValidationIssue> Warnings { get; private set; } = [];
        public int ErrorCount { get; private set; }
        public int WarningCount { get; private set; }

        public void Error(int? line, string field, string message)
        {
            ErrorCount++;
            Track(true, line, field, message);
            if (Errors.Count < maxListed)
            {
                Errors.Add(new ValidationIssue(line, field, message));
            }
        }

        public void Warn(int? line, string field, string message)
        {
            WarningCount++;
            Track(false, line, field, message);
            if (Warnings.Count < maxListed)
            {
                Warnings.Add(new ValidationIssue(line, field, message));
            }
        }

        /// <summary>
        /// A finding on every line of a long file says something about the file, not about its lines (chat data checked as
        /// preference data, say): it is listed once, counted once, and the per-line copies leave the list.
        /// </summary>
        public void SummariseWholeFile(int lineCount)
        {
            if (lineCount < SummariseFromLines)
            {
                return;
            }

            foreach (var ((error, field, message), (_, _, count)) in _perLine.Where(p => p.Value.Lines == lineCount).ToList())
            {
                var summary = new ValidationIssue(null, field, $"Every line ({lineCount:N0} of {lineCount:N0}): {message}");
                if (error)
                {
                    Errors = [summary, .. Errors.Where(i => i.Line is null || i.Field != field || i.Message != message)];
                    ErrorCount -= count - 1;
                }
                else
                {
                    Warnings = [summary, .. Warnings.Where(i => i.Line is null || i.Field != field || i.Message != message)];
                    WarningCount -= count - 1;
                }
            }
        }

        private void Track(bool error, int? line, string field, string message)
        {
            // Lines that do not parse ("$") are each broken in their own way and keep their line numbers.
            if (line is not { } number || field == "$")
            {
                return;
            }

            var key = (error, field, message);
            if (_perLine.TryGetValue(key, out var seen))
            {
                // Once per line: a line that repeats a finding (two bad messages) still counts as one line.
                _perLine[key] = (seen.LastLine == number ? seen.Lines : seen.Lines + 1, number, seen.Count + 1);
            }
            else if (_perLine.Count < MaxTracked && number == 1)
            {
                // Only findings of line 1 can be on every line.
                _perLine[key] = (1, number, 1);
            }
        }
    }

    /// <summary>One line's findings in the order its checks made them, replayed into the collector in line order; most lines have none and allocate no list.</summary>
    private sealed class LineIssues
    {
        private List<(bool Error, string Field, string Message)>? _items;

        public void Error(string field, string message) => (_items ??= []).Add((true, field, message));

        public void Warn(string field, string message) => (_items ??= []).Add((false, field, message));

        public void ReplayInto(IssueCollector issues, int line)
        {
            foreach (var (error, field, message) in _items ?? [])
            {
                if (error)
                {
                    issues.Error(line, field, message);
                }
                else
                {
                    issues.Warn(line, field, message);
                }
            }
        }
    }

    /// <summary>What a line contributes: its findings, its tokens and duplicate key when it is an example to count.</summary>
    private readonly record struct LineOutcome(LineIssues? Findings, int? Tokens, ulong Key, bool StopsTheFile = false);
}
