using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace FineTuneStudio.Web.Components.Pages.Evaluation;

public sealed partial class ComparePage
{
    private IReadOnlyList<EvalRunSummary> _runs = [];
    private RunComparison? _comparison;
    private IReadOnlyList<string> _errors = [];

    [Parameter] public int ProjectId { get; set; }

    [SupplyParameterFromQuery(Name = "a")] public int? A { get; set; }

    [SupplyParameterFromQuery(Name = "b")] public int? B { get; set; }

    [Inject] public required EvalRuns Runs { get; init; }

    [Inject] public required NavigationManager Navigation { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        _runs = await Runs.ListRunsAsync(ProjectId, null, ComponentToken);
        A ??= _runs.LastOrDefault(r => r.IsBaseline)?.Id;
        B ??= _runs.LastOrDefault(r => !r.IsBaseline && r.Id != A)?.Id;
        _comparison = null;
        _errors = [];
        if (A is { } a && B is { } b)
        {
            try
            {
                _comparison = await Runs.CompareAsync(a, b, ComponentToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _errors = ErrorsFor(e).Errors;
            }
        }
    }

    private void Navigate(int? a, int? b) => Navigation.NavigateTo($"projects/{ProjectId}/evaluation/compare?a={a}&b={b}");

    private static string Format(double? value) => value is { } v ? v.ToString("0.000") : "–";

    private static string Scores(ClassScores? scores) =>
        scores is null ? "–" : $"{scores.Precision:0.000} / {scores.Recall:0.000} / {scores.F1:0.000}";

    private static string ChangeText(ItemChange change) => change switch
    {
        ItemChange.Regression => "regression",
        ItemChange.Fix => "fixed",
        ItemChange.SameRight => "right in both",
        ItemChange.SameWrong => "wrong in both",
        _ => "not scored",
    };
}
