using System.Text.Json.Serialization;

namespace FineTuneStudio.Core.Domain;

// Enums travel as their names in JSON (API, CLI --json, stored reports), as they are stored in the database.

[JsonConverter(typeof(JsonStringEnumConverter<TaskKind>))]
public enum TaskKind { Chat, Classification, Extraction, Preference }

[JsonConverter(typeof(JsonStringEnumConverter<MessageRole>))]
public enum MessageRole { System, User, Assistant, Tool }

[JsonConverter(typeof(JsonStringEnumConverter<ExampleStatus>))]
public enum ExampleStatus { Draft, Submitted, Approved, Rejected }

[JsonConverter(typeof(JsonStringEnumConverter<ExampleSource>))]
public enum ExampleSource { Manual, CsvImport, JsonlImport, ProductionLog, Synthetic, Demo }

[JsonConverter(typeof(JsonStringEnumConverter<SplitPin>))]
public enum SplitPin { Auto, Train, Validation, Test }

[JsonConverter(typeof(JsonStringEnumConverter<AssessmentStatus>))]
public enum AssessmentStatus { Draft, Submitted }

[JsonConverter(typeof(JsonStringEnumConverter<EvalRunStatus>))]
public enum EvalRunStatus { Pending, Running, Completed, Failed, Cancelled }

[JsonConverter(typeof(JsonStringEnumConverter<JudgementChoice>))]
public enum JudgementChoice { A, B, Tie, BothBad }

[JsonConverter(typeof(JsonStringEnumConverter<QualityRunStatus>))]
public enum QualityRunStatus { Running, Completed, Failed, Cancelled }

/// <summary>How a classification example's label becomes the assistant answer the model learns.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AnswerStyle>))]
public enum AnswerStyle
{
    /// <summary>The label text itself.</summary>
    Label,
    /// <summary>A text with <c>{label}</c> in it, such as <c>Urgency: {label}</c>.</summary>
    Template,
    /// <summary>A JSON object with one key, such as <c>{"label": "urgent"}</c>.</summary>
    Json,
    /// <summary>A written answer per label.</summary>
    PerLabel,
}

/// <summary>What a quality check can find. Examples filter by it, so it lives with the domain, not in Quality.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FindingType>))]
public enum FindingType
{
    ExactDuplicate,
    NearDuplicate,
    ConflictingAnswers,
    SystemPromptDrift,
    MissingSystemPrompt,
    PersonalData,
    LongOutlier,
    ShortOutlier,
    OverTokenLimit,
    EmptyTurn,
    MissingAssistantTurn,
    LabelImbalance,
    MissingLabel,
    UnknownLabel,
    OverRepresentedAnswer,
    SplitLeakage,
    EvalLeakage,
    LowAgreement,
}
