using System.Text.Json;
using FineTuneStudio.Core.Readiness;
using Q = FineTuneStudio.Core.Readiness.ReadinessQuestionIds;

namespace FineTuneStudio.Core.Tests.Readiness;

/// <summary>Answer sets for readiness tests, written as the wizard would store them.</summary>
internal static class ReadinessAnswerSets
{
    /// <summary>A project that earns every point: each dimension scores exactly 100.</summary>
    public static Dictionary<string, JsonElement> Ready() => Parse($$"""
        {
          "{{Q.TaskNature}}": ["output_format", "narrow_high_volume"],
          "{{Q.TaskScope}}": "narrow",
          "{{Q.TaskOutputCheck}}": "exact",
          "{{Q.Prompting}}": "system_and_few_shot",
          "{{Q.Rag}}": "not_relevant",
          "{{Q.Baseline}}": "measured",
          "{{Q.BaselineGap}}": "large",
          "{{Q.FailureCases}}": "documented",
          "{{Q.EvidenceLinks}}": "https://wiki.example.test/prompt-experiments",
          "{{Q.HighQualityExamples}}": 800,
          "{{Q.ExampleSource}}": "expert_written",
          "{{Q.WhoLabels}}": "domain_experts",
          "{{Q.LabelerCount}}": 3,
          "{{Q.Guidelines}}": "written",
          "{{Q.Consistency}}": "measured",
          "{{Q.EdgeCases}}": "covered",
          "{{Q.LabelerHoursPerWeek}}": 10,
          "{{Q.MinutesPerExample}}": 3,
          "{{Q.EvalSet}}": "ready",
          "{{Q.EvalSetSize}}": 200,
          "{{Q.EvalMetrics}}": "task_specific",
          "{{Q.EvalOwner}}": "named_person",
          "{{Q.EvalHumanReview}}": "yes",
          "{{Q.RetrainingOwner}}": "named_person",
          "{{Q.RetrainingCadence}}": "quarterly",
          "{{Q.Monitoring}}": "in_place",
          "{{Q.Budget}}": "approved",
          "{{Q.FeedbackLoop}}": "yes",
          "{{Q.RequestsPerDay}}": 5000,
          "{{Q.Latency}}": "realtime",
          "{{Q.PromptTokensNow}}": 2000,
          "{{Q.PromptTokensAfter}}": 300,
          "{{Q.Impact}}": "measured_kpi",
          "{{Q.TrainingTarget}}": "hosted-small",
          "{{Q.RequirementChanges}}": "rarely",
          "{{Q.OutputFormatStability}}": "fixed",
          "{{Q.DomainRuleChanges}}": "rarely"
        }
        """);

    public static Dictionary<string, JsonElement> Parse(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    /// <summary>A copy with the overrides applied; a JSON null in the overrides removes the answer.</summary>
    public static Dictionary<string, JsonElement> With(this Dictionary<string, JsonElement> answers, string overridesJson)
    {
        var copy = new Dictionary<string, JsonElement>(answers);
        foreach (var (id, value) in Parse(overridesJson))
        {
            if (value.ValueKind == JsonValueKind.Null)
            {
                copy.Remove(id);
            }
            else
            {
                copy[id] = value;
            }
        }

        return copy;
    }
}
