using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Pages.Evaluation;

public sealed partial class BlindComparisonPage
{
    private BlindPair? _pair;
    private BlindPick? _pick;
    private string _reason = "";
    private bool _done;
    private bool _closed;
    private bool _revisiting;
    private int? _revisited;
    private bool _focusPending;
    private IReadOnlyList<string> _errors = [];
    private ElementReference _keyTarget;

    [Parameter] public int ProjectId { get; set; }

    [Parameter] public int ComparisonId { get; set; }

    /// <summary>An item to look at again (a link from a judge's disagreement with the people); then on to the unjudged ones.</summary>
    [SupplyParameterFromQuery(Name = "item")] public int? Item { get; set; }

    [Inject] public required ComparisonService Comparisons { get; init; }

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override Task OnParametersSetAsync() => LoadNextAsync();

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_focusPending && _pair is not null)
        {
            _focusPending = false;
            await _keyTarget.FocusAsync();
        }
    }

    private async Task LoadNextAsync()
    {
        try
        {
            var user = (await AuthenticationState).User;
            // The summary holds run names: only whether the review is closed is read from it here.
            _closed = (await Comparisons.GetAsync(ComparisonId, ComponentToken)).IsClosed;
            _revisiting = !_closed && Item is { } item && item != _revisited;
            _pair = _closed ? null
                : _revisiting ? await Comparisons.PairAsync(ComparisonId, Item!.Value, user.UserId()!, ComponentToken)
                : await Comparisons.NextAsync(ComparisonId, user.UserId()!, ComponentToken);
            _revisited = _revisiting ? Item : _revisited;
            _done = !_closed && _pair is null;
            _pick = _pair?.MyPick;
            _reason = _pair?.MyReason ?? "";
            _errors = [];
            _focusPending = true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _errors = ErrorsFor(e).Errors;
        }
    }

    private void Pick(BlindPick pick)
    {
        _pick = pick;
        _focusPending = true;
    }

    private async Task OnKeyDownAsync(KeyboardEventArgs e)
    {
        switch (e.Key)
        {
            case "a" or "A": Pick(BlindPick.Left); break;
            case "b" or "B": Pick(BlindPick.Right); break;
            case "t" or "T": Pick(BlindPick.Tie); break;
            case "x" or "X": Pick(BlindPick.BothBad); break;
            case "Enter": await SaveAsync(); break;
        }
    }

    private async Task SaveAsync()
    {
        if (_pair is null)
        {
            return;
        }

        if (_pick is not { } pick)
        {
            _errors = ["Choose A, B, tie or both bad first."];
            return;
        }

        try
        {
            var user = (await AuthenticationState).User;
            await Comparisons.JudgeAsync(ComparisonId, _pair.ItemId, user.UserId()!, pick, _reason, user.ToActor(), ComponentToken);
            await LoadNextAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _errors = ErrorsFor(e).Errors;
        }
    }

    private string SideClass(BlindPick side) => "pa-3 review-side" + (_pick == side || _pick == BlindPick.Tie ? " review-side-picked" : _pick == BlindPick.BothBad ? " review-side-bad" : "");

    private Variant PickVariant(BlindPick pick) => _pick == pick ? Variant.Filled : Variant.Outlined;
}
