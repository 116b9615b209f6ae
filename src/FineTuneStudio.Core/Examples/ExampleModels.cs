using System.Text.Json.Serialization;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Examples;

/// <summary>Who is calling and whether they hold the Review policy (approve, reject, adjudicate, bulk, see every annotation).</summary>
public sealed record ExampleCaller(Actor Actor, bool CanReview)
{
    public string UserId => Actor.UserId ?? throw new StudioValidationException("user", "this action needs a signed-in user");

    internal void RequireReviewer()
    {
        if (!CanReview)
        {
            throw new StudioValidationException("role", "only reviewers (ML lead or admin) may approve, reject, adjudicate or bulk-edit examples");
        }
    }
}

[JsonConverter(typeof(JsonStringEnumConverter<ExampleSort>))]
public enum ExampleSort { Id, Updated, Status }

/// <summary>
/// Filters and paging of the example list. Page is zero-based. <see cref="HasFindings"/> keeps the
/// examples with a finding in the dataset's latest quality run; <see cref="Finding"/> narrows that to one type.
/// </summary>
public sealed record ExampleQuery(
    int DatasetId,
    ExampleStatus? Status = null,
    string? Label = null,
    string? Tag = null,
    string? LabelerId = null,
    SplitPin? Split = null,
    string? Search = null,
    bool NeedsAdjudication = false,
    ExampleSort Sort = ExampleSort.Id,
    bool Descending = false,
    int Page = 0,
    int PageSize = 50,
    IReadOnlyList<int>? Ids = null,
    bool HasFindings = false,
    FindingType? Finding = null)
{
    /// <summary>Reads "12,15,40" (a query-string value); anything that is not a positive id is ignored. Null when empty.</summary>
    public static IReadOnlyList<int>? ParseIds(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null
        : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => int.TryParse(t, out var id) ? id : 0).Where(id => id > 0).ToList();
}

public sealed record ExampleRow(
    int Id,
    ExampleStatus Status,
    string? Label,
    IReadOnlyList<string> Tags,
    SplitPin Split,
    string Preview,
    int AnnotationCount,
    int SubmittedAnnotations,
    DateTime UpdatedAt,
    Guid Version);

/// <summary>
/// A page of the example list. <see cref="TotalIsLowerBound"/> is true when a broad search was counted only up to
/// <see cref="ExampleList.SearchCountCap"/> matches: "more than Total match", and pages stop there.
/// </summary>
public sealed record ExamplePage(IReadOnlyList<ExampleRow> Items, int Total, int Page, int PageSize, bool TotalIsLowerBound = false);

public sealed record AnnotationView(
    int Id,
    string LabelerId,
    string LabelerName,
    string? Label,
    int? Rating,
    string? CorrectedOutput,
    string Comment,
    int SecondsSpent,
    bool Submitted,
    DateTime UpdatedAt,
    Guid Version,
    // The label suggested to the labeler when they first chose theirs (null: none was shown).
    string? SuggestedLabel = null,
    string? SuggestionSource = null);

/// <summary>One example as the editor shows it. Annotations holds only what the caller may see.</summary>
public sealed record ExampleDetail(
    int Id,
    int DatasetId,
    ExampleStatus Status,
    string? RejectionReason,
    IReadOnlyList<MessageContent> Messages,
    IReadOnlyList<int> MessageTokens,
    int TotalTokens,
    string? ToolsJson,
    string? Label,
    int? Rating,
    string? CorrectedOutput,
    IReadOnlyList<string> Tags,
    string Notes,
    string? PreferredCompletion,
    string? RejectedCompletion,
    SplitPin Split,
    ExampleSource Source,
    string? ReviewedById,
    DateTime? ReviewedAt,
    DateTime UpdatedAt,
    Guid Version,
    IReadOnlyList<AnnotationView> Annotations,
    /// <summary>The answer the label renders to, for a labelled example without an assistant turn; counted in <see cref="TotalTokens"/>.</summary>
    string? LearnedAnswer = null,
    /// <summary>Who wrote the example (null for imports); the author of a draft may still set its label, split and tags.</summary>
    string? CreatedById = null);

/// <summary>What a client sends to create or update an example. Version is the token it loaded (required on update).</summary>
public sealed record ExampleInput(
    IReadOnlyList<MessageContent> Messages,
    string? Label = null,
    int? Rating = null,
    string? CorrectedOutput = null,
    IReadOnlyList<string>? Tags = null,
    string? Notes = null,
    string? PreferredCompletion = null,
    string? RejectedCompletion = null,
    string? ToolsJson = null,
    SplitPin Split = SplitPin.Auto,
    bool Submit = false,
    Guid? Version = null)
{
    public static ExampleInput From(ExampleDetail e, bool submit = false) => new(
        e.Messages, e.Label, e.Rating, e.CorrectedOutput, e.Tags, e.Notes, e.PreferredCompletion, e.RejectedCompletion,
        e.ToolsJson, e.Split, submit, e.Version);
}

/// <summary>A labeler's own annotation. Submit locks it; before that it is a draft only its author sees.</summary>
public sealed record AnnotationInput(
    string? Label,
    int? Rating = null,
    string? CorrectedOutput = null,
    string? Comment = null,
    int SecondsSpent = 0,
    bool Submit = false);

[JsonConverter(typeof(JsonStringEnumConverter<ReviewAction>))]
public enum ReviewAction { Approve, Reject, Adjudicate }

/// <summary>A reviewer's decision on the copy with token <see cref="Version"/> (required). Adjudicate records the final label/output/rating and approves.</summary>
public sealed record ReviewInput(
    ReviewAction Action,
    string? Reason = null,
    string? Label = null,
    string? CorrectedOutput = null,
    int? Rating = null,
    Guid? Version = null);

[JsonConverter(typeof(JsonStringEnumConverter<BulkAction>))]
public enum BulkAction { Approve, Reject, AddTag, RemoveTag, PinSplit }

/// <summary>
/// One action on many examples. <see cref="Versions"/> maps each example id to the version the caller loaded:
/// required to approve or reject, checked whenever given.
/// </summary>
public sealed record BulkInput(
    IReadOnlyList<int> ExampleIds,
    BulkAction Action,
    string? Reason = null,
    string? Tag = null,
    SplitPin? Split = null,
    IReadOnlyDictionary<int, Guid>? Versions = null);

public sealed record BulkResult(int Changed);

/// <summary>The next piece of work for a labeler, and how many are left for them after it.</summary>
public sealed record QueueItem(ExampleDetail Example, int Remaining, IReadOnlyList<string> Labels, AnnotationView? Mine);

/// <summary>An example whose required annotations are in and disagree, with all of them side by side.</summary>
public sealed record Disagreement(ExampleDetail Example, IReadOnlyList<AnnotationView> Annotations);

/// <summary>
/// Thrown when a save is based on a stale copy. Carries the current stored version and what the caller
/// tried to save, so the caller can keep theirs, take the stored one or merge.
/// </summary>
public sealed class ExampleConflictException(ExampleDetail current, ExampleInput yours)
    : Exception($"Example {current.Id} was changed by someone else since it was opened.")
{
    public ExampleDetail Current { get; } = current;

    public ExampleInput Yours { get; } = yours;
}
