using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace FineTuneStudio.Web.Components.Pages.Evaluation;

public enum ResultFilter { All, Wrong, Failed }

/// <summary>A run item by item: input, expected, output, per-metric scores, failures with their errors, latency and tokens.</summary>
public sealed partial class RunResultsPage
{
    private EvalRunSummary? _run;
    private IReadOnlyList<EvalResultView> _results = [];
    private RunUsage _usage = RunUsage.From([]);
    private IReadOnlyList<string> _errors = [];
    private ResultFilter _filter = ResultFilter.All;

    [Parameter] public int ProjectId { get; set; }

    [Parameter] public int RunId { get; set; }

    [SupplyParameterFromQuery(Name = "show")] public string? Show { get; set; }

    /// <summary>A confusion matrix cell: the expected label (row) and what the run answered (column).</summary>
    [SupplyParameterFromQuery(Name = "expected")] public string? Expected { get; set; }

    [SupplyParameterFromQuery(Name = "predicted")] public string? Predicted { get; set; }

    [Inject] public required NavigationManager Navigation { get; init; }

    [Inject] public required EvalSets Sets { get; init; }

    [Inject] public required EvalRuns Runs { get; init; }

    private (string Row, string Column)? Cell =>
        Expected is { Length: > 0 } row && Predicted is { Length: > 0 } column && _run?.Summary?.Classification is not null ? (row, column) : null;

    private IEnumerable<EvalResultView> Shown
    {
        get
        {
            var shown = _filter switch
            {
                ResultFilter.Failed => _results.Where(r => r.Failed),
                ResultFilter.Wrong => _results.Where(r => r.Correct == false && !r.Failed),
                _ => _results,
            };
            return Cell is { } cell && _run?.Summary?.Classification is { } report
                ? shown.Where(r => report.InCell(cell.Row, cell.Column, r.Label, r.Failed ? null : r.Output))
                : shown;
        }
    }

    private void ClearCell() => Navigation.NavigateTo($"projects/{ProjectId}/evaluation/runs/{RunId}");

    protected override async Task OnParametersSetAsync()
    {
        _filter = Enum.TryParse<ResultFilter>(Show, ignoreCase: true, out var f) ? f : ResultFilter.All;
        await LoadAsync();
    }

    private async Task LoadAsync()
    {
        try
        {
            var run = await Runs.GetRunAsync(RunId, ComponentToken);
            if ((await Sets.GetSetAsync(run.EvalSetId, ComponentToken)).ProjectId != ProjectId)
            {
                throw new Core.NotFoundException("Eval run", RunId);
            }

            _run = run;
            _results = await AllResultsAsync();
            _usage = RunUsage.From(_results);
            _errors = [];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            (_run, _errors) = (null, ErrorsFor(e).Errors);
        }
    }

    /// <summary>The page shows every item and figures over all of them; it reads them a page at a time.</summary>
    private async Task<List<EvalResultView>> AllResultsAsync()
    {
        var all = new List<EvalResultView>();
        Paged<EvalResultView> page;
        do
        {
            page = await Runs.GetResultsAsync(RunId, all.Count, Paging.MaxTake, ComponentToken);
            all.AddRange(page.Items);
        }
        while (page.Items.Count > 0 && all.Count < page.Total);

        return all;
    }

    private static string RunFacts(EvalRunSummary run)
    {
        var parts = new List<string> { $"on {run.EvalSetName}" };
        if (run.Model.Length > 0)
        {
            parts.Add($"model {run.Model}");
        }

        if (run.Endpoint.Length > 0)
        {
            parts.Add($"endpoint {run.Endpoint}");
        }

        if (run.IsBaseline)
        {
            parts.Add("baseline");
        }

        parts.Add($"{run.Status}, recorded {run.CreatedAt:yyyy-MM-dd HH:mm} UTC");
        return string.Join(" · ", parts);
    }

    private static string NotScoredText(EvalRunSummary run) => run.Status switch
    {
        Core.Domain.EvalRunStatus.Cancelled => "not scored: the run was cancelled",
        Core.Domain.EvalRunStatus.Failed => "not scored: the run failed",
        _ => "scored once every item has an answer",
    };

    private static string ScoresText(EvalResultView result) =>
        string.Join(" · ", result.Scores.Select(s => $"{s.Key} {(s.Value is { } v ? v.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) : "–")}"));

    private static string Short(string text, int max) => text.Length > max ? text[..(max - 1)] + "…" : text;
}
