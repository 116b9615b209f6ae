using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Pages.Evaluation;

public sealed partial class EvaluationPage
{
    private EvaluationDashboard? _dashboard;
    private IReadOnlyList<string> _errors = [];
    private List<ChartSeries<double>> _trendSeries = [];
    private string[] _trendLabels = [];

    [Parameter] public int ProjectId { get; set; }

    [Inject] public required EvaluationDashboardService Dashboard { get; init; }
    [Inject] public required VersionLineage Lineage { get; init; }

    private IReadOnlyList<LineageEntry> _lineage = [];

    private string MetricName => _dashboard?.MetricName is { } m ? EvalMetrics.Describe(m) : "main metric";

    private string Link(string section) => $"projects/{ProjectId}/evaluation{section}";

    private string CompareLink => _dashboard is { Baseline: { } b, Candidate: { } c } ? Link($"/compare?a={b.Id}&b={c.Id}") : Link("/compare");

    private string CandidateCaption => _dashboard?.Candidate is { } c
        ? $"{c.Name}" + (_dashboard.Delta is { } delta ? $" · {delta * 100:+0.0;-0.0;0} points vs baseline" : "")
        : "no candidate run yet";

    private string RegressionCaption => _dashboard?.Regressions is null ? "needs a baseline and a candidate" : $"right before, wrong now · {_dashboard.Fixes} fixed";

    private string WinRate => _dashboard?.Comparison is { } r && r.WinsA + r.WinsB > 0 ? EvaluationDashboardService.Percent(r.CandidateWinRate.Rate) : "–";

    private string WinCaption => _dashboard?.Comparison is { } r
        ? $"candidate wins {r.WinsB} of {r.WinsA + r.WinsB} decided pairs, 95% interval {r.CandidateWinRate.Low * 100:0}–{r.CandidateWinRate.High * 100:0}% · ties {r.Ties}, both bad {r.BothBad}"
        : "no blind judgements yet";

    private string TrainingValue => _dashboard?.TrainingVerdict?.Status switch
    {
        CurveStatus.Overfitting => "Overfitting",
        CurveStatus.Healthy => "Healthy",
        CurveStatus.NoValidation => "No validation data",
        _ => "–",
    };

    private Severity HeadlineSeverity => _dashboard?.Delta switch
    {
        > 0 when _dashboard.PValue < 0.05 => Severity.Success,
        < 0 => Severity.Warning,
        _ => Severity.Info,
    };

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            _dashboard = await Dashboard.GetAsync(ProjectId, ComponentToken);
            _lineage = await Lineage.ForProjectAsync(ProjectId, ComponentToken);
            _trendLabels = _dashboard.Trend.Select(t => t.Name).ToArray();
            _trendSeries =
            [
                new ChartSeries<double> { Name = MetricName, Data = new ChartData<double>(_dashboard.Trend.Select(t => t.Value is { } v ? (double?)Math.Round(v * 100, 1) : null).ToList()) },
            ];
            _errors = [];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _errors = ErrorsFor(e).Errors;
        }
    }
}
