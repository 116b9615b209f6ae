using System.Text.Json;
using Q = FineTuneStudio.Core.Readiness.ReadinessQuestionIds;

namespace FineTuneStudio.Core.Demo;

/// <summary>
/// The readiness answers the demo's product owner gave, so a fresh install opens on a verdict with a history: the
/// ticket project's first assessment five weeks ago (no one to own retraining, no budget) and today's, after both
/// were settled; the brand project's one. They are submitted through the real scoring, so the verdicts, and the
/// evidence that overrides the answers, come from the demo's own examples, labels and eval runs.
/// </summary>
internal static class DemoAssessments
{
    public const int FirstTicketAssessmentDaysAgo = 35;

    public static Dictionary<string, JsonElement> TicketsFirst() => Tickets().With(new()
    {
        [Q.RetrainingOwner] = "nobody",
        [Q.RetrainingCadence] = "none",
        [Q.Monitoring] = "none",
        [Q.Budget] = "none",
        [Q.Impact] = "unknown",
        [Q.EvalOwner] = "team",
    });

    public static Dictionary<string, JsonElement> TicketsNow() => Tickets();

    public static Dictionary<string, JsonElement> Brand() => Answers(new()
    {
        [Q.TaskNature] = new[] { "style_voice", "terminology" },
        [Q.TaskScope] = "few_related",
        [Q.TaskOutputCheck] = "rubric",
        [Q.Prompting] = "system_prompt_only",
        [Q.Rag] = "not_relevant",
        [Q.Baseline] = "measured",
        [Q.BaselineGap] = "moderate",
        [Q.FailureCases] = "informal",
        [Q.HighQualityExamples] = 120,
        [Q.ExampleSource] = "expert_written",
        [Q.WhoLabels] = "trained_staff",
        [Q.LabelerCount] = 2,
        [Q.Guidelines] = "written",
        [Q.Consistency] = "spot_checked",
        [Q.EdgeCases] = "some",
        [Q.LabelerHoursPerWeek] = 6,
        [Q.MinutesPerExample] = 5,
        [Q.EvalSet] = "ready",
        [Q.EvalSetSize] = 30,
        [Q.EvalMetrics] = "task_specific",
        [Q.EvalOwner] = "named_person",
        [Q.EvalHumanReview] = "yes",
        [Q.RetrainingOwner] = "named_person",
        [Q.RetrainingCadence] = "half_yearly",
        [Q.Monitoring] = "planned",
        [Q.Budget] = "expected",
        [Q.FeedbackLoop] = "planned",
        [Q.RequestsPerDay] = 800,
        [Q.Latency] = "interactive",
        [Q.PromptTokensNow] = 1400,
        [Q.PromptTokensAfter] = 250,
        [Q.Impact] = "estimated",
        [Q.RequirementChanges] = "quarterly",
        [Q.OutputFormatStability] = "mostly",
        [Q.DomainRuleChanges] = "sometimes",
    });

    private static Dictionary<string, JsonElement> Tickets() => Answers(new()
    {
        [Q.TaskNature] = new[] { "output_format", "narrow_high_volume" },
        [Q.TaskScope] = "narrow",
        [Q.TaskOutputCheck] = "exact",
        [Q.Prompting] = "system_and_few_shot",
        [Q.Rag] = "not_relevant",
        [Q.Baseline] = "measured",
        [Q.BaselineGap] = "moderate",
        [Q.FailureCases] = "documented",
        [Q.HighQualityExamples] = 190,
        [Q.ExampleSource] = "production_reviewed",
        [Q.WhoLabels] = "domain_experts",
        [Q.LabelerCount] = 3,
        [Q.Guidelines] = "written",
        [Q.Consistency] = "measured",
        [Q.EdgeCases] = "covered",
        [Q.LabelerHoursPerWeek] = 8,
        [Q.MinutesPerExample] = 2,
        [Q.EvalSet] = "ready",
        [Q.EvalSetSize] = 40,
        [Q.EvalMetrics] = "task_specific",
        [Q.EvalOwner] = "named_person",
        [Q.EvalHumanReview] = "planned",
        [Q.RetrainingOwner] = "named_person",
        [Q.RetrainingCadence] = "quarterly",
        [Q.Monitoring] = "planned",
        [Q.Budget] = "approved",
        [Q.FeedbackLoop] = "yes",
        [Q.RequestsPerDay] = 6000,
        [Q.Latency] = "interactive",
        [Q.PromptTokensNow] = 1800,
        [Q.PromptTokensAfter] = 300,
        [Q.Impact] = "measured_kpi",
        [Q.RequirementChanges] = "rarely",
        [Q.OutputFormatStability] = "fixed",
        [Q.DomainRuleChanges] = "rarely",
    });

    private static Dictionary<string, JsonElement> Answers(Dictionary<string, object> answers) =>
        answers.ToDictionary(a => a.Key, a => JsonSerializer.SerializeToElement(a.Value));

    private static Dictionary<string, JsonElement> With(this Dictionary<string, JsonElement> answers, Dictionary<string, object> changes)
    {
        var copy = new Dictionary<string, JsonElement>(answers);
        foreach (var (id, value) in changes)
        {
            copy[id] = JsonSerializer.SerializeToElement(value);
        }

        return copy;
    }
}
