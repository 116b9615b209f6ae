using FineTuneStudio.Core;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Quality;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Pages.Examples;

public sealed partial class ExamplesPage
{
    private IReadOnlyList<DatasetSummary> _datasets = [];
    private DatasetSummary? _dataset;
    private int _datasetId;
    private MudTable<ExampleRow>? _table;
    private HashSet<ExampleRow> _selected = [];
    private ExampleCaller _caller = default!;
    private bool _canReview;
    private int _disagreements;
    private IReadOnlyList<string> _errors = [];

    private string? _search;
    private ExampleStatus? _status;
    private string? _label;
    private string? _tag;
    private SplitPin? _split;
    private bool _mine;
    private string? _finding;
    private string _bulkReason = "";
    private string _bulkTag = "";
    private SplitPin _bulkSplit = SplitPin.Auto;

    [Parameter] public int ProjectId { get; set; }
    [SupplyParameterFromQuery(Name = "dataset")] public int? DatasetQuery { get; set; }
    /// <summary>A status to start filtered by, e.g. from a count on the Overview.</summary>
    [SupplyParameterFromQuery(Name = "status")] public string? StatusQuery { get; set; }

    /// <summary>Comma-separated example ids, e.g. from a quality finding; shows only those.</summary>
    [SupplyParameterFromQuery(Name = "ids")] public string? IdsQuery { get; set; }

    private IReadOnlyList<int>? Ids => ExampleQuery.ParseIds(IdsQuery);

    /// <summary>"any" or a finding type name, e.g. from the quality page; shows only examples with that finding.</summary>
    [SupplyParameterFromQuery(Name = "finding")] public string? FindingQuery { get; set; }

    private const string AnyFinding = "any";

    private FindingType? FindingFilter => Enum.TryParse<FindingType>(_finding, ignoreCase: true, out var type) ? type : null;

    private string FindingName => FindingFilter is { } type ? FindingTypeNames.Of(type) : "any finding";

    [Inject] public required DatasetService Datasets { get; init; }
    [Inject] public required ExampleReview Reviews { get; init; }
    [Inject] public required ExampleList ExampleList { get; init; }
    [Inject] public required ISnackbar Snackbar { get; init; }
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private string QueueHref => $"projects/{ProjectId}/examples/queue?dataset={_datasetId}";
    private string ReviewHref => $"projects/{ProjectId}/examples/review?dataset={_datasetId}";
    private string NewHref => $"projects/{ProjectId}/examples/new?dataset={_datasetId}";
    private string EditHref(int id) => $"projects/{ProjectId}/examples/{id}";

    protected override async Task OnParametersSetAsync()
    {
        var user = (await AuthenticationState).User;
        _caller = user.ToExampleCaller();
        _canReview = _caller.CanReview;
        try
        {
            _datasets = await Datasets.ListAsync(ProjectId, ComponentToken);
        }
        catch (NotFoundException e)
        {
            _errors = [e.Message];
            return;
        }

        _dataset = _datasets.FirstOrDefault(d => d.Id == DatasetQuery) ?? (_datasets.Count > 0 ? _datasets[0] : null);
        _datasetId = _dataset?.Id ?? 0;
        if (Enum.TryParse<ExampleStatus>(StatusQuery, ignoreCase: true, out var status))
        {
            _status = status;
        }


        _finding = FindingQuery is null ? null
            : string.Equals(FindingQuery, AnyFinding, StringComparison.OrdinalIgnoreCase) ? AnyFinding
            : Enum.TryParse<FindingType>(FindingQuery, ignoreCase: true, out var type) ? type.ToString() : null;
        await LoadCountsAsync();
    }

    private async Task LoadCountsAsync()
    {
        if (_canReview && _dataset is not null)
        {
            _disagreements = await Reviews.DisagreementCountAsync(_dataset.Id, ComponentToken);
        }
    }

    /// <summary>Set when a broad search was counted only up to this many matches.</summary>
    private int? _countCapped;

    private async Task<TableData<ExampleRow>> LoadPageAsync(TableState state, CancellationToken cancellationToken)
    {
        if (_dataset is null)
        {
            return new TableData<ExampleRow> { Items = [], TotalItems = 0 };
        }

        var sort = state.SortLabel switch
        {
            "Status" => ExampleSort.Status,
            "Updated" => ExampleSort.Updated,
            _ => ExampleSort.Id,
        };
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ComponentToken, cancellationToken);
        var page = await ExampleList.ListAsync(new ExampleQuery(_dataset.Id, _status, _label, _tag, _mine ? _caller.Actor.UserId : null, _split, _search,
            Sort: sort, Descending: state.SortDirection == SortDirection.Descending, Page: state.Page, PageSize: state.PageSize, Ids: Ids,
            HasFindings: _finding is not null, Finding: FindingFilter), linked.Token);
        _countCapped = page.TotalIsLowerBound ? page.Total : null;
        return new TableData<ExampleRow> { Items = page.Items, TotalItems = page.Total };
    }

    private async Task SelectDatasetAsync(int id)
    {
        _datasetId = id;
        _dataset = _datasets.First(d => d.Id == id);
        _label = null;
        await ReloadAsync();
        await LoadCountsAsync();
    }

    private Task SearchChangedAsync(string? value) { _search = value; return ReloadAsync(); }
    private Task StatusChangedAsync(ExampleStatus? value) { _status = value; return ReloadAsync(); }
    private Task LabelChangedAsync(string? value) { _label = value; return ReloadAsync(); }
    private Task TagChangedAsync(string? value) { _tag = value; return ReloadAsync(); }
    private Task SplitChangedAsync(SplitPin? value) { _split = value; return ReloadAsync(); }
    private Task MineChangedAsync(bool value) { _mine = value; return ReloadAsync(); }
    private Task FindingChangedAsync(string? value) { _finding = value; return ReloadAsync(); }

    private void SelectionChanged(HashSet<ExampleRow> rows) => _selected = rows;

    private async Task ReloadAsync()
    {
        _selected = [];
        if (_table is not null)
        {
            await _table.ReloadServerData();
        }
    }

    private async Task BulkAsync(BulkAction action)
    {
        try
        {
            // The versions the rows were loaded with: a row someone changed since is not approved unseen.
            var input = new BulkInput(_selected.Select(r => r.Id).ToList(), action, _bulkReason, _bulkTag, _bulkSplit, _selected.ToDictionary(r => r.Id, r => r.Version));
            var result = await Reviews.BulkAsync(_datasetId, input, _caller, ComponentToken);
            Snackbar.Add($"{result.Changed} examples changed", Severity.Success);
            _errors = [];
            await ReloadAsync();
            await LoadCountsAsync();
        }
        catch (ConflictException e)
        {
            _errors = [e.Message];
            await ReloadAsync();
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException)
        {
            _errors = ErrorText.From(e).Errors;
        }
    }

    internal static Color StatusColor(ExampleStatus status) => status switch
    {
        ExampleStatus.Approved => Color.Success,
        ExampleStatus.Rejected => Color.Error,
        ExampleStatus.Submitted => Color.Info,
        _ => Color.Default,
    };
}
