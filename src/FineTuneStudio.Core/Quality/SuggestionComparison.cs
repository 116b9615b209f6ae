namespace FineTuneStudio.Core.Quality;

/// <summary>One submitted, labeled annotation as the with/without-suggestion comparison sees it.</summary>
/// <param name="SuggestedLabel">The suggestion shown when the labeler chose (null: none).</param>
/// <param name="ReferenceLabel">The example's label once a reviewer approved it (null: not approved yet).</param>
public sealed record SuggestedAnnotation(int ExampleId, string Labeler, string Label, string? SuggestedLabel, string? ReferenceLabel);

/// <summary>Work done with, or without, a suggestion on screen.</summary>
/// <param name="Agreement">Agreement among the annotations of this group alone, as the report's agreement summary measures it.</param>
/// <param name="ComparedWithReference">Annotations on approved examples.</param>
/// <param name="Accuracy">Share of those whose label is the approved one.</param>
public sealed record SuggestionGroupFigures(int Annotations, int Examples, AgreementSummary? Agreement, int ComparedWithReference, double? Accuracy);

/// <summary>
/// Suggestions anchor people, so the report sets the two kinds of work side by side: agreement and accuracy of
/// annotations made with a suggestion shown and without one, and how often the suggestion was simply taken.
/// </summary>
public sealed record SuggestionComparison(SuggestionGroupFigures WithSuggestion, SuggestionGroupFigures WithoutSuggestion, int Accepted, double? AcceptedShare)
{
    public static SuggestionComparison Of(IReadOnlyCollection<SuggestedAnnotation> annotations)
    {
        var with = annotations.Where(a => a.SuggestedLabel is not null).ToList();
        var accepted = with.Count(a => a.Label == a.SuggestedLabel);
        return new SuggestionComparison(Figures(with), Figures(annotations.Where(a => a.SuggestedLabel is null).ToList()),
            accepted, with.Count > 0 ? (double)accepted / with.Count : null);
    }

    private static SuggestionGroupFigures Figures(List<SuggestedAnnotation> group)
    {
        var compared = group.Where(a => a.ReferenceLabel is not null).ToList();
        var agreement = group.Count > 0
            ? AgreementCalculator.Summarize(group.Select(a => new AgreementRating(a.ExampleId.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Labeler, a.Label)))
            : null;
        return new SuggestionGroupFigures(group.Count, group.Select(a => a.ExampleId).Distinct().Count(), agreement, compared.Count,
            compared.Count > 0 ? (double)compared.Count(a => a.Label == a.ReferenceLabel) / compared.Count : null);
    }
}
