using FineTuneStudio.Core.Domain;
using System.Diagnostics;
using FineTuneStudio.Core;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Suggestions;
using FineTuneStudio.Web.Components.Pages.Suggestions;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Pages.Examples;

public sealed partial class QueuePage
{
    private readonly Stopwatch _watch = new();
    private ShortcutListener? _shortcuts;
    private ExampleCaller _caller = default!;
    private DatasetSummary? _dataset;

    private string? LearnedAnswer => _dataset is null || _item is null || string.IsNullOrWhiteSpace(_label)
        ? null
        : _dataset.Answer.AnswerFor(new ExampleContent(_item.Example.Messages, _label));

    private Task<IEnumerable<string>> SearchLabelsAsync(string? text, CancellationToken cancellationToken) =>
        Task.FromResult<IEnumerable<string>>(_item is null ? [] : LabelText.Search(_item.Labels, text));
    private QueueItem? _item;
    private SuggestionView? _suggestion;

    /// <summary>The example's suggestion while the labeler has no label of their own saved.</summary>
    private SuggestionView? ShownSuggestion => _item is null ? null : SuggestedLabel.ShownFor(_suggestion, _item.Labels, _item.Mine?.Label);
    private bool _loadedOnce;
    private bool _interactive;
    private bool _help;
    private int _submittedThisSession;
    private IReadOnlyList<string> _errors = [];
    private string _guidelinesHtml = "";
    private string? _label;
    private int? _rating;
    private string? _corrected;
    private string? _comment;

    [Parameter] public int ProjectId { get; set; }
    [SupplyParameterFromQuery(Name = "dataset")] public int? DatasetQuery { get; set; }

    [Inject] public required DatasetService Datasets { get; init; }
    [Inject] public required Annotations Annotations { get; init; }
    [Inject] public required LabelSuggestionService Suggestions { get; init; }
    [Inject] public required IJSRuntime JS { get; init; }
    [Inject] public required ISnackbar Snackbar { get; init; }
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private IReadOnlyList<(string Keys, string What)> HelpRows =>
    [
        ("1 … 9", "choose label 1 to 9"),
        ("Ctrl+Enter", "submit and take the next example"),
        ("Ctrl+S", "save as draft"),
        ("j / Alt+↓", "skip to the next example"),
        SuggestedLabel.HelpRow,
        ("?", "this help"),
    ];

    protected override async Task OnParametersSetAsync()
    {
        _caller = (await AuthenticationState).User.ToExampleCaller();
        try
        {
            var datasets = await Datasets.ListAsync(ProjectId, ComponentToken);
            _dataset = datasets.FirstOrDefault(d => d.Id == DatasetQuery) ?? (datasets.Count > 0 ? datasets[0] : null);
            _guidelinesHtml = GuidelinesRenderer.ToHtml(_dataset?.Guidelines);
            await LoadNextAsync(null);
        }
        catch (NotFoundException e)
        {
            _errors = [e.Message];
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _shortcuts = new ShortcutListener(OnShortcutAsync);
            if (await _shortcuts.StartAsync(JS) is { } problem)
            {
                _errors = [problem];
            }

            _interactive = true;
            StateHasChanged();
        }
    }

    private async Task LoadNextAsync(int? after)
    {
        _item = _dataset is null ? null : await Annotations.NextForLabelerAsync(_dataset.Id, _caller.UserId, ComponentToken, after);
        if (_item is null && after is not null && _dataset is not null)
        {
            // Past the end after skipping: start again from the top.
            _item = await Annotations.NextForLabelerAsync(_dataset.Id, _caller.UserId, ComponentToken);
        }

        _loadedOnce = true;
        _suggestion = _item is null ? null : await Suggestions.ForExampleAsync(_item.Example.Id, ComponentToken);
        _label = _item?.Mine?.Label ?? ShownSuggestion?.Label;
        _rating = _item?.Mine?.Rating;
        _corrected = _item?.Mine?.CorrectedOutput;
        _comment = _item?.Mine?.Comment;
        _watch.Restart();
    }

    private async Task<bool> SaveAsync(bool submit)
    {
        if (_item is null)
        {
            return false;
        }

        try
        {
            await Annotations.SaveMyAnnotationAsync(_item.Example.Id,
                new AnnotationInput(_label, _rating, _corrected, _comment, (int)_watch.Elapsed.TotalSeconds, submit), _caller, ComponentToken);
            _watch.Restart();
            _errors = [];
            return true;
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException)
        {
            _errors = ErrorText.From(e).Errors;
            return false;
        }
    }

    private async Task SubmitAsync()
    {
        if (await SaveAsync(submit: true))
        {
            _submittedThisSession++;
            Snackbar.Add($"Example {_item!.Example.Id} submitted", Severity.Success);
            await LoadNextAsync(_item.Example.Id);
        }
    }

    private async Task SaveDraftAsync()
    {
        if (await SaveAsync(submit: false))
        {
            Snackbar.Add("Draft saved", Severity.Info);
        }
    }

    private async Task AcceptSuggestionAsync()
    {
        if (ShownSuggestion is { } suggestion)
        {
            _label = suggestion.Label;
            await SubmitAsync();
        }
    }

    private async Task SkipAsync()
    {
        if (_item is not null)
        {
            await LoadNextAsync(_item.Example.Id);
        }
    }

    private async Task OnShortcutAsync(string name)
    {
        switch (name)
        {
            case "submit": await SubmitAsync(); break;
            case "save": await SaveDraftAsync(); break;
            case "j" or "n" or "next": await SkipAsync(); break;
            case SuggestedLabel.AcceptKey: await AcceptSuggestionAsync(); break;
            case "help": _help = true; break;
            case "escape": _help = false; break;
            default:
                if (_item is not null && int.TryParse(name, out var n) && n >= 1 && n <= Math.Min(9, _item.Labels.Count))
                {
                    _label = _item.Labels[n - 1];
                }

                break;
        }

        await InvokeAsync(StateHasChanged);
    }

    protected override async ValueTask OnDisposeAsync()
    {
        if (_shortcuts is not null)
        {
            await _shortcuts.DisposeAsync();
        }
    }
}
