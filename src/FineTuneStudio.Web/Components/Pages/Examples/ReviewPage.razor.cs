using FineTuneStudio.Core;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Pages.Examples;

public sealed partial class ReviewPage
{
    private readonly Dictionary<int, string> _reasons = [];
    private IReadOnlyList<Disagreement> _items = [];
    private DatasetSummary? _dataset;
    private ExampleCaller _caller = default!;
    private IReadOnlyList<string> _errors = [];
    private bool _loaded;
    private bool _interactive;

    [Parameter] public int ProjectId { get; set; }
    [SupplyParameterFromQuery(Name = "dataset")] public int? DatasetQuery { get; set; }

    [Inject] private DatasetService Datasets { get; set; } = default!;
    [Inject] private ExampleReview Reviews { get; set; } = default!;
    [Inject] private ISnackbar Snackbar { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        _caller = (await AuthenticationState).User.ToExampleCaller();
        try
        {
            var datasets = await Datasets.ListAsync(ProjectId, ComponentToken);
            _dataset = datasets.FirstOrDefault(d => d.Id == DatasetQuery) ?? (datasets.Count > 0 ? datasets[0] : null);
            await LoadAsync();
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException)
        {
            _errors = ErrorText.From(e).Errors;
        }
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _interactive = true;
            StateHasChanged();
        }
    }

    private async Task LoadAsync()
    {
        _items = _dataset is null ? [] : await Reviews.DisagreementsAsync(_dataset.Id, _caller, 50, ComponentToken);
        foreach (var item in _items)
        {
            _reasons.TryAdd(item.Example.Id, "");
        }

        _loaded = true;
    }

    private Task AdjudicateAsync(Disagreement item, string label) =>
        ReviewAsync(item, new ReviewInput(ReviewAction.Adjudicate, Label: label, Version: item.Example.Version), $"Example {item.Example.Id}: final label {label}");

    private Task RejectAsync(Disagreement item) =>
        ReviewAsync(item, new ReviewInput(ReviewAction.Reject, _reasons.GetValueOrDefault(item.Example.Id), Version: item.Example.Version), $"Example {item.Example.Id} rejected");

    private async Task ReviewAsync(Disagreement item, ReviewInput input, string done)
    {
        try
        {
            await Reviews.ReviewAsync(item.Example.Id, input, _caller, ComponentToken);
            Snackbar.Add(done, Severity.Success);
            _errors = [];
            await LoadAsync();
        }
        catch (ExampleConflictException e)
        {
            _errors = [e.Message + " The list was reloaded."];
            await LoadAsync();
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException)
        {
            _errors = ErrorText.From(e).Errors;
        }
    }
}
