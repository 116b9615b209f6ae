using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;
using FineTuneStudio.Core.Imports;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Components.Pages.Evaluation;

public sealed partial class EvalSetsPage
{
    private IReadOnlyList<EvalSetSummary> _sets = [];
    private IReadOnlyList<string> _errors = [];
    private int _total;
    private string _name = "";
    private string _description = "";
    private IReadOnlyCollection<string> _metrics = [EvalMetrics.Exact, EvalMetrics.Normalised];
    private int? _setId;
    private IBrowserFile? _file;
    private IReadOnlyList<DatasetSummary> _datasets = [];
    private int _datasetId;
    private string? _search;
    private bool _approvedOnly = true;
    private string? _idsText;
    private IReadOnlyList<ExampleRow> _page = [];
    private int _pageTotal;
    private HashSet<int> _chosen = [];
    private int? _exportSetId;
    private string _exportFormat = EvalSetExport.BatchFormat;
    private string _exportModel = "";
    private int _exportMaxTokens = EvalSetExport.DefaultMaxTokens;

    /// <summary>The export endpoint for the chosen set and format; null until the choice is complete (a batch request names its model).</summary>
    private string? ExportHref
    {
        get
        {
            if (_exportSetId is not { } id || (EvalSetExport.NamesModel(_exportFormat) && string.IsNullOrWhiteSpace(_exportModel)))
            {
                return null;
            }

            var query = $"format={Uri.EscapeDataString(_exportFormat)}"
                + (EvalSetExport.NamesModel(_exportFormat) ? $"&model={Uri.EscapeDataString(_exportModel.Trim())}" : "")
                + (EvalSetExport.TakesMaxTokens(_exportFormat) ? $"&maxTokens={_exportMaxTokens}" : "");
            return $"api/eval-sets/{id}/export?{query}";
        }
    }

    /// <summary>Bedrock's job request for the chosen set's records (null for the other formats).</summary>
    private BedrockJobRequest? ExportJob =>
        EvalSetExport.IsBedrock(_exportFormat) && _sets.FirstOrDefault(s => s.Id == _exportSetId) is { } set
            ? BedrockBatchJob.For(set.Id, set.Name, _exportFormat, set.ItemCount)
            : null;

    private string ExportJobHref(int setId) => $"api/eval-sets/{setId}/bedrock-job?format={Uri.EscapeDataString(_exportFormat)}";

    private string? ExportFileName => _exportSetId is { } id ? EvalSetExport.FileName(id, _exportFormat) : null;

    [Parameter] public int ProjectId { get; set; }

    [Inject] public required EvalSets Sets { get; init; }

    [SupplyParameterFromQuery(Name = "dataset")] public int? Dataset { get; set; }

    /// <summary>Ids chosen on the example list, e.g. "12,15,40".</summary>
    [SupplyParameterFromQuery(Name = "examples")] public string? ExampleIds { get; set; }

    [Inject] public required DatasetService Datasets { get; init; }

    [Inject] public required ExampleList ExampleList { get; init; }

    [Inject] public required ISnackbar Snackbar { get; init; }

    [Inject] public required IOptionsMonitor<UploadLimitOptions> UploadLimits { get; init; }

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        await LoadAsync();
        _datasets = await Datasets.ListAsync(ProjectId, ComponentToken);
        _datasetId = _datasets.FirstOrDefault(d => d.Id == Dataset)?.Id ?? (_datasets.Count > 0 ? _datasets[0].Id : 0);
        if (ExampleQuery.ParseIds(ExampleIds) is { Count: > 0 } ids)
        {
            _chosen = [.. ids];
            _idsText = string.Join(", ", ids);
            _approvedOnly = false;
        }

        await LoadPickerAsync();
    }

    private string DatasetName => _datasets.FirstOrDefault(d => d.Id == _datasetId)?.Name ?? "the dataset";

    private string ChosenPreview => string.Join(", ", _chosen.Order().Take(12)) + (_chosen.Count > 12 ? ", …" : "");

    /// <summary>The chosen rows of the shown page; one instance between renders, so the table does not see a new selection each time.</summary>
    private HashSet<ExampleRow> _pageSelection = [];

    private void SyncPageSelection() => _pageSelection = _page.Where(r => _chosen.Contains(r.Id)).ToHashSet();

    private async Task LoadPickerAsync()
    {
        if (_datasetId == 0)
        {
            (_page, _pageTotal) = ([], 0);
            return;
        }

        var page = await ExampleList.ListAsync(new ExampleQuery(_datasetId, Status: _approvedOnly ? ExampleStatus.Approved : null, Search: _search, PageSize: 50), ComponentToken);
        (_page, _pageTotal) = (page.Items, page.Total);
        SyncPageSelection();
    }

    private void PageSelectionChanged(HashSet<ExampleRow> selected)
    {
        _chosen.ExceptWith(_page.Select(r => r.Id));
        _chosen.UnionWith(selected.Select(r => r.Id));
        _pageSelection = selected;
        _idsText = string.Join(", ", _chosen.Order());
    }

    private void IdsTextChanged(string? text)
    {
        _idsText = text;
        _chosen = [.. ExampleQuery.ParseIds(text) ?? []];
        SyncPageSelection();
    }

    private void ClearChosen()
    {
        (_chosen, _idsText) = ([], null);
        SyncPageSelection();
    }

    private async Task DatasetChangedAsync(int id)
    {
        (_datasetId, _chosen, _idsText) = (id, [], null);
        await LoadPickerAsync();
    }

    private async Task SearchChangedAsync(string? text)
    {
        _search = text;
        await LoadPickerAsync();
    }

    private async Task ApprovedOnlyChangedAsync(bool value)
    {
        _approvedOnly = value;
        await LoadPickerAsync();
    }

    private async Task LoadAsync()
    {
        _sets = await Sets.ListSetsAsync(ProjectId, ComponentToken);
        _setId ??= _sets.Count > 0 ? _sets[0].Id : null;
        _exportSetId ??= _setId;
    }

    private async Task CreateAsync()
    {
        try
        {
            var input = new EvalSetInput(_name, _description, _metrics.ToList());
            var actor = (await AuthenticationState).User.ToActor();
            var created = _chosen.Count == 0
                ? await Sets.CreateSetAsync(ProjectId, input, actor, ComponentToken)
                : await Sets.CreateFromExamplesAsync(ProjectId, input, _datasetId, _chosen.Order().ToList(), actor, ComponentToken);
            Snackbar.Add($"Created \"{created.Name}\" with {created.ItemCount} items", Severity.Success);
            (_errors, _total, _name, _description, _setId, _chosen, _idsText) = ([], 0, "", "", created.Id, [], null);
            SyncPageSelection();
            await LoadAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            (_errors, _total) = ErrorsFor(e);
        }
    }

    private int _fileInputKey;
    private PageUploadRun? _uploadRun;

    private PageUploadRun Upload => _uploadRun ??= new PageUploadRun(() => InvokeAsync(StateHasChanged));

    private EvalItemsImportResult? _refused;
    private IReadOnlyList<Core.InputError> _leftOut = [];
    private string? _leftOutMore;

    private Task ImportAsync() => ImportAsync(InvalidRecordPolicy.Refuse);

    /// <summary>The same file again, its lines with problems left out (the refusal said how many that leaves).</summary>
    private Task ImportLeavingThemOutAsync() => ImportAsync(InvalidRecordPolicy.Skip);

    private async Task ImportAsync(InvalidRecordPolicy invalid)
    {
        if (Upload.Busy)
        {
            return;
        }

        (_refused, _leftOut, _leftOutMore) = (null, [], null);
        try
        {
            if (_setId is not { } setId || _file is null)
            {
                throw new Core.StudioValidationException("file", "choose an eval set and a file");
            }

            var actor = (await AuthenticationState).User.ToActor();
            var result = await Upload.RunAsync(_file, UploadLimits.CurrentValue, "Adding the items…",
                items => Sets.ImportItemsAsync(setId, items, _file.Name, actor, invalid, ComponentToken), ComponentToken);
            _refused = result.CanSkipInvalid ? result : null;
            result.EnsureSucceeded();
            var leftOut = result.InvalidRecords > 0 ? $"; {Core.ListText.Counted(result.InvalidRecords, "line")} with problems left out" : "";
            Snackbar.Add($"Added {Core.ListText.Counted(result.Imported, "item")}{leftOut}", Severity.Success);
            (_leftOut, _leftOutMore) = (result.LeftOut, Core.ListText.MoreLine(result.LeftOut.Count, result.TotalLeftOut, "problems"));
            (_errors, _total, _file) = ([], 0, null);
            _fileInputKey++;
            await LoadAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            (_errors, _total) = ErrorsFor(e);
        }
    }
}
