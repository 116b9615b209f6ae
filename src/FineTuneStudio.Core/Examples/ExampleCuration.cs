using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Examples;

/// <summary>
/// An example's label, split and tags decide what a model learns and where the example lands, so they are
/// the reviewers' fields. A labeler's label belongs in their own annotation. The author of a draft still
/// sets them while writing it, as they did when creating it.
/// </summary>
public static class ExampleCuration
{
    public const string RefusedMessage = "only reviewers (ML lead or admin) change this on an example; labelers give their label in their own annotation";

    public static bool MayCurate(ExampleCaller caller, ExampleStatus status, string? createdById) =>
        caller.CanReview || (status == ExampleStatus.Draft && createdById is not null && createdById == caller.Actor.UserId);

    /// <summary>One error per reviewer field the input would change; empty when it leaves them as stored.</summary>
    public static IReadOnlyList<InputError> Changes(ExampleInput valid, string? label, SplitPin split, IReadOnlyList<string> tags)
    {
        var errors = new List<InputError>();
        if (!string.Equals(valid.Label, label, StringComparison.Ordinal))
        {
            errors.Add(new InputError("label", RefusedMessage));
        }

        if (valid.Split != split)
        {
            errors.Add(new InputError("split", RefusedMessage));
        }

        if (!(valid.Tags ?? []).ToHashSet(StringComparer.Ordinal).SetEquals(tags))
        {
            errors.Add(new InputError("tags", RefusedMessage));
        }

        return errors;
    }
}
