namespace FineTuneStudio.Core.Domain;

/// <summary>
/// One training example and its review state: Draft → Submitted → Approved / Rejected (with a reason). Every
/// change is a method here, so the rules hold whoever writes: each renews <see cref="Version"/> and
/// <see cref="UpdatedAt"/>, and a change of content or label recomputes <see cref="ContentHash"/>. The methods
/// check states, not callers or input: services validate what people send and decide who may do what.
/// </summary>
public class Example
{
    /// <summary>The longest rejection reason the column holds.</summary>
    public const int MaxRejectionReasonLength = 1000;

    public int Id { get; set; }
    public int DatasetId { get; set; }
    public Dataset? Dataset { get; set; }

    /// <summary>Ordered conversation turns; <see cref="ExampleMessage.Position"/> keeps the order.</summary>
    public List<ExampleMessage> Messages { get; set; } = [];

    /// <summary>Tool (function) definitions offered to the model in this conversation, as a JSON array.</summary>
    public string? ToolsJson { get; set; }

    /// <summary>Preferred completion of a preference pair.</summary>
    public string? PreferredCompletion { get; set; }
    /// <summary>Rejected completion of a preference pair.</summary>
    public string? RejectedCompletion { get; set; }

    public string? Label { get; set; }
    public int? Rating { get; set; }
    public string? CorrectedOutput { get; set; }
    public List<string> Tags { get; set; } = [];
    public string Notes { get; set; } = "";

    public ExampleSource Source { get; set; }
    public ExampleStatus Status { get; set; }
    public string? RejectionReason { get; set; }
    public SplitPin Split { get; set; }

    /// <summary>Who approved, rejected or adjudicated the example last, and when.</summary>
    public string? ReviewedById { get; set; }
    public DateTime? ReviewedAt { get; set; }

    /// <summary>SHA-256 (hex) of the normalised content, for duplicate detection and import dedupe.</summary>
    public string ContentHash { get; set; } = "";
    /// <summary>Lower-cased text of every message, for search without loading messages.</summary>
    public string SearchText { get; set; } = "";

    public string? CreatedById { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>App-set optimistic concurrency token: changes on every save.</summary>
    public Guid Version { get; set; }

    public List<Annotation> Annotations { get; set; } = [];

    /// <summary>
    /// A new example with its content, hash, search text, timestamps and first token set. Plain construction, no
    /// database: import builds one per record and writes it with batched inserts. A rejected example starts
    /// from <see cref="Reject"/>, which takes the reason.
    /// </summary>
    /// <param name="contentHash">When the caller computed <see cref="ExampleContent.ComputeHash"/> already (import checks it for duplicates first).</param>
    public static Example Create(int datasetId, ExampleSource source, ExampleStatus status, ExampleContent content, string? createdById,
        DateTime now, string notes = "", string? contentHash = null)
    {
        if (status == ExampleStatus.Rejected)
        {
            throw new InvalidOperationException("An example is rejected with a reason (Reject), not created rejected.");
        }

        var example = new Example
        {
            DatasetId = datasetId,
            Source = source,
            Status = status,
            Split = SplitPin.Auto,
            Notes = notes,
            CreatedById = createdById,
            CreatedAt = now,
        };
        content.ApplyTo(example, contentHash ?? content.ComputeHash());
        example.Touch(now);
        return example;
    }

    /// <summary>Labelers annotate open examples only; a decided one takes no more annotations.</summary>
    public bool TakesAnnotations => Status is ExampleStatus.Draft or ExampleStatus.Submitted;

    /// <summary>
    /// A person's edit of the example page: content and the fields beside it. Editing a rejected example reopens
    /// it as a draft; the reason stays, so its author sees what to fix.
    /// </summary>
    public void Edit(ExampleContent content, int? rating, string? correctedOutput, string notes, SplitPin split, DateTime now)
    {
        content.ApplyTo(this);
        Rating = rating;
        CorrectedOutput = string.IsNullOrWhiteSpace(correctedOutput) ? null : correctedOutput;
        Notes = notes;
        Split = split;
        if (Status == ExampleStatus.Rejected)
        {
            Status = ExampleStatus.Draft;
        }

        Touch(now);
    }

    /// <summary>A fix of the content alone (e.g. the canonical system prompt applied); the status stays. Needs <see cref="Messages"/> loaded.</summary>
    public void ReplaceContent(ExampleContent content, DateTime now)
    {
        content.ApplyTo(this);
        Touch(now);
    }

    /// <summary>Sent for review (by its author, or back to review by quality analysis), from any state; a rejection reason is dropped.</summary>
    public void Submit(DateTime now)
    {
        Status = ExampleStatus.Submitted;
        RejectionReason = null;
        Touch(now);
    }

    public void Approve(string? reviewerId, DateTime now)
    {
        Status = ExampleStatus.Approved;
        RejectionReason = null;
        Reviewed(reviewerId, now);
    }

    /// <summary>Rejected, saying why: a rejection without a reason teaches its author nothing.</summary>
    public void Reject(string reason, string? reviewerId, DateTime now)
    {
        if (string.IsNullOrWhiteSpace(reason) || reason.Length > MaxRejectionReasonLength)
        {
            throw new InvalidOperationException($"A rejection needs a reason of 1 to {MaxRejectionReasonLength} characters.");
        }

        Status = ExampleStatus.Rejected;
        RejectionReason = reason;
        Reviewed(reviewerId, now);
    }

    /// <summary>
    /// A reviewer settles disagreeing annotations: the final label (null clears it), a rating and a corrected
    /// output when given, and the example is approved. Needs <see cref="Messages"/> loaded (the label is hashed).
    /// </summary>
    public void Adjudicate(string? label, int? rating, string? correctedOutput, string? reviewerId, DateTime now)
    {
        Rating = rating ?? Rating;
        if (!string.IsNullOrWhiteSpace(correctedOutput))
        {
            CorrectedOutput = correctedOutput;
        }

        SetLabel(label, now);
        Approve(reviewerId, now);
    }

    /// <summary>
    /// The label is part of the content hash, which duplicate and leakage checks compare, so the hash is
    /// recomputed. Needs <see cref="Messages"/> loaded.
    /// </summary>
    public void SetLabel(string? label, DateTime now)
    {
        Label = label;
        ContentHash = ExampleContent.FromEntity(this).ComputeHash();
        Touch(now);
    }

    /// <summary>
    /// A labeler submitted an annotation. The token renews even when nothing else changes, so two labelers
    /// submitting the last annotations at once cannot both decide the example from a stale count.
    /// </summary>
    public void AnnotationSubmitted(DateTime now)
    {
        RequireOpen();
        Touch(now);
    }

    /// <summary>
    /// The required annotations are in: the example waits for review. When they agree on a label other than the
    /// stored one it becomes the example's label (<paramref name="agreedLabel"/> null: no consensus, the label stays);
    /// <see cref="Messages"/> must then be loaded.
    /// </summary>
    public void AnnotationsComplete(string? agreedLabel, DateTime now)
    {
        RequireOpen();
        Status = ExampleStatus.Submitted;
        if (agreedLabel is not null && agreedLabel != Label)
        {
            SetLabel(agreedLabel, now);
        }

        Touch(now);
    }

    public void AddTag(string tag, DateTime now)
    {
        if (!Tags.Contains(tag, StringComparer.OrdinalIgnoreCase))
        {
            Tags = [.. Tags, tag];
        }

        Touch(now);
    }

    public void RemoveTag(string tag, DateTime now)
    {
        Tags = Tags.Where(t => !string.Equals(t, tag, StringComparison.OrdinalIgnoreCase)).ToList();
        Touch(now);
    }

    /// <summary>Pins the example to a split (Auto: the version cut decides).</summary>
    public void PinSplit(SplitPin split, DateTime now)
    {
        Split = split;
        Touch(now);
    }

    private void Reviewed(string? reviewerId, DateTime now)
    {
        ReviewedById = reviewerId;
        ReviewedAt = now;
        Touch(now);
    }

    private void RequireOpen()
    {
        if (!TakesAnnotations)
        {
            throw new InvalidOperationException($"Example {Id} is {Status.ToString().ToLowerInvariant()}; it takes no more annotations.");
        }
    }

    /// <summary>
    /// Every change renews the concurrency token: a save based on a copy loaded before it then affects no row and
    /// fails (the database context renews it again on save, for writes that bypass these methods).
    /// </summary>
    private void Touch(DateTime now)
    {
        UpdatedAt = now;
        Version = Guid.NewGuid();
    }
}

public class ExampleMessage
{
    public int Id { get; set; }
    public int ExampleId { get; set; }
    public int Position { get; set; }
    public MessageRole Role { get; set; }
    /// <summary>Optional when an assistant turn carries tool calls.</summary>
    public string? Content { get; set; }
    public string? Name { get; set; }
    /// <summary>Assistant tool calls as a JSON array in OpenAI's shape.</summary>
    public string? ToolCallsJson { get; set; }
    /// <summary>For role tool: the id of the call this message answers.</summary>
    public string? ToolCallId { get; set; }
    /// <summary>Training weight of an assistant turn: 1 trains on it, 0 masks it, null means default (1).</summary>
    public int? Weight { get; set; }
}
