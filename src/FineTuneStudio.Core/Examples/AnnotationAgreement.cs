namespace FineTuneStudio.Core.Examples;

/// <summary>
/// When submitted annotations count as disagreeing and need a reviewer: two or more different labels,
/// or ratings two or more points apart (a 3 and a 4 are close enough; a 2 and a 4 are not).
/// The service's SQL filter for "needs adjudication" applies the same rule.
/// </summary>
public static class AnnotationAgreement
{
    public const int RatingSpreadThatDisagrees = 2;

    public static bool Disagree(IReadOnlyCollection<(string? Label, int? Rating)> annotations)
    {
        var labels = annotations.Select(a => a.Label).OfType<string>().Distinct(StringComparer.Ordinal).Count();
        var ratings = annotations.Select(a => a.Rating).OfType<int>().ToList();
        return labels > 1 || (ratings.Count > 1 && ratings.Max() - ratings.Min() >= RatingSpreadThatDisagrees);
    }

    /// <summary>The one label every annotation that has a label agrees on, if there is one.</summary>
    public static string? Consensus(IReadOnlyCollection<(string? Label, int? Rating)> annotations)
    {
        var labels = annotations.Select(a => a.Label).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return labels.Count == 1 ? labels[0] : null;
    }
}
