using System.Globalization;
using System.Text.Json;
using Q = FineTuneStudio.Core.Readiness.ReadinessQuestionIds;

namespace FineTuneStudio.Core.Readiness;

/// <summary>
/// The answers as the rules see them: self-reported answers with measured evidence laid over them.
/// Values that do not fit the catalog read as unanswered, so scoring never fails on bad input
/// (the validator reports it).
/// </summary>
public sealed class ReadinessFacts
{
    private readonly Dictionary<string, JsonElement> _effective;
    private readonly List<EvidenceUse> _evidenceUses = [];

    private ReadinessFacts(IReadOnlyDictionary<string, JsonElement> answers, ReadinessEvidence? evidence)
    {
        _effective = new Dictionary<string, JsonElement>(answers, StringComparer.Ordinal);
        Evidence = evidence ?? new ReadinessEvidence();
        ApplyEvidence();
    }

    public static ReadinessFacts From(IReadOnlyDictionary<string, JsonElement> answers, ReadinessEvidence? evidence = null) =>
        new(answers, evidence);

    public ReadinessEvidence Evidence { get; }

    public IReadOnlyList<EvidenceUse> EvidenceUses => _evidenceUses;

    public bool IsAnswered(string questionId) => ReadinessQuestionnaire.Get(questionId).AnswerType switch
    {
        ReadinessAnswerType.MultipleChoice => Choices(questionId).Count > 0,
        ReadinessAnswerType.Number => Number(questionId) is not null,
        _ => !string.IsNullOrWhiteSpace(Choice(questionId)),
    };

    /// <summary>The chosen option of a single-choice question (or the text of a free-text one), or null.</summary>
    public string? Choice(string questionId)
    {
        if (!_effective.TryGetValue(questionId, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var text = value.GetString();
        var question = ReadinessQuestionnaire.Get(questionId);
        return question.AnswerType == ReadinessAnswerType.SingleChoice && question.FindOption(text!) is null ? null : text;
    }

    public IReadOnlySet<string> Choices(string questionId)
    {
        if (!_effective.TryGetValue(questionId, out var value) || value.ValueKind != JsonValueKind.Array)
        {
            return new HashSet<string>();
        }

        return value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)
            .Where(id => ReadinessQuestionnaire.Get(questionId).FindOption(id) is not null).ToHashSet(StringComparer.Ordinal);
    }

    public double? Number(string questionId) =>
        _effective.TryGetValue(questionId, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) && double.IsFinite(number)
            ? number
            : null;

    /// <summary>True when the question's effective answer is (or, for multiple choice, includes) the option.</summary>
    public bool Is(string questionId, string optionId)
    {
        var question = ReadinessQuestionnaire.Get(questionId);
        if (question.FindOption(optionId) is null)
        {
            // A typo in a rule would silently never match; fail loudly instead.
            throw new InvalidOperationException($"'{optionId}' is not an option of '{questionId}'.");
        }

        return question.AnswerType == ReadinessAnswerType.MultipleChoice
            ? Choices(questionId).Contains(optionId)
            : Choice(questionId) == optionId;
    }

    public bool IsAny(string questionId, params string[] optionIds) => optionIds.Any(o => Is(questionId, o));

    // Named facts the rule table reads; each is one line so the table stays readable.
    public bool NeedsBehaviour => IsAny(Q.TaskNature, "output_format", "style_voice", "terminology", "narrow_high_volume");
    public bool NeedsFreshFactsOrCitations => IsAny(Q.TaskNature, "fresh_facts", "citations");
    public bool NeedsKnowledge => NeedsFreshFactsOrCitations || Is(Q.TaskNature, "private_documents");
    public bool GeneralOrOneOffOnly => !NeedsBehaviour && !NeedsKnowledge && IsAny(Q.TaskNature, "general", "one_off");
    public bool PromptingAndFewShotTried => Is(Q.Prompting, "system_and_few_shot");
    public bool RagTried => IsAny(Q.Rag, "in_use", "tried_not_enough");
    public bool RagNeededButUntried => NeedsKnowledge && !RagTried;
    public bool HasMeasuredBaseline => Is(Q.Baseline, "measured");
    public bool HasEvalSet => Is(Q.EvalSet, "ready");
    public bool HasEvalSetOrPlan => IsAny(Q.EvalSet, "ready", "planned");
    public int HighQualityExamples => (int)Math.Floor(Number(Q.HighQualityExamples) ?? 0);
    public bool HasRetrainingOwner => IsAny(Q.RetrainingOwner, "named_person", "vendor");
    public bool HasMonitoringOrPlan => IsAny(Q.Monitoring, "in_place", "planned");

    /// <summary>The effective answer in words, for reasons and the report.</summary>
    public string Describe(string questionId)
    {
        var question = ReadinessQuestionnaire.Get(questionId);
        return question.AnswerType switch
        {
            ReadinessAnswerType.SingleChoice => Choice(questionId) is { } id ? question.FindOption(id)?.Text ?? "not answered" : "not answered",
            ReadinessAnswerType.MultipleChoice => Choices(questionId) is { Count: > 0 } ids
                ? string.Join("; ", question.Options.Where(o => ids.Contains(o.Id)).Select(o => o.Text))
                : "not answered",
            ReadinessAnswerType.Number => Number(questionId) is { } n ? FormatNumber(n, question.Unit) : "not answered",
            _ => string.IsNullOrWhiteSpace(Choice(questionId)) ? "not answered" : Choice(questionId)!,
        };
    }

    internal static string FormatNumber(double value, string? unit) =>
        (value.ToString("#,0.##", CultureInfo.InvariantCulture) + " " + unit).TrimEnd();

    private void ApplyEvidence()
    {
        var e = Evidence;
        if (e.ApprovedExamples is { } approved)
        {
            OverrideNumber(Q.HighQualityExamples, approved, FormattableString.Invariant($"approved examples in the project: {approved:#,0}"));
        }

        if (e.Labelers is { } labelers)
        {
            OverrideNumber(Q.LabelerCount, labelers, FormattableString.Invariant($"people who have annotated examples: {labelers:#,0}"));
        }

        if (e.AgreementKappa is { } kappa)
        {
            OverrideChoice(Q.Consistency, "measured", string.Create(CultureInfo.InvariantCulture, $"agreement measured in the project: kappa {kappa:0.00}"));
        }

        var evalCount = e.EvalItems ?? (e.EvalSets is 0 ? 0 : null);
        if (evalCount is { } items)
        {
            var measured = FormattableString.Invariant($"evaluation items with known answers in the project: {items:#,0}");
            if (items > 0)
            {
                OverrideChoice(Q.EvalSet, "ready", measured);
                OverrideNumber(Q.EvalSetSize, items, measured);
            }
            else if (Choice(Q.EvalSet) == "planned")
            {
                KeepAnswer(Q.EvalSet, measured, "No evaluation items exist yet, so the set counts as planned, as answered.");
            }
            else
            {
                OverrideChoice(Q.EvalSet, "none", measured);
            }
        }

        if (e.BaselineRuns is { } runs)
        {
            var measured = e.BaselineScore is { } score && runs > 0
                ? string.Create(CultureInfo.InvariantCulture, $"baseline runs in the project: {runs}, latest score {score:0.###}")
                : FormattableString.Invariant($"baseline runs in the project: {runs}");
            if (runs > 0)
            {
                OverrideChoice(Q.Baseline, "measured", measured);
            }
            else if (Choice(Q.Baseline) == "anecdotal")
            {
                KeepAnswer(Q.Baseline, measured, "No baseline run is recorded, which matches the answer.");
            }
            else
            {
                OverrideChoice(Q.Baseline, "none", measured);
            }
        }

        if (e.TrustedJudges is > 0)
        {
            OverrideChoice(Q.EvalMetrics, "task_specific", string.Create(CultureInfo.InvariantCulture,
                $"LLM judges in the project that agree with the blind human reviews: {e.TrustedJudges} (best kappa {e.BestJudgeKappa:0.00})"));
        }
        else if (e.UntrustedJudges is > 0)
        {
            KeepAnswer(Q.EvalMetrics, FormattableString.Invariant($"LLM judges in the project: {e.UntrustedJudges}, none trusted"),
                "No judge agrees with the blind human reviews well enough yet, so its verdicts are not counted as evidence; the answer stands.");
        }

        if (e.MedianSecondsPerExample is { } seconds && seconds > 0 && double.IsFinite(seconds))
        {
            OverrideNumber(Q.MinutesPerExample, Math.Round(seconds / 60, 2), string.Create(CultureInfo.InvariantCulture, $"median labeling time measured in the project: {seconds:0} seconds per example"));
        }
    }

    private void OverrideNumber(string questionId, double measuredValue, string measuredText) =>
        Override(questionId, JsonSerializer.SerializeToElement(measuredValue), measuredText);

    private void OverrideChoice(string questionId, string optionId, string measuredText) =>
        Override(questionId, JsonSerializer.SerializeToElement(optionId), measuredText);

    private void Override(string questionId, JsonElement measuredValue, string measuredText)
    {
        var question = ReadinessQuestionnaire.Get(questionId);
        var answered = IsAnswered(questionId);
        var selfReported = Describe(questionId);
        _effective[questionId] = measuredValue;
        var used = Describe(questionId);
        var explanation = !answered
            ? $"Not answered; the project's own data gives \"{used}\", which is used."
            : selfReported == used
                ? $"The answer \"{selfReported}\" matches the project's own data."
                : $"The answer was \"{selfReported}\", but the project's own data shows \"{used}\", so the measured value is used.";
        _evidenceUses.Add(new EvidenceUse(question.Id, selfReported, measuredText, EvidenceSource.Measured, explanation));
    }

    private void KeepAnswer(string questionId, string measuredText, string explanation) =>
        _evidenceUses.Add(new EvidenceUse(questionId, Describe(questionId), measuredText, EvidenceSource.Answer, explanation));
}
