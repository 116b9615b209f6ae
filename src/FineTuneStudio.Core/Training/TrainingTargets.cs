using System.Collections.Frozen;

namespace FineTuneStudio.Core.Training;

/// <summary>How one line of a target's JSONL file is laid out.</summary>
public enum TargetFileShape
{
    /// <summary>{"messages": [...]}, optionally with tools.</summary>
    ChatMessages,
    /// <summary>{"input": {"messages": [...]}, "preferred_output": [...], "non_preferred_output": [...]}.</summary>
    InputPreferredNonPreferred,
    /// <summary>{"prompt": ..., "completion": ...}.</summary>
    PromptCompletion,
    /// <summary>{"prompt": ..., "chosen": ..., "rejected": ...}.</summary>
    PromptChosenRejected,
    /// <summary>{"systemInstruction": {"parts": [...]}, "contents": [{"role": "user" | "model", "parts": [...]}]}, optionally with tools.</summary>
    GeminiContents,
    /// <summary>{"system": text, "messages": [{"role": "user" | "assistant", "content": text}]}: Claude's fine-tuning lines on Amazon Bedrock.</summary>
    BedrockText,
    /// <summary>{"schemaVersion": ..., "system": [{"text": ...}], "messages": [{"role", "content": [{"text": ...}]}]}: Amazon Nova's Converse lines.</summary>
    BedrockConverse,
}

/// <summary>How a target lets a file say which assistant turns the model learns from.</summary>
public enum WeightSupport
{
    None,
    /// <summary>An optional integer "weight" of 0 or 1 on assistant messages.</summary>
    WeightZeroOrOne,
    /// <summary>An optional boolean "train" on any message.</summary>
    TrainFlag,
}

/// <summary>
/// What a target's lines can hold of an example. An example that uses a feature its target lacks would lose it
/// in the file, so the cut refuses (or, when asked, drops it and says so).
/// </summary>
[Flags]
public enum TargetCapabilities
{
    None = 0,
    /// <summary>The tool definitions the example was written with (a "tools" list).</summary>
    Tools = 1,
    /// <summary>Which assistant turns are trained: "weight" 0/1 or a per-message "train" flag.</summary>
    TurnWeights = 2,
    /// <summary>A system turn.</summary>
    SystemTurn = 4,
    /// <summary>More than one user turn (a conversation, not one question and one answer).</summary>
    MultiTurn = 8,
    /// <summary>A preferred and a rejected completion; a preference target needs one on every example.</summary>
    PreferencePairs = 16,
}

public enum TargetStatus
{
    Available,
    /// <summary>Still accepted, but the provider has announced an end date for new jobs.</summary>
    WindingDown,
    /// <summary>No new jobs; files in its format stay useful to other trainers that read it.</summary>
    Closed,
}

/// <summary>
/// The rules and figures of one training target. The built-in catalog holds one per file format; the targets table
/// (<see cref="TrainingTargetTable"/>) lays an admin's limits, price and status over the format's rules with <c>with</c>.
/// </summary>
/// <param name="Hosted">A service trains on the files (OpenAI, Vertex AI), rather than a trainer the team runs itself.</param>
/// <param name="MaxEpochs">The most epochs the service takes, when fewer than the epoch heuristic may choose.</param>
public sealed record TrainingTargetProfile(
    string Key,
    string DisplayName,
    TargetFileShape FileShape,
    IReadOnlySet<string> AllowedRoles,
    IReadOnlySet<string> AllowedKeys,
    IReadOnlySet<string> AllowedMessageKeys,
    bool SystemMessageFirst,
    WeightSupport WeightSupport,
    int MinimumExamples,
    int TokenLimitPerExample,
    decimal? PricePerMillionTrainingTokens,
    string PriceNote,
    TargetStatus Status,
    string? Notice,
    string Encoding = TokenCounter.O200kBase,
    bool UnknownKeysAreErrors = true,
    DateOnly? NewJobsEndOn = null,
    TargetCapabilities Capabilities = TargetCapabilities.SystemTurn | TargetCapabilities.MultiTurn,
    string? FormatKey = null,
    bool Hosted = false,
    int? MaxEpochs = null)
{
    /// <summary>The built-in format whose rules the files follow: its own key, or the one an admin's target names.</summary>
    public string Format => FormatKey ?? Key;

    public bool Carries(TargetCapabilities feature) => (Capabilities & feature) == feature;

    public bool IsPreference => FileShape is TargetFileShape.InputPreferredNonPreferred or TargetFileShape.PromptChosenRejected;

    public bool IsOpenAi => Format.StartsWith("openai-", StringComparison.Ordinal);

    /// <summary>Lines of plain user and assistant turns that alternate (Amazon Bedrock's): no tool call or result fits them.</summary>
    public bool NeedsAlternatingText => FileShape is TargetFileShape.BedrockText or TargetFileShape.BedrockConverse;
}

/// <summary>
/// The built-in targets, one per file format, as the targets table is first seeded. Prices are examples only; each
/// team edits them to match its contract. Features read targets through <see cref="TrainingTargetTable"/>.
/// </summary>
public static class TrainingTargets
{
    public const string OpenAiChat = "openai-chat";
    public const string OpenAiDpo = "openai-dpo";
    public const string HfMessages = "hf-messages";
    public const string HfPromptCompletion = "hf-prompt-completion";
    public const string HfPreference = "hf-preference";
    public const string AxolotlChat = "axolotl-chat";
    public const string VertexGemini = "vertex-gemini";
    public const string BedrockClaude = "bedrock-claude";
    public const string BedrockNova = "bedrock-nova";

    public static readonly DateOnly OpenAiNewJobsEnd = new(2027, 1, 6);

    public const string ExamplePriceNote = "Example price: edit to your contract.";

    private const string OpenAiNotice =
        "OpenAI is winding down self-serve fine-tuning: new jobs can no longer be started from 6 January 2027. " +
        "Files in this format stay useful for other services that read it, but plan where the model will be trained.";

    private const string SelfHostedPriceNote =
        "Self-hosted training has no per-token price: set one that reflects your compute cost if you want an estimate.";

    /// <summary>Every target writes its turns as message lists, so system turns and multi-turn prompts always survive.</summary>
    private const TargetCapabilities Conversation = TargetCapabilities.SystemTurn | TargetCapabilities.MultiTurn;

    private static readonly string[] ChatRoles = ["system", "user", "assistant", "tool"];

    public static TrainingTargetProfile OpenAiChatProfile { get; } = new(
        OpenAiChat,
        "OpenAI chat (supervised)",
        TargetFileShape.ChatMessages,
        Set(ChatRoles),
        Set("messages", "tools", "parallel_tool_calls"),
        Set("role", "content", "name", "weight", "tool_calls", "tool_call_id"),
        SystemMessageFirst: true,
        WeightSupport.WeightZeroOrOne,
        MinimumExamples: 10,
        TokenLimitPerExample: 65_536,
        PricePerMillionTrainingTokens: 3.00m,
        ExamplePriceNote,
        TargetStatus.WindingDown,
        OpenAiNotice,
        NewJobsEndOn: OpenAiNewJobsEnd,
        Capabilities: Conversation | TargetCapabilities.Tools | TargetCapabilities.TurnWeights,
        Hosted: true);

    public static TrainingTargetProfile OpenAiDpoProfile { get; } = new(
        OpenAiDpo,
        "OpenAI preference (DPO)",
        TargetFileShape.InputPreferredNonPreferred,
        Set(ChatRoles),
        Set("input", "preferred_output", "non_preferred_output"),
        Set("role", "content", "name", "tool_calls", "tool_call_id"),
        SystemMessageFirst: true,
        WeightSupport.None,
        MinimumExamples: 10,
        TokenLimitPerExample: 65_536,
        PricePerMillionTrainingTokens: 3.00m,
        ExamplePriceNote,
        TargetStatus.WindingDown,
        OpenAiNotice,
        NewJobsEndOn: OpenAiNewJobsEnd,
        Capabilities: Conversation | TargetCapabilities.Tools | TargetCapabilities.PreferencePairs,
        Hosted: true);

    public static TrainingTargetProfile HfMessagesProfile { get; } = new(
        HfMessages,
        "Hugging Face conversational (messages)",
        TargetFileShape.ChatMessages,
        Set(ChatRoles),
        Set("messages", "tools"),
        Set("role", "content", "tool_calls", "tool_call_id", "name"),
        SystemMessageFirst: true,
        WeightSupport.None,
        MinimumExamples: 1,
        TokenLimitPerExample: 8_192,
        PricePerMillionTrainingTokens: null,
        SelfHostedPriceNote,
        TargetStatus.Available,
        Notice: null,
        UnknownKeysAreErrors: false,
        Capabilities: Conversation | TargetCapabilities.Tools);

    public static TrainingTargetProfile HfPromptCompletionProfile { get; } = new(
        HfPromptCompletion,
        "Hugging Face prompt / completion",
        TargetFileShape.PromptCompletion,
        Set(ChatRoles),
        Set("prompt", "completion"),
        Set("role", "content", "tool_calls", "tool_call_id", "name"),
        SystemMessageFirst: true,
        WeightSupport.None,
        MinimumExamples: 1,
        TokenLimitPerExample: 8_192,
        PricePerMillionTrainingTokens: null,
        SelfHostedPriceNote,
        TargetStatus.Available,
        Notice: null,
        UnknownKeysAreErrors: false,
        Capabilities: Conversation);

    public static TrainingTargetProfile HfPreferenceProfile { get; } = new(
        HfPreference,
        "Hugging Face preference (prompt / chosen / rejected)",
        TargetFileShape.PromptChosenRejected,
        Set(ChatRoles),
        Set("prompt", "chosen", "rejected"),
        Set("role", "content", "tool_calls", "tool_call_id", "name"),
        SystemMessageFirst: true,
        WeightSupport.None,
        MinimumExamples: 1,
        TokenLimitPerExample: 8_192,
        PricePerMillionTrainingTokens: null,
        SelfHostedPriceNote,
        TargetStatus.Available,
        Notice: null,
        UnknownKeysAreErrors: false,
        Capabilities: Conversation | TargetCapabilities.PreferencePairs);

    public static TrainingTargetProfile AxolotlChatProfile { get; } = new(
        AxolotlChat,
        "Axolotl chat template (per-message train flag)",
        TargetFileShape.ChatMessages,
        Set(ChatRoles),
        Set("messages", "tools"),
        Set("role", "content", "train", "tool_calls", "tool_call_id", "name"),
        SystemMessageFirst: true,
        WeightSupport.TrainFlag,
        MinimumExamples: 1,
        TokenLimitPerExample: 8_192,
        PricePerMillionTrainingTokens: null,
        SelfHostedPriceNote,
        TargetStatus.Available,
        Notice: null,
        UnknownKeysAreErrors: false,
        Capabilities: Conversation | TargetCapabilities.Tools | TargetCapabilities.TurnWeights);

    /// <summary>
    /// Vertex AI's supervised tuning for Gemini 2.5: 131,072 input and output tokens per example, counted here with
    /// o200k as an estimate (Gemini's own tokenizer is not bundled). Every model turn is trained; there is no per-turn weight.
    /// </summary>
    public static TrainingTargetProfile VertexGeminiProfile { get; } = new(
        VertexGemini,
        "Gemini on Vertex AI (supervised tuning)",
        TargetFileShape.GeminiContents,
        Set(ChatRoles),
        Set("systemInstruction", "contents", "tools"),
        Set("role", "parts"),
        SystemMessageFirst: true,
        WeightSupport.None,
        MinimumExamples: 1,
        TokenLimitPerExample: 131_072,
        PricePerMillionTrainingTokens: null,
        "Vertex AI bills tuning per training token, by base model: set your contract's price for an estimate.",
        TargetStatus.Available,
        Notice: null,
        Capabilities: Conversation | TargetCapabilities.Tools,
        Hosted: true);

    private const string BedrockPriceNote =
        "Amazon Bedrock bills customization per training token, by base model: set your contract's price for an estimate.";

    /// <summary>
    /// Claude 3 Haiku's fine-tuning on Amazon Bedrock: a system prompt beside user and assistant turns of plain text that
    /// alternate, starting with the user and ending with an answer; no other key is allowed. 32,000 tokens per record,
    /// counted with o200k as an estimate (Claude's tokenizer is not bundled). Every assistant turn is trained.
    /// </summary>
    public static TrainingTargetProfile BedrockClaudeProfile { get; } = new(
        BedrockClaude,
        "Claude 3 Haiku on Amazon Bedrock (fine-tuning)",
        TargetFileShape.BedrockText,
        Set("user", "assistant"),
        Set("system", "messages"),
        Set("role", "content"),
        SystemMessageFirst: true,
        WeightSupport.None,
        MinimumExamples: 1,
        TokenLimitPerExample: 32_000,
        PricePerMillionTrainingTokens: null,
        BedrockPriceNote,
        TargetStatus.Available,
        Notice: null,
        Capabilities: Conversation,
        Hosted: true,
        MaxEpochs: 10);

    /// <summary>
    /// Amazon Nova (Micro, Lite, Pro) fine-tuning on Amazon Bedrock, in the Converse shape: <c>schemaVersion</c>, the
    /// system prompt as text blocks, alternating user and assistant turns of text blocks. Nova's tuning takes no tools.
    /// 32,000 tokens per record, counted with o200k as an estimate. Every assistant turn is trained.
    /// </summary>
    public static TrainingTargetProfile BedrockNovaProfile { get; } = new(
        BedrockNova,
        "Amazon Nova on Amazon Bedrock (fine-tuning)",
        TargetFileShape.BedrockConverse,
        Set("user", "assistant"),
        Set("schemaVersion", "system", "messages"),
        Set("role", "content"),
        SystemMessageFirst: true,
        WeightSupport.None,
        MinimumExamples: 1,
        TokenLimitPerExample: 32_000,
        PricePerMillionTrainingTokens: null,
        BedrockPriceNote,
        TargetStatus.Available,
        Notice: null,
        Capabilities: Conversation,
        Hosted: true,
        MaxEpochs: 5);

    public static IReadOnlyList<TrainingTargetProfile> All { get; } =
    [
        OpenAiChatProfile, OpenAiDpoProfile, HfMessagesProfile, HfPromptCompletionProfile, HfPreferenceProfile, AxolotlChatProfile, VertexGeminiProfile,
        BedrockClaudeProfile, BedrockNovaProfile,
    ];

    private static readonly FrozenDictionary<string, TrainingTargetProfile> ByKey =
        All.ToFrozenDictionary(p => p.Key, StringComparer.OrdinalIgnoreCase);

    public static bool TryGet(string key, out TrainingTargetProfile profile)
    {
        if (ByKey.TryGetValue(key ?? "", out var found))
        {
            profile = found;
            return true;
        }

        profile = null!;
        return false;
    }

    /// <summary>The profile for a key; a validation error naming the known keys otherwise.</summary>
    public static TrainingTargetProfile Get(string key) =>
        TryGet(key, out var profile)
            ? profile
            : throw new StudioValidationException("target", $"Unknown training target '{key}'. Choose one of: {string.Join(", ", All.Select(p => p.Key))}.");

    private static FrozenSet<string> Set(params string[] values) => values.ToFrozenSet(StringComparer.Ordinal);
}
