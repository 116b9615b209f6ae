using FineTuneStudio.Core;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace FineTuneStudio.Web.Components.Pages.Datasets;

/// <summary>
/// Creates or edits a dataset. Compact (the import page): name, task, labels pasted as text, the answer. Full (the
/// Datasets page): a row per label with its guide, the guidelines beside a live preview, the system prompt and the
/// annotations per example; each problem shows next to its field.
/// </summary>
public sealed partial class DatasetForm
{
    private DatasetDraft _draft = new();
    private bool _loaded;
    private DatasetSummary? _loadedFrom;
    private string _labels = "";
    private string _answers = "";
    private bool _busy;
    private IReadOnlyList<InputError> _fieldErrors = [];
    private IReadOnlyList<string> _errors = [];
    private int _errorTotal;

    [Parameter, EditorRequired] public int ProjectId { get; set; }
    /// <summary>The dataset to edit; null creates a new one.</summary>
    [Parameter] public DatasetSummary? Dataset { get; set; }
    [Parameter] public bool Full { get; set; }
    [Parameter] public EventCallback<DatasetSummary> OnSaved { get; set; }
    [Parameter] public EventCallback OnCancel { get; set; }

    [Inject] public required DatasetService Datasets { get; init; }
    [Inject] public required ILogger<DatasetForm> Logger { get; init; }
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private string LabelCountText => _draft.Labels.Count == 1 ? "1 label" : $"{_draft.Labels.Count:N0} labels";

    protected override void OnParametersSet()
    {
        // A new Dataset (Edit pressed on another row) starts the form again; other re-renders keep what is typed.
        if (!_loaded || !ReferenceEquals(_loadedFrom, Dataset))
        {
            _loaded = true;
            _loadedFrom = Dataset;
            _draft = Dataset is null ? (Full ? DatasetDraft.New() : new DatasetDraft()) : DatasetDraft.From(Dataset);
            _fieldErrors = [];
            _errors = [];
        }
    }

    /// <summary>A field's error goes once the field is changed, so the form never shows a problem already fixed.</summary>
    private void Forget(string field) => _fieldErrors = [.. _fieldErrors.Where(e => e.Field != field)];

    private bool PerLabel => _draft.AnswerStyle == AnswerStyle.PerLabel;

    private static string GuideField(LabelRow row) => $"labelGuides.{row.Label.Trim()}";

    private bool Has(string field) => ShownInPlace(field) && _fieldErrors.Any(e => e.Field == field);

    /// <summary>The fields this form shows an error next to; the others go to the box below the form.</summary>
    private bool ShownInPlace(string field) => Full && field switch
    {
        "name" or "requiredAnnotations" or "canonicalSystemPrompt" or "guidelines" => true,
        "labels" => _draft.IsClassification,
        "answerTemplate" => _draft.IsClassification && _draft.AnswerStyle is AnswerStyle.Template or AnswerStyle.Json,
        _ => _draft.IsClassification && _draft.Rows.Any(r => GuideField(r) == field),
    };

    private string? ErrorOf(string field) =>
        Has(field) ? string.Join("; ", _fieldErrors.Where(e => e.Field == field).Select(e => e.Message)) : null;

    /// <summary>Compact mode: the pasted labels become rows, so the preview and the save read one model.</summary>
    private void OnLabelsChanged(string text)
    {
        _labels = text;
        SyncPastedRows();
    }

    private void OnAnswersChanged(string text)
    {
        _answers = text;
        SyncPastedRows();
    }

    private void SyncPastedRows()
    {
        IReadOnlyDictionary<string, string> answers;
        try
        {
            answers = LabelText.ParseAnswers(_answers);
        }
        catch (StudioValidationException)
        {
            answers = new Dictionary<string, string>();
        }

        _draft.Rows.Clear();
        _draft.Rows.AddRange(LabelText.ParseLabels(_labels).Select(l => new LabelRow { Label = l, Answer = answers.GetValueOrDefault(l, "") }));
    }

    private async Task SaveAsync()
    {
        _busy = true;
        _fieldErrors = [];
        _errors = [];
        try
        {
            if (!Full && _draft.AnswerStyle == AnswerStyle.PerLabel)
            {
                LabelText.ParseAnswers(_answers); // names the line with a missing bar
            }

            var actor = (await AuthenticationState).User.ToActor();
            var saved = Dataset is null
                ? await Datasets.CreateAsync(ProjectId, _draft.ToInput(), actor, CancellationToken.None)
                : await Datasets.UpdateAsync(Dataset.Id, _draft.ToInput(), actor, CancellationToken.None);
            await OnSaved.InvokeAsync(saved);
        }
        catch (StudioValidationException e) when (Full)
        {
            // Problems of a field on the form show beside it; the rest (and the count) in the box below.
            _fieldErrors = e.Errors;
            var elsewhere = e.Errors.Where(error => !Has(error.Field)).Select(error => error.ToString()).ToList();
            (_errors, _errorTotal) = (elsewhere, elsewhere.Count + e.TotalCount - e.Errors.Count);
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException or ConflictException)
        {
            (_errors, _errorTotal) = ErrorText.From(e);
        }
        catch (Exception e)
        {
            Logger.LogError(e, "Saving a dataset in project {ProjectId} failed", ProjectId);
            (_errors, _errorTotal) = ErrorText.From(e);
        }
        finally
        {
            _busy = false;
        }
    }
}
