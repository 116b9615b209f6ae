using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace FineTuneStudio.Web.Components.Pages.Evaluation;

public sealed partial class ComparisonsPage
{
    private List<ComparisonResults> _results = [];
    private IReadOnlyList<EvalRunSummary> _runs = [];
    private IReadOnlyList<string> _errors = [];
    private bool _loaded;
    private int _total;
    private int? _runA;
    private int? _runB;

    [Parameter] public int ProjectId { get; set; }

    [Inject] public required ComparisonService Comparisons { get; init; }

    [Inject] public required EvalRuns Runs { get; init; }

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override Task OnParametersSetAsync() => LoadAsync();

    private static string WinRate(ComparisonResults r) => r.WinsA + r.WinsB == 0
        ? "–"
        : $"{r.CandidateWinRate.Rate * 100:0.0}% (95% interval {r.CandidateWinRate.Low * 100:0.0}–{r.CandidateWinRate.High * 100:0.0}%)";

    private async Task LoadAsync()
    {
        try
        {
            _results = [];
            await LoadMoreAsync();

            _runs = (await Runs.ListRunsAsync(ProjectId, null, ComponentToken)).Where(r => r.Summary is not null || r.Status == Core.Domain.EvalRunStatus.Completed).ToList();
            _runA ??= _runs.LastOrDefault(r => r.IsBaseline)?.Id;
            _runB ??= _runs.LastOrDefault(r => !r.IsBaseline)?.Id;
            _loaded = true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _errors = ErrorsFor(e).Errors;
        }
    }

    /// <summary>The next page of comparisons (newest first), each with its results.</summary>
    private async Task LoadMoreAsync()
    {
        var page = await Comparisons.ListAsync(ProjectId, _results.Count, Paging.DefaultTake, ComponentToken);
        foreach (var comparison in page.Items)
        {
            _results.Add(await Comparisons.ResultsAsync(comparison.Id, ComponentToken));
        }

        _total = page.Total;
    }

    private async Task SetClosedAsync(int comparisonId, bool close)
    {
        try
        {
            var actor = (await AuthenticationState).User.ToActor();
            _ = close ? await Comparisons.CloseAsync(comparisonId, actor, ComponentToken) : await Comparisons.ReopenAsync(comparisonId, actor, ComponentToken);
            _errors = [];
            await LoadAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _errors = ErrorsFor(e).Errors;
        }
    }

    private async Task CreateAsync()
    {
        if (_runA is not { } a || _runB is not { } b)
        {
            _errors = ["Choose a baseline and a candidate run."];
            return;
        }

        try
        {
            await Comparisons.CreateAsync(a, b, null, (await AuthenticationState).User.ToActor(), ComponentToken);
            _errors = [];
            await LoadAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _errors = ErrorsFor(e).Errors;
        }
    }
}
