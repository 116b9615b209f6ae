namespace FineTuneStudio.Core.Examples;

/// <summary>
/// Three-way merge of two edits of one example, field by field: a field the user changed (from the copy
/// they opened) takes their value; every other field keeps the stored one. When both changed the same
/// field the user's value wins, and they review the result before saving.
/// </summary>
public static class ExampleMerger
{
    public static ExampleInput Merge(ExampleInput opened, ExampleInput mine, ExampleInput stored) => stored with
    {
        Messages = Pick(opened.Messages, mine.Messages, stored.Messages, (a, b) => a.SequenceEqual(b)),
        Label = Pick(opened.Label, mine.Label, stored.Label),
        Rating = Pick(opened.Rating, mine.Rating, stored.Rating),
        CorrectedOutput = Pick(opened.CorrectedOutput, mine.CorrectedOutput, stored.CorrectedOutput),
        Tags = Pick(opened.Tags ?? [], mine.Tags ?? [], stored.Tags ?? [], (a, b) => a.SequenceEqual(b)),
        Notes = Pick(opened.Notes, mine.Notes, stored.Notes),
        PreferredCompletion = Pick(opened.PreferredCompletion, mine.PreferredCompletion, stored.PreferredCompletion),
        RejectedCompletion = Pick(opened.RejectedCompletion, mine.RejectedCompletion, stored.RejectedCompletion),
        Split = Pick(opened.Split, mine.Split, stored.Split),
        Submit = false,
    };

    private static T Pick<T>(T opened, T mine, T stored) => EqualityComparer<T>.Default.Equals(opened, mine) ? stored : mine;

    private static T Pick<T>(T opened, T mine, T stored, Func<T, T, bool> same) => same(opened, mine) ? stored : mine;
}
