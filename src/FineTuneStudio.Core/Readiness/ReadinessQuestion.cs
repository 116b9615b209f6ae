namespace FineTuneStudio.Core.Readiness;

/// <summary>The areas a readiness assessment scores separately.</summary>
public enum ReadinessDimension
{
    TaskFit,
    SimplerApproaches,
    Data,
    Evaluation,
    Ownership,
    BusinessCase,
    RequirementStability,
}

public enum ReadinessAnswerType
{
    /// <summary>Answered with one option id (a JSON string).</summary>
    SingleChoice,

    /// <summary>Answered with an array of option ids.</summary>
    MultipleChoice,

    /// <summary>Answered with a JSON number between Min and Max.</summary>
    Number,

    /// <summary>Answered with a JSON string of at most <see cref="ReadinessQuestion.MaxTextLength"/> characters.</summary>
    FreeText,
}

public sealed record ReadinessOption(string Id, string Text);

/// <summary>One question of the readiness questionnaire. The id is stable: stored answers refer to it.</summary>
public sealed record ReadinessQuestion(
    string Id,
    ReadinessDimension Dimension,
    string Text,
    string Help,
    ReadinessAnswerType AnswerType,
    IReadOnlyList<ReadinessOption> Options,
    double? Min = null,
    double? Max = null,
    string? Unit = null)
{
    public const int MaxTextLength = 4000;

    public ReadinessOption? FindOption(string optionId) => Options.FirstOrDefault(o => o.Id == optionId);
}
