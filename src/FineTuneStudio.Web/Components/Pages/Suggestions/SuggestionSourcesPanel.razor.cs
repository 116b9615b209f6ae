using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Suggestions;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Components.Pages.Suggestions;

public sealed partial class SuggestionSourcesPanel
{
    private IReadOnlyList<EvalRunSummary> _runs = [];
    private IReadOnlyList<EvalEndpointInfo> _endpoints = [];
    private IBrowserFile? _file;
    private int? _runId;
    private string? _endpoint;
    private int _limit = 50;
    private bool _busy;
    private CancellationTokenSource? _asking;
    private string _progress = "";
    private SuggestionResult? _result;
    private IReadOnlyList<string> _errors = [];
    private int _total;

    [Parameter] public int ProjectId { get; set; }
    [Parameter] public int DatasetId { get; set; }
    /// <summary>Called after suggestions were stored (the page may reload what it shows).</summary>
    [Parameter] public EventCallback Stored { get; set; }

    [Inject] public required LabelSuggestionService Suggestions { get; init; }
    [Inject] public required EndpointSuggester Endpoints { get; init; }
    [Inject] public required EvalRuns Runs { get; init; }
    [Inject] public required EvalEndpointCatalog Catalog { get; init; }
    [Inject] public required IOptionsMonitor<UploadLimitOptions> UploadLimits { get; init; }
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        _runs = await Runs.ListRunsAsync(ProjectId, null, ComponentToken);
        _endpoints = Catalog.List();
        _runId = _runs.Any(r => r.Id == _runId) ? _runId : null;
        _endpoint ??= _endpoints.Count > 0 ? _endpoints[0].Name : null;
    }

    private PageUploadRun? _uploadRun;

    private PageUploadRun Upload => _uploadRun ??= new PageUploadRun(() => InvokeAsync(StateHasChanged));

    private Task ImportAsync() => RunAsync(actor => Upload.RunAsync(_file!, UploadLimits.CurrentValue, "Storing the suggestions…",
        predictions => Suggestions.ImportAsync(DatasetId, predictions, _file!.Name, actor, ComponentToken), ComponentToken));

    private Task FromRunAsync() => RunAsync(actor => Suggestions.FromRunAsync(DatasetId, _runId!.Value, actor, ComponentToken));

    private async Task FromEndpointAsync()
    {
        // Cancel keeps what was answered; leaving the page cancels too.
        using var asking = CancellationTokenSource.CreateLinkedTokenSource(ComponentToken);
        _asking = asking;
        try
        {
            var progress = new Core.Jobs.SyncProgress<SuggestionProgress>(p =>
            {
                _progress = $"{p.Done} of {p.Total} asked";
                _ = InvokeAsync(StateHasChanged);
            });
            await RunAsync(actor => Endpoints.SuggestAsync(DatasetId, new EndpointSuggestionRequest(_endpoint!, Limit: _limit), actor, progress, asking.Token));
        }
        finally
        {
            _asking = null;
        }
    }

    private async Task RunAsync(Func<Core.Auditing.Actor, Task<SuggestionResult>> store)
    {
        _busy = true;
        try
        {
            _result = await store((await AuthenticationState).User.ToActor());
            (_errors, _total, _file) = ([], 0, null);
            await Stored.InvokeAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            (_errors, _total) = ErrorsFor(e);
        }
        finally
        {
            _busy = false;
        }
    }

    private static string Describe(SuggestionResult r) =>
        $"{r.Stored} suggestions stored from {r.Source}; {r.NotALabel} answers were none of the labels, {r.Unmatched} matched no example, {r.Failed} had no answer"
        + (r.Cancelled ? " (cancelled: the answers so far were kept)." : ".");
}
