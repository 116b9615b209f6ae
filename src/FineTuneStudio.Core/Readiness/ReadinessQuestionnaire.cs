namespace FineTuneStudio.Core.Readiness;

/// <summary>Question ids, so rules, estimates and tests cannot drift from the catalog by a typo.</summary>
public static class ReadinessQuestionIds
{
    public const string TaskNature = "task.nature";
    public const string TaskScope = "task.scope";
    public const string TaskOutputCheck = "task.output_check";

    public const string Prompting = "simpler.prompting";
    public const string Rag = "simpler.rag";
    public const string Baseline = "simpler.baseline";
    public const string BaselineGap = "simpler.baseline_gap";
    public const string FailureCases = "simpler.failure_cases";
    public const string EvidenceLinks = "simpler.evidence_links";

    public const string HighQualityExamples = "data.high_quality_examples";
    public const string ExampleSource = "data.example_source";
    public const string WhoLabels = "data.who_labels";
    public const string LabelerCount = "data.labeler_count";
    public const string Guidelines = "data.guidelines";
    public const string Consistency = "data.consistency_checked";
    public const string EdgeCases = "data.edge_cases";
    public const string LabelerHoursPerWeek = "data.labeler_hours_per_week";
    public const string MinutesPerExample = "data.minutes_per_example";

    public const string EvalSet = "eval.held_out_set";
    public const string EvalSetSize = "eval.set_size";
    public const string EvalMetrics = "eval.metrics";
    public const string EvalOwner = "eval.owner";
    public const string EvalHumanReview = "eval.human_review";

    public const string RetrainingOwner = "owner.retraining_owner";
    public const string RetrainingCadence = "owner.retraining_cadence";
    public const string Monitoring = "owner.monitoring";
    public const string Budget = "owner.budget";
    public const string FeedbackLoop = "owner.feedback_loop";

    public const string RequestsPerDay = "business.requests_per_day";
    public const string Latency = "business.latency";
    public const string PromptTokensNow = "business.prompt_tokens_now";
    public const string PromptTokensAfter = "business.prompt_tokens_after";
    public const string Impact = "business.impact";
    public const string TrainingTarget = "business.training_target";

    public const string RequirementChanges = "stability.requirement_changes";
    public const string OutputFormatStability = "stability.output_format";
    public const string DomainRuleChanges = "stability.domain_rules";
}

/// <summary>
/// The readiness questionnaire as data. The wizard renders it, the validator checks answers
/// against it and the rules in <see cref="ReadinessRules"/> read answers by these ids.
/// </summary>
public static class ReadinessQuestionnaire
{
    private static ReadinessQuestion Single(string id, ReadinessDimension dimension, string text, string help, params (string Id, string Text)[] options) =>
        new(id, dimension, text, help, ReadinessAnswerType.SingleChoice, [.. options.Select(o => new ReadinessOption(o.Id, o.Text))]);

    private static ReadinessQuestion Multiple(string id, ReadinessDimension dimension, string text, string help, params (string Id, string Text)[] options) =>
        new(id, dimension, text, help, ReadinessAnswerType.MultipleChoice, [.. options.Select(o => new ReadinessOption(o.Id, o.Text))]);

    private static ReadinessQuestion Number(string id, ReadinessDimension dimension, string text, string help, double min, double max, string unit) =>
        new(id, dimension, text, help, ReadinessAnswerType.Number, [], min, max, unit);

    private static ReadinessQuestion Text(string id, ReadinessDimension dimension, string text, string help) =>
        new(id, dimension, text, help, ReadinessAnswerType.FreeText, []);

    private const ReadinessDimension TaskFit = ReadinessDimension.TaskFit;
    private const ReadinessDimension Simpler = ReadinessDimension.SimplerApproaches;
    private const ReadinessDimension Data = ReadinessDimension.Data;
    private const ReadinessDimension Evaluation = ReadinessDimension.Evaluation;
    private const ReadinessDimension Ownership = ReadinessDimension.Ownership;
    private const ReadinessDimension Business = ReadinessDimension.BusinessCase;
    private const ReadinessDimension Stability = ReadinessDimension.RequirementStability;

    public static IReadOnlyList<ReadinessQuestion> Questions { get; } =
    [
        Multiple(ReadinessQuestionIds.TaskNature, TaskFit,
            "What does the model have to get right? Pick all that apply.",
            "Training changes how a model behaves: its format, tone and vocabulary. It does not reliably teach it new or changing facts; looking them up at answer time (retrieval) does that better.",
            ("output_format", "A strict output format (a JSON shape, a template, a fixed set of labels)"),
            ("style_voice", "A particular style, tone or voice"),
            ("terminology", "Our domain's terminology and conventions"),
            ("narrow_high_volume", "One narrow task repeated at high volume"),
            ("fresh_facts", "Facts that are new or change often (prices, policies, stock)"),
            ("citations", "Answers that must cite their sources"),
            ("private_documents", "Knowledge that lives in our own documents"),
            ("general", "General work: summaries, translation, open questions"),
            ("one_off", "A one-off or rarely repeated job")),
        Single(ReadinessQuestionIds.TaskScope, TaskFit,
            "How tightly is the task defined?",
            "A narrow task with a clear definition of a good answer is where a trained model gains most; an open-ended assistant gains little and may lose general skills.",
            ("narrow", "One narrow task with a clear definition of a good answer"),
            ("few_related", "A few closely related tasks"),
            ("open_ended", "Open-ended: many kinds of request")),
        Single(ReadinessQuestionIds.TaskOutputCheck, TaskFit,
            "How can someone tell whether an answer is right?",
            "If correctness can be checked, improvement can be measured. Purely subjective output needs human review for every comparison.",
            ("exact", "Checked exactly: a label, a value or a schema"),
            ("rubric", "Judged against a written rubric"),
            ("subjective", "A matter of taste")),

        Single(ReadinessQuestionIds.Prompting, Simpler,
            "How far have you taken prompting?",
            "A careful system prompt with a handful of worked examples often closes most of the gap at a fraction of the cost. Training is worth it only where that stops improving.",
            ("system_and_few_shot", "A tuned system prompt plus worked examples (few-shot)"),
            ("system_prompt_only", "A system prompt, without worked examples"),
            ("not_tried", "Not seriously tried yet")),
        Single(ReadinessQuestionIds.Rag, Simpler,
            "Have you tried giving the model the relevant documents at answer time (retrieval)?",
            "When answers depend on knowledge that changes or must be quoted, retrieval keeps the model current without retraining.",
            ("in_use", "Yes, and it is in use"),
            ("tried_not_enough", "Yes, but it did not solve the problem"),
            ("not_tried", "No"),
            ("not_relevant", "Not relevant: the task needs no outside knowledge")),
        Single(ReadinessQuestionIds.Baseline, Simpler,
            "Have you measured how well the current approach does on your own test cases?",
            "Without a measured starting point nobody can say whether a trained model is better, or by how much.",
            ("measured", "Yes, we have a measured score"),
            ("anecdotal", "Only impressions from trying it"),
            ("none", "No")),
        Single(ReadinessQuestionIds.BaselineGap, Simpler,
            "How far is the best prompted result from what you need?",
            "A large, stable gap on a narrow task is what training can close. A small gap is usually cheaper to close with better prompts.",
            ("large", "Far: it fails often on things that matter"),
            ("moderate", "Somewhat: it is close but not reliable"),
            ("small", "Close: it is nearly good enough"),
            ("unknown", "We do not know")),
        Single(ReadinessQuestionIds.FailureCases, Simpler,
            "Have you written down where the current approach fails?",
            "Documented failures show what the training data has to teach and become test cases for the trained model.",
            ("documented", "Yes, with concrete examples"),
            ("informal", "We know roughly, nothing written"),
            ("none", "No")),
        Text(ReadinessQuestionIds.EvidenceLinks, Simpler,
            "Links to evidence: prompt experiments, baseline reports, failure lists.",
            "Links let reviewers check the answers above. One per line."),

        Number(ReadinessQuestionIds.HighQualityExamples, Data,
            "How many high-quality labeled examples do you have today?",
            "Count only examples a domain expert would sign off as the ideal answer. A few hundred careful examples beat thousands of unchecked ones.",
            0, 10_000_000, "examples"),
        Single(ReadinessQuestionIds.ExampleSource, Data,
            "Where do most examples come from?",
            "Answers written or corrected by experts teach the intended behaviour; raw exports teach whatever happened to be in them.",
            ("expert_written", "Written or corrected by domain experts"),
            ("production_reviewed", "Production logs reviewed by people"),
            ("synthetic_reviewed", "Generated by a model, then reviewed by people"),
            ("unreviewed", "Exports or logs nobody has reviewed")),
        Single(ReadinessQuestionIds.WhoLabels, Data,
            "Who labels and corrects examples?",
            "The model copies its teachers. Labels from people who know the domain are worth far more than many labels from people who do not.",
            ("domain_experts", "Domain experts"),
            ("trained_staff", "Staff trained with our guidelines"),
            ("outsourced", "An outside labeling service"),
            ("nobody_yet", "Nobody yet")),
        Number(ReadinessQuestionIds.LabelerCount, Data,
            "How many people label examples?",
            "Two or more labelers on the same examples make agreement measurable; one person's habits are otherwise invisible.",
            0, 10_000, "people"),
        Single(ReadinessQuestionIds.Guidelines, Data,
            "Are there written labeling guidelines?",
            "Guidelines make labels consistent between people and over time. Inconsistent labels teach inconsistent behaviour.",
            ("written", "Yes, written and in use"),
            ("draft", "A draft"),
            ("none", "No")),
        Single(ReadinessQuestionIds.Consistency, Data,
            "Have you checked that labelers agree with each other?",
            "Agreement between labelers is the ceiling for what a model trained on their labels can reach.",
            ("measured", "Yes, agreement is measured"),
            ("spot_checked", "Spot checks only"),
            ("no", "No")),
        Single(ReadinessQuestionIds.EdgeCases, Data,
            "Do the examples cover edge cases and requests the model should refuse or handle differently?",
            "A model only learns the situations it is shown. Without unusual and negative cases it guesses exactly where mistakes cost most.",
            ("covered", "Yes, deliberately collected"),
            ("some", "Some, by chance"),
            ("none", "No")),
        Number(ReadinessQuestionIds.LabelerHoursPerWeek, Data,
            "How many labeler hours per week can the team give to examples, in total?",
            "Used to estimate how long preparing the remaining examples will take.",
            0, 10_000, "hours per week"),
        Number(ReadinessQuestionIds.MinutesPerExample, Data,
            "Roughly how many minutes does one good example take to write or check?",
            "Used for the preparation estimate until the studio has measured your team's real pace.",
            0, 600, "minutes"),

        Single(ReadinessQuestionIds.EvalSet, Evaluation,
            "Is there a held-out evaluation set with known correct answers?",
            "Real cases with agreed answers, never used for training, are the only way to show that a trained model is better and to notice when a later one is worse.",
            ("ready", "Yes, it exists"),
            ("planned", "Planned, with an owner and a date"),
            ("none", "No")),
        Number(ReadinessQuestionIds.EvalSetSize, Evaluation,
            "How many items does the evaluation set have?",
            "Too few items make any difference between two models look like noise.",
            0, 1_000_000, "items"),
        Single(ReadinessQuestionIds.EvalMetrics, Evaluation,
            "How will a better answer be scored?",
            "Metrics that fit the task (accuracy per label, schema compliance, a rubric) reveal real progress; a generic similarity score seldom does.",
            ("task_specific", "Task-specific metrics"),
            ("generic", "Generic scores only"),
            ("none", "Not decided")),
        Single(ReadinessQuestionIds.EvalOwner, Evaluation,
            "Who owns evaluation?",
            "Someone has to run the evaluation for every candidate and decide whether it ships.",
            ("named_person", "A named person"),
            ("team", "A team, no single owner"),
            ("nobody", "Nobody yet")),
        Single(ReadinessQuestionIds.EvalHumanReview, Evaluation,
            "Will people review outputs side by side before a model ships?",
            "Automatic metrics miss tone, usefulness and subtle errors; a blind comparison by people catches them.",
            ("yes", "Yes"),
            ("planned", "Planned"),
            ("no", "No")),

        Single(ReadinessQuestionIds.RetrainingOwner, Ownership,
            "Who will retrain the model when data or requirements change?",
            "A trained model is a snapshot. Without an owner it quietly falls behind the business.",
            ("named_person", "A named person or team"),
            ("vendor", "A vendor, under contract"),
            ("nobody", "Nobody yet")),
        Single(ReadinessQuestionIds.RetrainingCadence, Ownership,
            "How often do you expect to retrain?",
            "Every retraining costs training time and review. The cadence also sets when the studio reminds you.",
            ("none", "Not planned"),
            ("monthly", "Monthly"),
            ("quarterly", "Quarterly"),
            ("half_yearly", "Every six months"),
            ("yearly", "Yearly")),
        Single(ReadinessQuestionIds.Monitoring, Ownership,
            "Will the model's answers be monitored in production?",
            "Inputs drift over time. Monitoring shows when the model needs new examples before users notice.",
            ("in_place", "Yes, monitoring is in place"),
            ("planned", "Planned"),
            ("none", "No")),
        Single(ReadinessQuestionIds.Budget, Ownership,
            "Is there a budget for data preparation, training and upkeep?",
            "Preparing data usually costs far more than the training run. Without budget the work stops halfway.",
            ("approved", "Approved"),
            ("expected", "Expected, not yet approved"),
            ("none", "No")),
        Single(ReadinessQuestionIds.FeedbackLoop, Ownership,
            "Will good and bad production answers flow back into the examples?",
            "A steady supply of reviewed production cases keeps the dataset current at low cost.",
            ("yes", "Yes"),
            ("planned", "Planned"),
            ("no", "No")),

        Number(ReadinessQuestionIds.RequestsPerDay, Business,
            "How many requests per day will the model serve?",
            "Training pays back through volume: shorter prompts or a smaller model save a little on every request.",
            0, 1_000_000_000, "requests per day"),
        Single(ReadinessQuestionIds.Latency, Business,
            "How fast must an answer arrive?",
            "A smaller trained model with a short prompt answers faster than a large model with long instructions.",
            ("realtime", "Under a second"),
            ("interactive", "A few seconds"),
            ("batch", "Minutes or more (batch work)")),
        Number(ReadinessQuestionIds.PromptTokensNow, Business,
            "How many input tokens does a request use today (instructions, examples, retrieved text)?",
            "Long instructions and worked examples are paid on every request; training can move them into the model.",
            0, 2_000_000, "tokens per request"),
        Number(ReadinessQuestionIds.PromptTokensAfter, Business,
            "How many input tokens would a request use after training?",
            "The difference to today's prompt is the saving per request used in the break-even estimate.",
            0, 2_000_000, "tokens per request"),
        Single(ReadinessQuestionIds.Impact, Business,
            "Can you measure the business impact of better answers?",
            "An improvement that cannot be tied to a measure (time saved, errors avoided, conversion) is hard to defend when upkeep costs arrive.",
            ("measured_kpi", "Yes, against an existing measure"),
            ("estimated", "We have an estimate"),
            ("unknown", "No")),
        Text(ReadinessQuestionIds.TrainingTarget, Business,
            "Which training platform or model do you have in mind? Use a target key from Admin if there is one.",
            "The target sets the price per training token, the minimum number of examples and the token limit per example."),

        Single(ReadinessQuestionIds.RequirementChanges, Stability,
            "How often do the requirements for a good answer change?",
            "Each change to what counts as correct means relabeling and retraining. Requirements that move weekly are cheaper to keep in a prompt.",
            ("weekly", "Weekly or more often"),
            ("monthly", "About monthly"),
            ("quarterly", "A few times a year"),
            ("rarely", "Rarely: a year or more")),
        Single(ReadinessQuestionIds.OutputFormatStability, Stability,
            "Is the output format settled?",
            "Training fixes a format into the model. If it is still being designed, every change invalidates examples.",
            ("fixed", "Yes, settled"),
            ("mostly", "Mostly, small changes expected"),
            ("changing", "No, still changing")),
        Single(ReadinessQuestionIds.DomainRuleChanges, Stability,
            "How often do the domain rules, products or terms the model must know change?",
            "Knowledge that changes often belongs in retrieval or the prompt, where an update takes minutes instead of a retraining.",
            ("often", "Often (monthly or faster)"),
            ("sometimes", "Sometimes (a few times a year)"),
            ("rarely", "Rarely")),
    ];

    private static readonly Dictionary<string, ReadinessQuestion> ById = Questions.ToDictionary(q => q.Id, StringComparer.Ordinal);

    public static ReadinessQuestion? Find(string questionId) => ById.GetValueOrDefault(questionId);

    public static ReadinessQuestion Get(string questionId) =>
        Find(questionId) ?? throw new InvalidOperationException($"There is no readiness question '{questionId}'.");
}
