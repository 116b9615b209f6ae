using System.Text.Json;

namespace FineTuneStudio.Core.Readiness;

/// <summary>
/// Applies <see cref="ReadinessRules.All"/> to answers and evidence. Pure: the same input always
/// gives the same result, so stored assessments can be re-scored and compared.
/// </summary>
public sealed class ReadinessScorer
{
    private readonly IReadOnlyList<ReadinessRule> _rules;

    public ReadinessScorer() : this(ReadinessRules.All)
    {
    }

    /// <summary>For tests and experiments with another rule table.</summary>
    public ReadinessScorer(IReadOnlyList<ReadinessRule> rules) => _rules = rules;

    public ReadinessResult Score(IReadOnlyDictionary<string, JsonElement> answers, ReadinessEvidence? evidence = null)
    {
        var facts = ReadinessFacts.From(answers, evidence);
        var matched = _rules.Where(r => r.When(facts)).ToList();

        var dimensionScores = Enum.GetValues<ReadinessDimension>()
            .Select(d => new ReadinessDimensionScore(
                d,
                Math.Clamp(matched.Where(r => r.Dimension == d).Sum(r => r.Points), 0, 100),
                ReadinessRules.Weights[d]))
            .ToList();
        var overall = (int)Math.Round(
            dimensionScores.Sum(d => (double)d.Score * d.Weight) / dimensionScores.Sum(d => d.Weight),
            MidpointRounding.AwayFromZero);

        var reasons = matched
            .Select(r => new ReadinessReason(r.Id, r.QuestionId, r.Dimension, KindOf(r), r.Points, facts.Describe(r.QuestionId), r.Reason))
            .ToList();
        var blockers = matched
            .Where(r => r.Blocker is not null)
            .Select(r => new ReadinessBlocker(r.Id, r.QuestionId, r.Blocker!))
            .ToList();
        var (verdict, explanation) = DecideVerdict(matched, blockers, overall);

        var steps = matched
            .Where(r => r.Step is not null)
            .Select((r, index) => (Rule: r, Index: index))
            .OrderBy(x => x.Rule.Step!.Priority).ThenBy(x => x.Index)
            .DistinctBy(x => x.Rule.Step!.Text)
            .Select((x, i) => new ReadinessNextStep(i + 1, x.Rule.Step!.Area, x.Rule.Step!.Text, x.Rule.QuestionId, x.Rule.Id))
            .ToList();

        return new ReadinessResult(verdict, explanation, overall, dimensionScores, reasons, blockers, steps, facts.EvidenceUses);
    }

    private static (ReadinessVerdict Verdict, string Explanation) DecideVerdict(
        List<ReadinessRule> matched, List<ReadinessBlocker> blockers, int overall)
    {
        foreach (var gateVerdict in ReadinessRules.GatePrecedence)
        {
            if (matched.FirstOrDefault(r => r.Gate == gateVerdict) is { } gate)
            {
                return (gateVerdict, $"Decided by a hard gate ({gate.Id}) regardless of the scores: {gate.Reason}");
            }
        }

        if (overall < ReadinessRules.PilotScore)
        {
            return (ReadinessVerdict.NotReadyYet,
                $"The overall score {overall} is below {ReadinessRules.PilotScore}; close the gaps listed below before training.");
        }

        if (overall < ReadinessRules.ReadyScore)
        {
            return (ReadinessVerdict.FineTuningPilot,
                $"The overall score {overall} is enough for a small pilot (from {ReadinessRules.PilotScore}), not yet for full training (from {ReadinessRules.ReadyScore}).");
        }

        var limit = matched.FirstOrDefault(r => r.AtMost == ReadinessVerdict.FineTuningPilot);
        if (limit is not null)
        {
            return (ReadinessVerdict.FineTuningPilot,
                $"The overall score {overall} would allow full training, but it is held at a pilot: {limit.Reason}");
        }

        if (blockers.Count > 0)
        {
            return (ReadinessVerdict.FineTuningPilot,
                $"The overall score {overall} would allow full training, but it is held at a pilot until the blockers are resolved.");
        }

        return (ReadinessVerdict.ReadyToFineTune,
            $"No gate or limit applies and the overall score {overall} reaches {ReadinessRules.ReadyScore}.");
    }

    private static ReadinessReasonKind KindOf(ReadinessRule rule) =>
        rule.Gate is not null ? ReadinessReasonKind.Gate
        : rule.AtMost is not null ? ReadinessReasonKind.Limit
        : rule.Points > 0 ? ReadinessReasonKind.Strength
        : ReadinessReasonKind.Concern;
}
