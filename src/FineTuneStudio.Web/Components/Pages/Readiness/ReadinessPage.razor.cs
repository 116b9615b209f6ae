using System.Globalization;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Readiness;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Pages.Readiness;

/// <summary>The project's readiness history: what is measured now, the trend, the list and a side-by-side comparison.</summary>
public sealed partial class ReadinessPage
{
    private IReadOnlyList<AssessmentSummary> _history = [];
    private IReadOnlyList<(string Label, string Value)> _measured = [];
    private List<ChartSeries<double>> _series = [];
    private string[] _labels = [];
    private AssessmentComparison? _comparison;
    private IReadOnlyList<string> _errors = [];
    private int _errorTotal;
    private int _compareA;
    private int _compareB;
    private bool _hasDraft;
    private bool _loaded;

    [Parameter] public int ProjectId { get; set; }

    [Inject] public required Assessments Readiness { get; init; }
    [Inject] public required ReadinessEvidenceReader Evidence { get; init; }

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            _history = await Readiness.ListAsync(ProjectId, ComponentToken);
            _measured = ReadinessEvidenceText.MeasuredLines(await Evidence.GatherEvidenceAsync(ProjectId, ComponentToken));
            _hasDraft = await Readiness.GetDraftAsync(ProjectId, (await AuthenticationState).User.ToActor(), ComponentToken) is not null;
            BuildChart();
            if (_history.Count >= 2)
            {
                _compareA = _history[^2].Id;
                _compareB = _history[^1].Id;
            }
        }
        catch (Exception e) when (e is NotFoundException or StudioValidationException)
        {
            (_errors, _errorTotal) = ErrorText.From(e);
        }

        _loaded = true;
    }

    private void BuildChart()
    {
        _labels = _history.Select(a => $"#{a.Id} {a.SubmittedAt:MM-dd}").ToArray();
        _series = [new ChartSeries<double> { Name = "Overall", Data = new ChartData<double>(_history.Select(a => (double)(a.OverallScore ?? 0)).ToList()) }];
        foreach (var dimension in Enum.GetValues<ReadinessDimension>())
        {
            _series.Add(new ChartSeries<double>
            {
                Name = ReadinessReportWriter.DimensionTitle(dimension),
                Data = new ChartData<double>(_history.Select(a => (double)(a.DimensionScores.FirstOrDefault(d => d.Dimension == dimension)?.Score ?? 0)).ToList()),
            });
        }
    }

    private async Task CompareAsync()
    {
        try
        {
            _comparison = await Readiness.CompareAsync(ProjectId, _compareA, _compareB, ComponentToken);
            _errors = [];
        }
        catch (Exception e) when (e is NotFoundException or StudioValidationException)
        {
            (_errors, _errorTotal) = ErrorText.From(e);
        }
    }

    private static string Caption(AssessmentSummary a) =>
        FormattableString.Invariant($"#{a.Id} · {a.SubmittedAt:yyyy-MM-dd HH:mm} · {a.OverallScore}");

    private static string Title(ReadinessVerdict? verdict) => verdict is { } v ? ReadinessReportWriter.VerdictTitle(v) : "";

    private static string Signed(int change) => change.ToString("+0;-0;0", CultureInfo.InvariantCulture);
}
