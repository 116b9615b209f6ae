using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Core.Imports;

/// <summary>The shape of an import file. Every JSON shape is read as JSONL or as one JSON array of records.</summary>
public enum ImportFormat
{
    /// <summary>Decided from the first record: JSON shapes by their keys, anything that is not JSON as CSV.</summary>
    Auto,
    /// <summary>
    /// <c>messages</c> with role and content: OpenAI chat (tool calls, weights), Hugging Face conversational data,
    /// LLaMA-Factory's OpenAI-style files, Axolotl's per-message <c>train</c>, Amazon Bedrock's lines (a <c>system</c>
    /// beside the messages, text parts without a type) and lmsys-chat-1m's <c>conversation</c>.
    /// </summary>
    Chat,
    /// <summary><c>prompt</c> and <c>completion</c>, as strings or message lists.</summary>
    PromptCompletion,
    /// <summary><c>prompt</c> / <c>chosen</c> / <c>rejected</c>, or OpenAI's <c>input</c> / <c>preferred_output</c> / <c>non_preferred_output</c>.</summary>
    Preference,
    /// <summary><c>instruction</c>, optional <c>input</c>, <c>output</c>.</summary>
    Alpaca,
    /// <summary>Comma-separated values with a header row and a <see cref="CsvMapping"/>.</summary>
    Csv,
    /// <summary>ShareGPT <c>conversations</c> of <c>from</c>/<c>value</c> turns, with function_call/observation turns and tools (see <see cref="ShareGptReader"/>).</summary>
    ShareGpt,
    /// <summary>ShareGPT <c>conversations</c> as the prompt plus <c>chosen</c> and <c>rejected</c> answers.</summary>
    ShareGptPreference,
    /// <summary>A conversation (messages, conversations, or prompt/completion) with a boolean <c>label</c> or <c>kto_tag</c>, kept as a kto:desirable/kto:undesirable tag.</summary>
    Kto,
    /// <summary>Label Studio's JSON export: tasks with <c>data</c> and <c>annotations</c> (see <see cref="LabelStudioReader"/>).</summary>
    LabelStudio,
    /// <summary>Argilla records, v2 (<c>fields</c>, <c>responses</c>, <c>suggestions</c>) or v1 (<c>text</c>/<c>inputs</c>, <c>annotation</c>) (see <see cref="ArgillaReader"/>).</summary>
    Argilla,
    /// <summary>
    /// <c>text</c> (or GLUE's <c>sentence</c>) with an optional <c>label</c>: a Hugging Face text-classification row as
    /// <c>Dataset.to_json</c> writes it, the text one user turn. <c>label_text</c>, where the dataset has it, names the class.
    /// </summary>
    Text,
    /// <summary>Vertex AI's Gemini tuning lines: <c>contents</c> of user and model <c>parts</c>, and <c>systemInstruction</c> (see <see cref="GeminiReader"/>).</summary>
    Gemini,
}

/// <summary>
/// One record of an import file: its content, or the problems that keep it out. <see cref="Line"/> is the
/// 1-based physical line where the record starts. <see cref="Warnings"/> name what was read but not imported
/// (unknown keys, extra choices); they never keep a record out.
/// </summary>
public sealed record ImportRow(int Line, ExampleContent? Content, IReadOnlyList<InputError> Errors)
{
    public IReadOnlyList<InputError> Warnings { get; init; } = [];

    /// <summary>
    /// The problem is the file's, not this record's (no header, broken quoting, an unclosed array, a shape that
    /// cannot be told): reading stopped here or what follows cannot be trusted, so the row is never left out.
    /// </summary>
    public bool AboutFile { get; init; }

    public bool IsValid => Content is not null && Errors.Count == 0;

    public static ImportRow Valid(int line, ExampleContent content) => new(line, content, []);

    public static ImportRow Invalid(int line, string field, string message) => new(line, null, [new InputError(field, message, line)]);

    public static ImportRow FileProblem(int line, params IReadOnlyList<InputError> errors) => new(line, null, errors) { AboutFile = true };
}

/// <summary>Which CSV column (by header name) feeds which part of an example. Unmapped parts stay empty.</summary>
/// <param name="Input">Text that follows the user's message after a blank line, as Alpaca's template puts its input
/// (Alpaca's <c>input</c>, Dolly's <c>context</c>): the instruction and the text it works on make one user turn.</param>
public sealed record CsvMapping(
    string? User,
    string? Assistant = null,
    string? System = null,
    string? Label = null,
    string? Tags = null,
    string? Input = null)
{
    /// <summary>A first guess from common header names, for the mapping step to start from.</summary>
    public static CsvMapping Suggest(IReadOnlyList<string> headers)
    {
        string? Find(params string[] names) =>
            headers.FirstOrDefault(h => names.Any(n => string.Equals(h.Trim(), n, StringComparison.OrdinalIgnoreCase)));

        // Beside an instruction, an input or context column is the text the instruction works on, not the question.
        var input = Find("input", "context");
        var instruction = Find("instruction", "question", "prompt");
        var user = input is not null && instruction is not null ? instruction : Find("user", "prompt", "input", "question", "instruction", "text");
        var assistant = Find("assistant", "completion", "output", "answer", "response");
        // Beside an answer, a category sorts the examples (Dolly's closed_qa, brainstorming...): a tag, not a class to learn.
        var category = Find("category");
        return new CsvMapping(
            user,
            assistant,
            Find("system", "system_prompt", "system prompt"),
            Find("label", "class") ?? (assistant is null ? category : null),
            Find("tags", "tag") ?? (assistant is not null ? category : null),
            input is not null && input != user ? input : null);
    }
}

/// <param name="Separator">The separator the file was read with, in words: comma, semicolon, tab or pipe.</param>
public sealed record CsvPreview(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows, CsvMapping SuggestedMapping, string Separator);

internal static class RoleNames
{
    public static MessageRole? Parse(string value) => value.Trim().ToLowerInvariant() switch
    {
        "system" or "developer" => MessageRole.System,
        "user" => MessageRole.User,
        "assistant" => MessageRole.Assistant,
        "tool" => MessageRole.Tool,
        _ => null,
    };
}
