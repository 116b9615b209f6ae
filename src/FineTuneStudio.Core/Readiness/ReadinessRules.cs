using Q = FineTuneStudio.Core.Readiness.ReadinessQuestionIds;

namespace FineTuneStudio.Core.Readiness;

/// <summary>What a matching rule asks the reader to do, and where in the app to do it. Lower priority comes first.</summary>
public sealed record ReadinessStep(int Priority, StudioArea Area, string Text);

/// <summary>
/// One row of the rule table. When <see cref="When"/> holds for the facts, the rule adds its points to
/// its dimension (clamped to 0..100) and its reason to the result; a <see cref="Gate"/> forces a
/// verdict, <see cref="AtMost"/> caps a fine-tuning verdict, a <see cref="Blocker"/> is listed as
/// something that must be fixed (and also caps the verdict at a pilot).
/// </summary>
public sealed record ReadinessRule(
    string Id,
    ReadinessDimension Dimension,
    string QuestionId,
    Func<ReadinessFacts, bool> When,
    string Reason,
    int Points = 0,
    ReadinessVerdict? Gate = null,
    ReadinessVerdict? AtMost = null,
    string? Blocker = null,
    ReadinessStep? Step = null);

/// <summary>
/// The whole scoring policy in one table. Per dimension the positive points of mutually exclusive
/// rows add up to at most 100. Unanswered questions match no positive row, so they score nothing.
/// </summary>
public static class ReadinessRules
{
    /// <summary>Overall score = weighted mean of the dimension scores; weights add up to 100.</summary>
    public static IReadOnlyDictionary<ReadinessDimension, int> Weights { get; } = new Dictionary<ReadinessDimension, int>
    {
        [ReadinessDimension.TaskFit] = 15,
        [ReadinessDimension.SimplerApproaches] = 15,
        [ReadinessDimension.Data] = 20,
        [ReadinessDimension.Evaluation] = 20,
        [ReadinessDimension.Ownership] = 10,
        [ReadinessDimension.BusinessCase] = 10,
        [ReadinessDimension.RequirementStability] = 10,
    };

    /// <summary>Without a gate, an overall score from here up means "ready to fine-tune".</summary>
    public const int ReadyScore = 70;

    /// <summary>Without a gate, an overall score from here up means "run a pilot"; below it, "not ready yet".</summary>
    public const int PilotScore = 50;

    /// <summary>A first pilot can learn a format from about 50 good examples; below that it mostly learns noise.</summary>
    public const int PilotExamples = 50;

    /// <summary>A few hundred excellent examples is where full training usually beats a good prompt; we use 500.</summary>
    public const int FullExamples = 500;

    /// <summary>Labeler agreement below this (kappa) means the labels disagree too often to teach one behaviour.</summary>
    public const double WeakAgreementKappa = 0.6;

    public const double HighDuplicateShare = 0.10;
    public const double HighConflictShare = 0.05;

    /// <summary>Gates in order of precedence when several match.</summary>
    public static IReadOnlyList<ReadinessVerdict> GatePrecedence { get; } =
        [ReadinessVerdict.NotReadyYet, ReadinessVerdict.UseRag, ReadinessVerdict.RagAndPromptingFirst, ReadinessVerdict.UsePromptEngineering];

    private const ReadinessDimension TaskFit = ReadinessDimension.TaskFit;
    private const ReadinessDimension Simpler = ReadinessDimension.SimplerApproaches;
    private const ReadinessDimension Data = ReadinessDimension.Data;
    private const ReadinessDimension Evaluation = ReadinessDimension.Evaluation;
    private const ReadinessDimension Ownership = ReadinessDimension.Ownership;
    private const ReadinessDimension Business = ReadinessDimension.BusinessCase;
    private const ReadinessDimension Stability = ReadinessDimension.RequirementStability;

    private static ReadinessStep Step(int priority, StudioArea area, string text) => new(priority, area, text);

    public static IReadOnlyList<ReadinessRule> All { get; } =
    [
        // Hard gates: they decide the verdict whatever the scores.
        new("gate.no_evaluation", Evaluation, Q.EvalSet, f => !f.HasEvalSetOrPlan,
            "There is no held-out evaluation set and no plan for one, so nobody could tell whether a trained model is better.",
            Gate: ReadinessVerdict.NotReadyYet,
            Blocker: "Create a held-out evaluation set with known answers (or plan one with an owner and a date).",
            Step: Step(1, StudioArea.Evaluation, "Create a held-out evaluation set of real cases with agreed answers.")),
        new("gate.knowledge_need", TaskFit, Q.TaskNature, f => f.NeedsKnowledge && !f.NeedsBehaviour,
            "The need is knowledge (fresh facts, citations or your own documents). Training changes how a model behaves, not what it reliably knows; retrieval supplies knowledge at answer time.",
            Gate: ReadinessVerdict.UseRag,
            Step: Step(2, StudioArea.Readiness, "Build retrieval over the source documents and measure it on the evaluation set.")),
        new("gate.knowledge_and_behaviour_rag_untried", Simpler, Q.Rag, f => f.NeedsKnowledge && f.NeedsBehaviour && !f.RagTried,
            "Part of the need is knowledge, and retrieval has not been tried. Combine retrieval with a good prompt first; train only for the behaviour that is still missing.",
            Gate: ReadinessVerdict.RagAndPromptingFirst,
            Step: Step(3, StudioArea.Readiness, "Add retrieval for the knowledge part and prompt for the rest, then reassess.")),
        new("gate.general_or_one_off", TaskFit, Q.TaskNature, f => f.GeneralOrOneOffOnly,
            "The task is general or one-off. Capable models already do general work well, and a one-off job never repays training.",
            Gate: ReadinessVerdict.UsePromptEngineering,
            Step: Step(4, StudioArea.Readiness, "Write a clear system prompt with a few worked examples.")),
        new("gate.prompting_not_exhausted", Simpler, Q.Prompting, f => !f.PromptingAndFewShotTried,
            "A tuned system prompt with worked examples has not been tried. It often closes most of the gap for far less effort.",
            Gate: ReadinessVerdict.UsePromptEngineering,
            Step: Step(5, StudioArea.Readiness, "Try a tuned system prompt with worked examples (few-shot) and record where it still fails.")),
        new("gate.no_measured_baseline", Simpler, Q.Baseline, f => !f.HasMeasuredBaseline,
            "There is no measured baseline, so the gap training should close is unknown.",
            Gate: ReadinessVerdict.UsePromptEngineering,
            Step: Step(6, StudioArea.Evaluation, "Run the current prompt over the evaluation set and record the score as the baseline.")),

        // Limits: the verdict can be a pilot at most.
        new("limit.examples_below_pilot", Data, Q.HighQualityExamples, f => f.HighQualityExamples < PilotExamples,
            "Fewer than 50 high-quality examples: too few even for a pilot run.",
            AtMost: ReadinessVerdict.FineTuningPilot,
            Blocker: "Collect and approve at least 50 high-quality examples before a pilot run.",
            Step: Step(10, StudioArea.Examples, "Write and approve examples until there are at least 50.")),
        new("limit.examples_below_full", Data, Q.HighQualityExamples, f => f.HighQualityExamples is >= PilotExamples and < FullExamples,
            "Enough examples for a pilot, not yet the roughly 500 we recommend for full training.",
            AtMost: ReadinessVerdict.FineTuningPilot,
            Step: Step(11, StudioArea.Examples, "Keep adding approved examples towards 500, starting with known failure cases.")),
        new("limit.requirements_weekly", Stability, Q.RequirementChanges, f => f.Is(Q.RequirementChanges, "weekly"),
            "Requirements change weekly; each change means relabeling and retraining, which a prompt avoids.",
            AtMost: ReadinessVerdict.FineTuningPilot),
        new("limit.format_changing", Stability, Q.OutputFormatStability, f => f.Is(Q.OutputFormatStability, "changing"),
            "The output format is still changing; examples written now would have to be redone.",
            AtMost: ReadinessVerdict.FineTuningPilot,
            Step: Step(40, StudioArea.Readiness, "Settle the output format before writing more examples.")),

        // Task fit.
        new("task.behaviour_need", TaskFit, Q.TaskNature, f => f.NeedsBehaviour,
            "The need is behaviour (format, style, terminology or a narrow repeated task), which is what training changes.", Points: 50),
        new("task.knowledge_part", TaskFit, Q.TaskNature, f => f.NeedsKnowledge && f.NeedsBehaviour,
            "Part of the need is knowledge, which training will not supply; keep retrieval for that part.", Points: -20),
        new("task.scope_narrow", TaskFit, Q.TaskScope, f => f.Is(Q.TaskScope, "narrow"),
            "One narrow, well-defined task.", Points: 30),
        new("task.scope_few", TaskFit, Q.TaskScope, f => f.Is(Q.TaskScope, "few_related"),
            "A few related tasks: workable, but each needs its own examples.", Points: 15),
        new("task.scope_open", TaskFit, Q.TaskScope, f => f.Is(Q.TaskScope, "open_ended"),
            "Open-ended requests gain little from training and may lose general skills.", Points: 0),
        new("task.check_exact", TaskFit, Q.TaskOutputCheck, f => f.Is(Q.TaskOutputCheck, "exact"),
            "Answers can be checked exactly, so improvement is measurable.", Points: 20),
        new("task.check_rubric", TaskFit, Q.TaskOutputCheck, f => f.Is(Q.TaskOutputCheck, "rubric"),
            "Answers are judged against a written rubric.", Points: 15),
        new("task.check_subjective", TaskFit, Q.TaskOutputCheck, f => f.Is(Q.TaskOutputCheck, "subjective"),
            "Correctness is a matter of taste, so every comparison needs people.", Points: 0,
            Step: Step(30, StudioArea.Evaluation, "Write a rubric that says what a good answer is.")),

        // Simpler approaches.
        new("simpler.few_shot_tried", Simpler, Q.Prompting, f => f.PromptingAndFewShotTried,
            "A tuned prompt with worked examples has been tried.", Points: 30),
        new("simpler.system_prompt_only", Simpler, Q.Prompting, f => f.Is(Q.Prompting, "system_prompt_only"),
            "Only a system prompt was tried, without worked examples.", Points: 10),
        new("simpler.rag_covered", Simpler, Q.Rag, f => f.RagTried || (f.Is(Q.Rag, "not_relevant") && !f.NeedsKnowledge),
            "Retrieval has been tried or is not needed for this task.", Points: 15),
        new("simpler.baseline_measured", Simpler, Q.Baseline, f => f.HasMeasuredBaseline,
            "The current approach has a measured score to beat.", Points: 25),
        new("simpler.baseline_anecdotal", Simpler, Q.Baseline, f => f.Is(Q.Baseline, "anecdotal"),
            "The current approach is judged by impression only.", Points: 5),
        new("simpler.gap_large", Simpler, Q.BaselineGap, f => f.Is(Q.BaselineGap, "large"),
            "The best prompt still fails often on things that matter.", Points: 15),
        new("simpler.gap_moderate", Simpler, Q.BaselineGap, f => f.Is(Q.BaselineGap, "moderate"),
            "The best prompt is close but not reliable.", Points: 10),
        new("simpler.gap_small", Simpler, Q.BaselineGap, f => f.Is(Q.BaselineGap, "small"),
            "The best prompt is nearly good enough; more prompt work is probably cheaper than training.", Points: 0),
        new("simpler.failures_documented", Simpler, Q.FailureCases, f => f.Is(Q.FailureCases, "documented"),
            "Failures of the current approach are written down with examples.", Points: 15),
        new("simpler.failures_informal", Simpler, Q.FailureCases, f => f.Is(Q.FailureCases, "informal"),
            "Failures are known only informally.", Points: 5,
            Step: Step(20, StudioArea.Examples, "Turn the known failures into examples with corrected answers.")),
        new("simpler.failures_none", Simpler, Q.FailureCases, f => !f.IsAny(Q.FailureCases, "documented", "informal"),
            "Nobody has recorded where the current approach fails.", Points: 0,
            Step: Step(20, StudioArea.Examples, "Collect the cases where the current approach fails, with corrected answers.")),

        // Data.
        new("data.examples_full", Data, Q.HighQualityExamples, f => f.HighQualityExamples >= FullExamples,
            "At least 500 high-quality examples.", Points: 35),
        new("data.examples_pilot", Data, Q.HighQualityExamples, f => f.HighQualityExamples is >= PilotExamples and < FullExamples,
            "Between 50 and 499 high-quality examples.", Points: 20),
        new("data.source_reviewed", Data, Q.ExampleSource, f => f.IsAny(Q.ExampleSource, "expert_written", "production_reviewed"),
            "Examples are written or reviewed by people who know the task.", Points: 10),
        new("data.source_synthetic", Data, Q.ExampleSource, f => f.Is(Q.ExampleSource, "synthetic_reviewed"),
            "Examples are model-generated and reviewed by people.", Points: 7),
        new("data.source_unreviewed", Data, Q.ExampleSource, f => f.Is(Q.ExampleSource, "unreviewed"),
            "Examples come from exports nobody has reviewed; they teach whatever is in them.", Points: 0,
            Step: Step(31, StudioArea.Examples, "Review imported examples and approve only the ones that show the intended answer.")),
        new("data.labelers_experts", Data, Q.WhoLabels, f => f.Is(Q.WhoLabels, "domain_experts"),
            "Domain experts label the examples.", Points: 15),
        new("data.labelers_trained", Data, Q.WhoLabels, f => f.Is(Q.WhoLabels, "trained_staff"),
            "Trained staff label the examples.", Points: 10),
        new("data.labelers_outsourced", Data, Q.WhoLabels, f => f.Is(Q.WhoLabels, "outsourced"),
            "An outside service labels the examples; their labels need expert review.", Points: 5),
        new("data.labelers_nobody", Data, Q.WhoLabels, f => f.Is(Q.WhoLabels, "nobody_yet") || f.Number(Q.LabelerCount) is 0,
            "Nobody labels examples yet.", Points: 0,
            Blocker: "Name the people who will write and correct examples.",
            Step: Step(12, StudioArea.Admin, "Invite the domain experts who will label, with the labeler role.")),
        new("data.guidelines_written", Data, Q.Guidelines, f => f.Is(Q.Guidelines, "written"),
            "Written labeling guidelines are in use.", Points: 15),
        new("data.guidelines_draft", Data, Q.Guidelines, f => f.Is(Q.Guidelines, "draft"),
            "Labeling guidelines exist as a draft.", Points: 7,
            Step: Step(13, StudioArea.Examples, "Finish the labeling guidelines and keep them beside the editor.")),
        new("data.guidelines_none", Data, Q.Guidelines, f => f.Is(Q.Guidelines, "none"),
            "There are no labeling guidelines, so labels will drift between people.", Points: 0,
            Step: Step(13, StudioArea.Examples, "Write labeling guidelines: what a good answer is, with examples of bad ones.")),
        new("data.consistency_measured", Data, Q.Consistency, f => f.Is(Q.Consistency, "measured"),
            "Agreement between labelers is measured.", Points: 10),
        new("data.consistency_spot", Data, Q.Consistency, f => f.Is(Q.Consistency, "spot_checked"),
            "Labels are spot-checked, agreement is not measured.", Points: 5,
            Step: Step(14, StudioArea.Quality, "Have two labelers annotate the same sample and measure their agreement.")),
        new("data.consistency_none", Data, Q.Consistency, f => f.Is(Q.Consistency, "no"),
            "Nobody has checked that labelers agree.", Points: 0,
            Step: Step(14, StudioArea.Quality, "Have two labelers annotate the same sample and measure their agreement.")),
        new("data.agreement_weak", Data, Q.Consistency, f => f.Evidence.AgreementKappa < WeakAgreementKappa,
            "Measured labeler agreement is below 0.6 kappa: the labels disagree too often to teach one behaviour.", Points: -15,
            Step: Step(15, StudioArea.Quality, "Resolve the disagreements and sharpen the guidelines where labelers differ.")),
        new("data.duplicates_high", Data, Q.HighQualityExamples, f => f.Evidence.DuplicateShare > HighDuplicateShare,
            "More than 10% of the examples are duplicates, so the real count is lower than it looks.", Points: -10,
            Step: Step(16, StudioArea.Quality, "Remove duplicate examples.")),
        new("data.conflicts_high", Data, Q.Consistency, f => f.Evidence.ConflictShare > HighConflictShare,
            "More than 5% of the examples give different answers to the same input.", Points: -15,
            Step: Step(16, StudioArea.Quality, "Resolve conflicting examples so each input has one intended answer.")),
        new("data.edge_cases_covered", Data, Q.EdgeCases, f => f.Is(Q.EdgeCases, "covered"),
            "Edge cases and requests to refuse are deliberately covered.", Points: 15),
        new("data.edge_cases_some", Data, Q.EdgeCases, f => f.Is(Q.EdgeCases, "some"),
            "Some edge cases are covered, by chance.", Points: 7,
            Step: Step(17, StudioArea.Examples, "Add examples for edge cases and for requests the model should refuse.")),
        new("data.edge_cases_none", Data, Q.EdgeCases, f => f.Is(Q.EdgeCases, "none"),
            "No edge cases or refusals are covered; the model will guess exactly where errors cost most.", Points: 0,
            Step: Step(17, StudioArea.Examples, "Add examples for edge cases and for requests the model should refuse.")),
        new("data.first_version", Data, Q.HighQualityExamples, f => f.Evidence.DatasetVersions is 0 && f.HighQualityExamples >= PilotExamples,
            "Enough approved examples exist, but no dataset version has been cut yet.", Points: 0,
            Step: Step(50, StudioArea.Versions, "Cut a first dataset version so training and evaluation use a fixed snapshot.")),

        // Evaluation.
        new("eval.set_ready", Evaluation, Q.EvalSet, f => f.HasEvalSet,
            "A held-out evaluation set with known answers exists.", Points: 40),
        new("eval.set_planned", Evaluation, Q.EvalSet, f => f.Is(Q.EvalSet, "planned"),
            "The evaluation set is planned but does not exist yet.", Points: 15,
            Step: Step(7, StudioArea.Evaluation, "Build the planned evaluation set before any training run.")),
        new("eval.set_size_ok", Evaluation, Q.EvalSetSize, f => f.HasEvalSet && f.Number(Q.EvalSetSize) >= 100,
            "The evaluation set has at least 100 items.", Points: 10),
        new("eval.set_size_small", Evaluation, Q.EvalSetSize, f => f.HasEvalSet && f.Number(Q.EvalSetSize) < 100,
            "The evaluation set has fewer than 100 items; small differences between models will look like noise.", Points: 0,
            Step: Step(8, StudioArea.Evaluation, "Grow the evaluation set to at least 100 items.")),
        new("eval.metrics_specific", Evaluation, Q.EvalMetrics, f => f.Is(Q.EvalMetrics, "task_specific"),
            "Task-specific metrics are chosen.", Points: 20),
        new("eval.metrics_generic", Evaluation, Q.EvalMetrics, f => f.Is(Q.EvalMetrics, "generic"),
            "Only generic scores are planned; they seldom show real progress on one task.", Points: 8,
            Step: Step(9, StudioArea.Evaluation, "Choose metrics that fit the task (accuracy per label, schema compliance, a rubric).")),
        new("eval.owner_named", Evaluation, Q.EvalOwner, f => f.Is(Q.EvalOwner, "named_person"),
            "A named person owns evaluation.", Points: 20),
        new("eval.owner_team", Evaluation, Q.EvalOwner, f => f.Is(Q.EvalOwner, "team"),
            "A team shares evaluation without a single owner.", Points: 10),
        new("eval.owner_nobody", Evaluation, Q.EvalOwner, f => f.Is(Q.EvalOwner, "nobody"),
            "Nobody owns evaluation.", Points: 0,
            Blocker: "Name someone who runs the evaluation for every candidate model and decides whether it ships."),
        new("eval.human_review_yes", Evaluation, Q.EvalHumanReview, f => f.Is(Q.EvalHumanReview, "yes"),
            "People will compare outputs side by side before release.", Points: 10),
        new("eval.human_review_planned", Evaluation, Q.EvalHumanReview, f => f.Is(Q.EvalHumanReview, "planned"),
            "Side-by-side human review is planned.", Points: 5),

        // Ownership and upkeep.
        new("owner.retraining_owned", Ownership, Q.RetrainingOwner, f => f.HasRetrainingOwner,
            "Someone owns retraining.", Points: 30),
        new("owner.retraining_unowned", Ownership, Q.RetrainingOwner, f => !f.HasRetrainingOwner,
            "Nobody owns retraining; the model will fall behind the business unnoticed.", Points: 0,
            Blocker: "Name who retrains the model when data or requirements change.",
            Step: Step(41, StudioArea.Admin, "Name an owner for retraining and monitoring in the project settings.")),
        new("owner.cadence_set", Ownership, Q.RetrainingCadence, f => f.IsAny(Q.RetrainingCadence, "monthly", "quarterly", "half_yearly", "yearly"),
            "A retraining cadence is planned.", Points: 15),
        new("owner.cadence_none", Ownership, Q.RetrainingCadence, f => f.Is(Q.RetrainingCadence, "none"),
            "No retraining is planned, so the model will age.", Points: 0,
            Step: Step(42, StudioArea.Readiness, "Choose a retraining cadence.")),
        new("owner.monitoring_in_place", Ownership, Q.Monitoring, f => f.Is(Q.Monitoring, "in_place"),
            "Production answers are monitored.", Points: 25),
        new("owner.monitoring_planned", Ownership, Q.Monitoring, f => f.Is(Q.Monitoring, "planned"),
            "Monitoring is planned.", Points: 12),
        new("owner.monitoring_none", Ownership, Q.Monitoring, f => !f.HasMonitoringOrPlan,
            "Nobody will monitor the model's answers in production.", Points: 0,
            Blocker: "Plan who monitors the model's answers in production.",
            Step: Step(41, StudioArea.Admin, "Name an owner for retraining and monitoring in the project settings.")),
        new("owner.budget_approved", Ownership, Q.Budget, f => f.Is(Q.Budget, "approved"),
            "Budget for data, training and upkeep is approved.", Points: 20),
        new("owner.budget_expected", Ownership, Q.Budget, f => f.Is(Q.Budget, "expected"),
            "Budget is expected but not approved.", Points: 10),
        new("owner.budget_none", Ownership, Q.Budget, f => f.Is(Q.Budget, "none"),
            "There is no budget; data preparation usually costs more than training.", Points: 0,
            Step: Step(43, StudioArea.Readiness, "Get a budget for data preparation, training and upkeep using the estimate below.")),
        new("owner.feedback_yes", Ownership, Q.FeedbackLoop, f => f.Is(Q.FeedbackLoop, "yes"),
            "Reviewed production answers flow back into the examples.", Points: 10),
        new("owner.feedback_planned", Ownership, Q.FeedbackLoop, f => f.Is(Q.FeedbackLoop, "planned"),
            "A production feedback loop is planned.", Points: 5),

        // Business case.
        new("business.volume_high", Business, Q.RequestsPerDay, f => f.Number(Q.RequestsPerDay) >= 1000,
            "At least 1,000 requests a day: small savings per request add up.", Points: 30),
        new("business.volume_medium", Business, Q.RequestsPerDay, f => f.Number(Q.RequestsPerDay) is >= 100 and < 1000,
            "Between 100 and 999 requests a day.", Points: 15),
        new("business.volume_low", Business, Q.RequestsPerDay, f => f.Number(Q.RequestsPerDay) < 100,
            "Fewer than 100 requests a day: savings per request will hardly repay training.", Points: 0),
        new("business.latency_realtime", Business, Q.Latency, f => f.Is(Q.Latency, "realtime"),
            "Answers are needed within a second; a smaller trained model with a short prompt helps.", Points: 15),
        new("business.latency_interactive", Business, Q.Latency, f => f.Is(Q.Latency, "interactive"),
            "Answers are needed within a few seconds.", Points: 10),
        new("business.latency_batch", Business, Q.Latency, f => f.Is(Q.Latency, "batch"),
            "Batch work: speed matters little.", Points: 5),
        new("business.prompt_savings_large", Business, Q.PromptTokensAfter, f => f.Number(Q.PromptTokensNow) - f.Number(Q.PromptTokensAfter) >= 500,
            "Training would remove at least 500 input tokens from every request.", Points: 20),
        new("business.prompt_savings_some", Business, Q.PromptTokensAfter, f => f.Number(Q.PromptTokensNow) - f.Number(Q.PromptTokensAfter) is > 0 and < 500,
            "Training would shorten every request somewhat.", Points: 10),
        new("business.impact_measured", Business, Q.Impact, f => f.Is(Q.Impact, "measured_kpi"),
            "Better answers move an existing business measure.", Points: 25),
        new("business.impact_estimated", Business, Q.Impact, f => f.Is(Q.Impact, "estimated"),
            "The business impact is estimated.", Points: 12),
        new("business.impact_unknown", Business, Q.Impact, f => f.Is(Q.Impact, "unknown"),
            "The business impact cannot be measured, which makes upkeep hard to defend.", Points: 0,
            Step: Step(44, StudioArea.Readiness, "Tie the task to a measure the business already tracks.")),
        new("business.target_chosen", Business, Q.TrainingTarget, f => f.IsAnswered(Q.TrainingTarget),
            "A training platform is chosen, so costs and limits are known.", Points: 10),
        new("business.target_missing", Business, Q.TrainingTarget, f => !f.IsAnswered(Q.TrainingTarget),
            "No training platform is chosen yet.", Points: 0,
            Step: Step(45, StudioArea.Admin, "Pick a training target (platform, price, limits) so cost estimates are real.")),

        // Requirement stability.
        new("stability.requirements_rare", Stability, Q.RequirementChanges, f => f.Is(Q.RequirementChanges, "rarely"),
            "Requirements rarely change.", Points: 40),
        new("stability.requirements_quarterly", Stability, Q.RequirementChanges, f => f.Is(Q.RequirementChanges, "quarterly"),
            "Requirements change a few times a year.", Points: 30),
        new("stability.requirements_monthly", Stability, Q.RequirementChanges, f => f.Is(Q.RequirementChanges, "monthly"),
            "Requirements change about monthly; expect frequent relabeling.", Points: 10),
        new("stability.format_fixed", Stability, Q.OutputFormatStability, f => f.Is(Q.OutputFormatStability, "fixed"),
            "The output format is settled.", Points: 30),
        new("stability.format_mostly", Stability, Q.OutputFormatStability, f => f.Is(Q.OutputFormatStability, "mostly"),
            "The output format is mostly settled.", Points: 15),
        new("stability.domain_rare", Stability, Q.DomainRuleChanges, f => f.Is(Q.DomainRuleChanges, "rarely"),
            "Domain rules and terms rarely change.", Points: 30),
        new("stability.domain_sometimes", Stability, Q.DomainRuleChanges, f => f.Is(Q.DomainRuleChanges, "sometimes"),
            "Domain rules and terms change a few times a year.", Points: 15),
        new("stability.domain_often", Stability, Q.DomainRuleChanges, f => f.Is(Q.DomainRuleChanges, "often"),
            "Domain rules and terms change often; keep them in the prompt or in retrieval rather than in the weights.", Points: 0,
            Step: Step(46, StudioArea.Readiness, "Move fast-changing rules and terms into the prompt or retrieval.")),
    ];
}
