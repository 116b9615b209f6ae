namespace FineTuneStudio.Core.Domain;

/// <summary>Held-out items with known answers. Items of an eval set never enter a training export.</summary>
public class EvalSet
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public Project? Project { get; set; }
    public required string Name { get; set; }
    public string Description { get; set; } = "";
    /// <summary>Metric keys chosen for this set, e.g. exact, normalised, json-valid.</summary>
    public List<string> Metrics { get; set; } = [];
    public DateTime CreatedAt { get; set; }
    public List<EvalItem> Items { get; set; } = [];
    public List<EvalRun> Runs { get; set; } = [];
}

public class EvalItem
{
    public int Id { get; set; }
    public int EvalSetId { get; set; }
    /// <summary>The id used in imported output files.</summary>
    public required string ExternalId { get; set; }
    /// <summary>Input messages as a JSON array of {role, content}.</summary>
    public string InputJson { get; set; } = "[]";
    public string Expected { get; set; } = "";
    /// <summary>
    /// Further answers that count as right besides <see cref="Expected"/> (OpenAI Evals' <c>ideal</c> lists several):
    /// exact, normalised, contains and regex pass on any of them; length ratio and judges read <see cref="Expected"/> first.
    /// </summary>
    public List<string> AlsoAccepted { get; set; } = [];
    public string? Label { get; set; }
    public string? SchemaJson { get; set; }
    public int? SourceExampleId { get; set; }
    /// <summary>SHA-256 of the input as example content (<c>ExampleContent.ComputeHash</c>); cuts hold examples out by <c>HeldOutKey</c>.</summary>
    public string ContentHash { get; set; } = "";
}

public class EvalRun
{
    public int Id { get; set; }
    public int EvalSetId { get; set; }
    public EvalSet? EvalSet { get; set; }
    public required string Name { get; set; }
    public string Model { get; set; } = "";
    public string Provider { get; set; } = "";
    public string Endpoint { get; set; } = "";
    public string SystemPrompt { get; set; } = "";
    public string SettingsJson { get; set; } = "{}";
    public int? DatasetVersionId { get; set; }
    public bool IsBaseline { get; set; }
    public string Notes { get; set; } = "";
    public EvalRunStatus Status { get; set; }
    /// <summary>Why a run failed as a whole (single items record their own errors).</summary>
    public string? Error { get; set; }
    /// <summary>Aggregate metric values as JSON.</summary>
    public string SummaryJson { get; set; } = "{}";
    public DateTime CreatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public List<EvalResult> Results { get; set; } = [];
}

public class EvalResult
{
    public int Id { get; set; }
    public int EvalRunId { get; set; }
    public int EvalItemId { get; set; }
    public string? Output { get; set; }
    public bool Failed { get; set; }
    public string? Error { get; set; }
    public int? LatencyMs { get; set; }
    public int? PromptTokens { get; set; }
    public int? CompletionTokens { get; set; }
    /// <summary>Per-metric scores as JSON.</summary>
    public string ScoresJson { get; set; } = "{}";
}

/// <summary>A blind A/B review between two runs over the same eval set.</summary>
public class Comparison
{
    public int Id { get; set; }
    public int RunAId { get; set; }
    public int RunBId { get; set; }
    public string Name { get; set; } = "";
    /// <summary>Seed of the per-item left/right shuffle, so the order is stable for a reviewer.</summary>
    public int Seed { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>When the review closed: until then labelers judging see no model names, tallies or results.</summary>
    public DateTime? ClosedAt { get; set; }
    public List<Judgement> Judgements { get; set; } = [];
}

public class Judgement
{
    public int Id { get; set; }
    public int ComparisonId { get; set; }
    public int EvalItemId { get; set; }
    public required string ReviewerId { get; set; }
    /// <summary>Whether run A's output was shown on the left.</summary>
    public bool AWasLeft { get; set; }
    public JudgementChoice Choice { get; set; }
    public string Reason { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}

/// <summary>A provider's training results file, imported to chart loss curves.</summary>
public class TrainingMetrics
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public int? DatasetVersionId { get; set; }
    public required string Name { get; set; }
    /// <summary>The file it came from: results-csv, hf-trainer-state or llamafactory-log (empty for imports before formats were told apart).</summary>
    public string Format { get; set; } = "";
    public DateTime ImportedAt { get; set; }
    public List<TrainingMetricPoint> Points { get; set; } = [];
}

public class TrainingMetricPoint
{
    public int Id { get; set; }
    public int TrainingMetricsId { get; set; }
    public int Step { get; set; }
    public double? TrainLoss { get; set; }
    public double? TrainAccuracy { get; set; }
    public double? ValidLoss { get; set; }
    public double? ValidAccuracy { get; set; }
    /// <summary>The epoch at this step, as open trainers log it (fractional between epoch ends).</summary>
    public double? Epoch { get; set; }
    public double? LearningRate { get; set; }
}
