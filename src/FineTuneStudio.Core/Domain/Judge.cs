using System.Text.Json.Serialization;

namespace FineTuneStudio.Core.Domain;

/// <summary>How a judge reads outputs: one against the other, each on a 1–5 scale, or each as pass or fail against the expected output.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<JudgeMode>))]
public enum JudgeMode { Pairwise, Score, PassFail }

/// <summary>An LLM judge of a project. What it asks lives in its versions; editing adds a version, so old runs keep the rubric they used.</summary>
public class Judge
{
    public int Id { get; set; }
    public int ProjectId { get; set; }
    public required string Name { get; set; }
    public DateTime CreatedAt { get; set; }
    public List<JudgeVersion> Versions { get; set; } = [];
}

/// <summary>One immutable setting of a judge: rubric, mode, endpoint, model and temperature.</summary>
public class JudgeVersion
{
    public int Id { get; set; }
    public int JudgeId { get; set; }
    public Judge? Judge { get; set; }
    /// <summary>1 for the first setting, one more for each edit.</summary>
    public int Number { get; set; }
    /// <summary>Markdown with the criteria, given to the model as its instructions.</summary>
    public string Rubric { get; set; } = "";
    public JudgeMode Mode { get; set; }
    /// <summary>The name of a configured endpoint (as generated runs store it); the address and key stay in configuration.</summary>
    public string Endpoint { get; set; } = "";
    public string Model { get; set; } = "";
    public float? Temperature { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}

/// <summary>One judge version over a comparison (two runs on one eval set) or over a single run.</summary>
public class JudgeRun
{
    public int Id { get; set; }
    public int JudgeVersionId { get; set; }
    public JudgeVersion? JudgeVersion { get; set; }
    public int? ComparisonId { get; set; }
    /// <summary>The run judged alone (score and pass/fail modes), when there is no comparison.</summary>
    public int? EvalRunId { get; set; }
    public EvalRunStatus Status { get; set; }
    public string? Error { get; set; }
    public string CreatedBy { get; set; } = "";
    public DateTime CreatedAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    public List<JudgeVerdict> Verdicts { get; set; } = [];
}

/// <summary>
/// A judge's reading of one eval item. Pairwise: asked twice, with run A's output first and then run B's;
/// <see cref="Choice"/> is the side both orders agree on, else a tie marked <see cref="PositionDependent"/>.
/// Score and pass/fail: each output is read alone (no order to swap), the scores give the choice.
/// </summary>
public class JudgeVerdict
{
    public int Id { get; set; }
    public int JudgeRunId { get; set; }
    public int EvalItemId { get; set; }
    /// <summary>The pick (as a run) when run A's output was shown first; score modes: unused.</summary>
    public JudgementChoice? AFirstChoice { get; set; }
    /// <summary>The pick (as a run) when run B's output was shown first.</summary>
    public JudgementChoice? BFirstChoice { get; set; }
    /// <summary>A, B or Tie: what the verdict counts as. Null when the item failed.</summary>
    public JudgementChoice? Choice { get; set; }
    public bool PositionDependent { get; set; }
    /// <summary>Score mode 1–5, pass/fail 1 or 0, for run A's output (or the single run's).</summary>
    public int? ScoreA { get; set; }
    public int? ScoreB { get; set; }
    /// <summary>The judge's reasoning for the A-first order (or for run A's output alone).</summary>
    public string ReasoningAFirst { get; set; } = "";
    /// <summary>The judge's reasoning for the B-first order (or for run B's output alone).</summary>
    public string ReasoningBFirst { get; set; } = "";
    public bool Failed { get; set; }
    public string? Error { get; set; }
    public int? PromptTokens { get; set; }
    public int? CompletionTokens { get; set; }
    public int? LatencyMs { get; set; }
}
