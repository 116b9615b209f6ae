using FineTuneStudio.Core;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Suggestions;
using FineTuneStudio.Web.Components.Pages.Suggestions;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using MudBlazor;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Web.Components.Pages.Examples;

public sealed partial class ExampleEditorPage
{
    private static readonly TimeSpan AutosaveEvery = TimeSpan.FromSeconds(20);

    private readonly List<EditableMessage> _messages = [];
    private ShortcutListener? _shortcuts;
    private DatasetSummary? _dataset;
    private ExampleDetail? _loaded;
    private ExampleConflictException? _conflict;
    private ExampleCaller _caller = default!;
    private bool _canReview;
    // False for a labeler on someone else's example: label, split and tags are then the reviewers'.
    private bool _curates = true;
    private AnnotationView? _mine;
    private SuggestionView? _suggestion;
    private bool _interactive;
    private bool _help;
    private string _baseline = "";
    private bool _saving;
    private DateTime? _savedAt;
    private IReadOnlyList<string> _errors = [];
    private string _guidelinesHtml = "";

    private string? _label;
    private int? _rating;
    private string? _corrected;
    private string? _tags;
    private string? _notes;
    private string? _toolsJson;
    private string? _preferred;
    private string? _rejected;
    private SplitPin _split;
    private string? _rejectReason;

    [Parameter] public int ProjectId { get; set; }
    [Parameter] public int? ExampleId { get; set; }
    [SupplyParameterFromQuery(Name = "dataset")] public int? DatasetQuery { get; set; }

    [Inject] public required DatasetService Datasets { get; init; }
    [Inject] public required ExampleEditor Editor { get; init; }
    [Inject] public required Annotations Annotations { get; init; }
    [Inject] public required LabelSuggestionService Suggestions { get; init; }
    [Inject] public required ExampleReview Reviews { get; init; }
    [Inject] public required ExampleList ExampleList { get; init; }
    [Inject] public required NavigationManager Navigation { get; init; }
    [Inject] public required IJSRuntime JS { get; init; }
    [Inject] public required ISnackbar Snackbar { get; init; }
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private string LabelHeading => _curates ? "Label" : _mine is { Submitted: true } ? "Your label (submitted)" : "Your label (saved as your annotation)";

    /// <summary>A labeler's submitted annotation is final; an example's label is the reviewers' once it is not the author's draft.</summary>
    private bool LabelLocked => _mine is { Submitted: true } && !_curates;

    /// <summary>The example's suggestion while a labeler (not its curator) has no label of their own saved.</summary>
    private SuggestionView? ShownSuggestion => _curates || _dataset is null ? null : SuggestedLabel.ShownFor(_suggestion, _dataset.Labels, _mine?.Label);

    private string Title => ExampleId is { } id ? $"Example {id}" : "New example";
    private string ListHref => $"projects/{ProjectId}/examples?dataset={_dataset?.Id}";

    private IReadOnlyList<(string Keys, string What)> HelpRows =>
    [
        ("Ctrl+S", "save"),
        ("Ctrl+Enter", "save and submit"),
        ("j / Alt+↓", "next example"),
        ("k / Alt+↑", "previous example"),
        ("1 … 9", "choose label 1 to 9"),
        ("a", "approve (reviewers)"),
        ("r", "reject with the reason typed (reviewers)"),
        SuggestedLabel.HelpRow,
        ("?", "this help"),
    ];

    /// <summary>What the model learns from a labelled example without an assistant turn, rendered by the dataset's answer template.</summary>
    private string? LearnedAnswer => _dataset is null || string.IsNullOrWhiteSpace(_label)
        ? null
        : _dataset.Answer.AnswerFor(new ExampleContent(_messages.Select(m => m.ToContent()).ToList(), _label));

    private int TotalTokens => _messages.Sum(Tokens) + (LearnedAnswer is { } answer ? ExampleTokens.CountAnswer(answer) : 0) + TokenCounter.TokensPerConversation;

    private Task<IEnumerable<string>> SearchLabelsAsync(string? text, CancellationToken cancellationToken) =>
        Task.FromResult<IEnumerable<string>>(_dataset is null ? [] : LabelText.Search(_dataset.Labels, text));

    private static int Tokens(EditableMessage m) => TokenCounter.O200k.CountMessage(m.ToContent());

    private IReadOnlyList<MessageContent> Contents => _messages.Select(m => m.ToContent()).ToList();

    /// <summary>The calls the tool turn at this position can answer (from the assistant turn before it).</summary>
    private IReadOnlyList<ToolCallRef> CallsBefore(int index) => ToolTurns.CallsBefore(Contents, index);

    private string? ToolCallIdProblem(int index) => ToolTurns.ToolCallIdProblem(Contents, index);

    private static string? ToolCallsProblem(EditableMessage m) =>
        string.IsNullOrWhiteSpace(m.ToolCallsJson) ? null : ExampleValidator.JsonArrayProblem(m.ToolCallsJson);

    protected override async Task OnParametersSetAsync()
    {
        _caller = (await AuthenticationState).User.ToExampleCaller();
        _canReview = _caller.CanReview;
        _conflict = null;
        _errors = [];
        try
        {
            if (ExampleId is { } id)
            {
                Show(await Editor.GetAsync(id, _caller, ComponentToken));
                _dataset = await Datasets.GetAsync(_loaded!.DatasetId, ComponentToken);
                _suggestion = await Suggestions.ForExampleAsync(id, ComponentToken);
                PreselectSuggestion();
            }
            else
            {
                var datasets = await Datasets.ListAsync(ProjectId, ComponentToken);
                _dataset = datasets.FirstOrDefault(d => d.Id == DatasetQuery) ?? (datasets.Count > 0 ? datasets[0] : null);
                _loaded = null;
                (_curates, _mine, _suggestion) = (true, null, null);
                _messages.Clear();
                if (_dataset is not null)
                {
                    if (!string.IsNullOrEmpty(_dataset.CanonicalSystemPrompt))
                    {
                        _messages.Add(new EditableMessage { Role = MessageRole.System, Content = _dataset.CanonicalSystemPrompt });
                    }

                    _messages.Add(new EditableMessage { Role = MessageRole.User });
                    _messages.Add(new EditableMessage { Role = MessageRole.Assistant });
                }
            }

            _guidelinesHtml = GuidelinesRenderer.ToHtml(_dataset?.Guidelines);
        }
        catch (NotFoundException e)
        {
            _errors = [e.Message];
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        _shortcuts = new ShortcutListener(OnShortcutAsync);
        if (await _shortcuts.StartAsync(JS) is { } problem)
            {
                _errors = [problem];
            }

        _interactive = true;
        _ = AutosaveLoopAsync();
        StateHasChanged();
    }

    /// <summary>
    /// The suggested chip starts selected; the baseline is taken again so that a suggestion nobody touched is not
    /// autosaved as the labeler's label.
    /// </summary>
    private void PreselectSuggestion()
    {
        if (ShownSuggestion is { } suggestion && _label is null)
        {
            _label = suggestion.Label;
            _baseline = Snapshot();
        }
    }

    private async Task AcceptSuggestionAsync()
    {
        if (ShownSuggestion is { } suggestion && !LabelLocked)
        {
            _label = suggestion.Label;
            await SaveAsync(submit: true);
        }
    }

    private void Show(ExampleDetail example)
    {
        _loaded = example;
        _curates = ExampleCuration.MayCurate(_caller, example.Status, example.CreatedById);
        _mine = example.Annotations.FirstOrDefault(a => a.LabelerId == _caller.Actor.UserId);
        _messages.Clear();
        _messages.AddRange(example.Messages.Select(EditableMessage.From));
        // A labeler's pick on someone else's example is their annotation's label, not the example's.
        _label = _curates ? example.Label : _mine?.Label;
        _rating = example.Rating;
        _corrected = example.CorrectedOutput;
        _tags = string.Join(", ", example.Tags);
        _notes = example.Notes;
        _toolsJson = example.ToolsJson;
        _preferred = example.PreferredCompletion;
        _rejected = example.RejectedCompletion;
        _split = example.Split;
        _baseline = Snapshot();
    }

    /// <summary>What the form holds as an example; label, split and tags go back as loaded when the caller may not set them.</summary>
    private ExampleInput CurrentInput(bool submit) => new(
        _messages.Select(m => m.ToContent()).ToList(), _curates ? _label : _loaded?.Label, _rating, _corrected,
        _curates ? (_tags ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) : _loaded?.Tags, _notes,
        _preferred, _rejected, string.IsNullOrWhiteSpace(_toolsJson) ? null : _toolsJson, _curates ? _split : (_loaded?.Split ?? _split), submit, _loaded?.Version);

    /// <summary>The labeler's own annotation to save with the example: when their label changed, or to submit it with the example.</summary>
    private AnnotationInput? AnnotationToSave(bool submit)
    {
        if (_curates || _mine is { Submitted: true } || (_label == _mine?.Label && !submit) || (_mine is null && _label is null))
        {
            return null;
        }

        return new AnnotationInput(_label, _mine?.Rating, _mine?.CorrectedOutput, _mine?.Comment, Submit: submit);
    }

    // Unsaved means: what the form holds differs from what was last loaded or saved.
    private bool IsDirty => _loaded is not null && Snapshot() != _baseline;

    private string Snapshot() => System.Text.Json.JsonSerializer.Serialize(new { Example = CurrentInput(submit: false) with { Version = null }, Annotation = _curates ? null : _label });

    private static void Changed()
    {
        // Edits are detected by comparing with the baseline; nothing to record here.
    }

    private void Add(MessageRole role)
    {
        _messages.Add(new EditableMessage { Role = role });
        Changed();
    }

    private void Remove(int index)
    {
        _messages.RemoveAt(index);
        Changed();
    }

    private void Move(int index, int by)
    {
        (_messages[index], _messages[index + by]) = (_messages[index + by], _messages[index]);
        Changed();
    }

    private void UseCanonicalPrompt()
    {
        if (_dataset is null)
        {
            return;
        }

        if (_messages.Count > 0 && _messages[0].Role == MessageRole.System)
        {
            _messages[0].Content = _dataset.CanonicalSystemPrompt;
        }
        else
        {
            _messages.Insert(0, new EditableMessage { Role = MessageRole.System, Content = _dataset.CanonicalSystemPrompt });
        }

        Changed();
    }

    private async Task SaveAsync(bool submit) => await SaveInputAsync(CurrentInput(submit));

    private async Task SaveInputAsync(ExampleInput input)
    {
        if (_dataset is null || _saving)
        {
            return;
        }

        _saving = true;
        try
        {
            if (_loaded is null)
            {
                var created = await Editor.CreateAsync(_dataset.Id, input, _caller, ComponentToken);
                Show(created);
                Navigation.NavigateTo($"projects/{ProjectId}/examples/{created.Id}", replace: true);
            }
            else
            {
                var saved = await Editor.UpdateAsync(_loaded.Id, input, _caller, ComponentToken);
                if (AnnotationToSave(input.Submit) is { } annotation)
                {
                    // After the example: a submitted annotation moves the example on and renews its version.
                    await Annotations.SaveMyAnnotationAsync(saved.Id, annotation, _caller, ComponentToken);
                    saved = await Editor.GetAsync(saved.Id, _caller, ComponentToken);
                }

                Show(saved);
            }

            _errors = [];
            _conflict = null;
            _savedAt = DateTime.UtcNow;
            Snackbar.Add(input.Submit ? "Submitted" : "Saved", Severity.Success);
        }
        catch (ExampleConflictException conflict)
        {
            _conflict = conflict;
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException)
        {
            _errors = ErrorText.From(e).Errors;
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task KeepMineAsync()
    {
        if (_conflict is null)
        {
            return;
        }

        // Deliberately save on top of the stored version: the user has seen it and chose theirs
        // (but a labeler's copy keeps the stored label, split and tags, which are not theirs to set).
        var current = _conflict.Current;
        await SaveInputAsync(_curates
            ? _conflict.Yours with { Version = current.Version }
            : _conflict.Yours with { Version = current.Version, Label = current.Label, Split = current.Split, Tags = current.Tags });
    }

    private void TakeTheirs()
    {
        if (_conflict is not null)
        {
            Show(_conflict.Current);
            _conflict = null;
        }
    }

    /// <summary>Starts from the stored version and re-applies the fields the user changed, then leaves the result to review and save.</summary>
    private void Merge()
    {
        if (_conflict is null || _loaded is null)
        {
            return;
        }

        var merged = ExampleMerger.Merge(ExampleInput.From(_loaded), _conflict.Yours, ExampleInput.From(_conflict.Current));
        var myPick = _label;
        Show(_conflict.Current);
        _messages.Clear();
        _messages.AddRange(merged.Messages.Select(EditableMessage.From));
        _label = _curates ? merged.Label : myPick;
        _rating = merged.Rating;
        _corrected = merged.CorrectedOutput;
        _tags = string.Join(", ", merged.Tags ?? []);
        _notes = merged.Notes;
        _toolsJson = merged.ToolsJson;
        _preferred = merged.PreferredCompletion;
        _rejected = merged.RejectedCompletion;
        _split = merged.Split;
        _conflict = null;
        Snackbar.Add("Merged: check the result and save", Severity.Info);
    }

    private static IEnumerable<string> Describe(IReadOnlyList<MessageContent> messages, string? label, string? notes)
    {
        foreach (var m in messages)
        {
            yield return $"{m.Role}: {m.Content}";
        }

        yield return $"Label: {label ?? "none"}";
        if (!string.IsNullOrEmpty(notes))
        {
            yield return $"Notes: {notes}";
        }
    }

    private async Task ApproveAsync() => await ReviewAsync(new ReviewInput(ReviewAction.Approve, Version: _loaded?.Version));

    private async Task RejectAsync() => await ReviewAsync(new ReviewInput(ReviewAction.Reject, _rejectReason, Version: _loaded?.Version));

    private async Task ReviewAsync(ReviewInput input)
    {
        if (_loaded is null || !_canReview)
        {
            return;
        }

        try
        {
            Show(await Reviews.ReviewAsync(_loaded.Id, input, _caller, ComponentToken));
            _errors = [];
            Snackbar.Add(input.Action == ReviewAction.Approve ? "Approved" : "Rejected", Severity.Success);
        }
        catch (ExampleConflictException conflict)
        {
            _errors = [conflict.Message + " Reload to see the stored version."];
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException)
        {
            _errors = ErrorText.From(e).Errors;
        }
    }

    private async Task DeleteAsync()
    {
        if (_loaded is null)
        {
            return;
        }

        try
        {
            await Editor.DeleteAsync(_loaded.Id, _caller, ComponentToken);
            Navigation.NavigateTo(ListHref);
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException)
        {
            _errors = ErrorText.From(e).Errors;
        }
    }

    private async Task GoAsync(bool forward)
    {
        if (_loaded is null)
        {
            return;
        }

        if (IsDirty)
        {
            await SaveAsync(false);
            if (IsDirty)
            {
                return;
            }
        }

        if (await ExampleList.NeighbourAsync(_loaded.Id, forward, ComponentToken) is { } id)
        {
            Navigation.NavigateTo($"projects/{ProjectId}/examples/{id}");
        }
    }

    private async Task OnShortcutAsync(string name)
    {
        switch (name)
        {
            case "save": await SaveAsync(false); break;
            case "submit": await SaveAsync(true); break;
            case "j" or "next": await GoAsync(true); break;
            case "k" or "previous": await GoAsync(false); break;
            case "a": await ApproveAsync(); break;
            case "r": await RejectAsync(); break;
            case SuggestedLabel.AcceptKey: await AcceptSuggestionAsync(); break;
            case "help": _help = true; break;
            case "escape": _help = false; break;
            default:
                if (_dataset is not null && !LabelLocked && int.TryParse(name, out var n) && n >= 1 && n <= Math.Min(9, _dataset.Labels.Count))
                {
                    _label = _dataset.Labels[n - 1];
                    Changed();
                }

                break;
        }

        await InvokeAsync(StateHasChanged);
    }

    /// <summary>Drafts are autosaved: every few seconds, unsaved changes are saved without submitting.</summary>
    private async Task AutosaveLoopAsync()
    {
        using var timer = new PeriodicTimer(AutosaveEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(ComponentToken))
            {
                if (IsDirty && _loaded is not null && _conflict is null && !_saving && _errors.Count == 0)
                {
                    await InvokeAsync(async () =>
                    {
                        await SaveInputAsync(CurrentInput(submit: false));
                        StateHasChanged();
                    });
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The page closed.
        }
    }

    protected override async ValueTask OnDisposeAsync()
    {
        if (_shortcuts is not null)
        {
            await _shortcuts.DisposeAsync();
        }
    }

    private sealed class EditableMessage
    {
        public MessageRole Role { get; set; }
        public string? Content { get; set; }
        public string? Name { get; set; }
        public string? ToolCallsJson { get; set; }
        public string? ToolCallId { get; set; }
        public bool Train { get; set; } = true;

        public static EditableMessage From(MessageContent m) => new()
        {
            Role = m.Role, Content = m.Content, Name = m.Name, ToolCallsJson = m.ToolCallsJson, ToolCallId = m.ToolCallId, Train = m.Weight != 0,
        };

        public MessageContent ToContent() => new(Role, Content, Name, string.IsNullOrWhiteSpace(ToolCallsJson) ? null : ToolCallsJson,
            Role == MessageRole.Tool && !string.IsNullOrWhiteSpace(ToolCallId) ? ToolCallId : null,
            Role == MessageRole.Assistant && !Train ? 0 : null);
    }
}
