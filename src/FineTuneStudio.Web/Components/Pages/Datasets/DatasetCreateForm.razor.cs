using FineTuneStudio.Core;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace FineTuneStudio.Web.Components.Pages.Datasets;

/// <summary>Creates a dataset of a project: its task, and for classification its labels and how a label becomes the answer.</summary>
public sealed partial class DatasetCreateForm
{
    private string _name = "";
    private TaskKind _task = TaskKind.Classification;
    private string _labels = "";
    private AnswerStyle _style = AnswerStyle.Label;
    private string _template = "";
    private string _answers = "";
    private bool _busy;
    private IReadOnlyList<string> _errors = [];
    private int _errorTotal;

    [Parameter, EditorRequired] public int ProjectId { get; set; }
    [Parameter] public EventCallback<DatasetSummary> OnCreated { get; set; }
    [Parameter] public EventCallback OnCancel { get; set; }

    [Inject] public required DatasetService Datasets { get; init; }
    [Inject] public required ILogger<DatasetCreateForm> Logger { get; init; }
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    private IReadOnlyList<string> Labels => LabelText.ParseLabels(_labels);

    private string LabelCountText => Labels.Count == 1 ? "1 label" : $"{Labels.Count:N0} labels";

    /// <summary>What the model would learn for the first label, so the choice of style is seen, not guessed.</summary>
    private string? PreviewText
    {
        get
        {
            if (Labels.Count == 0)
            {
                return null;
            }

            IReadOnlyDictionary<string, string> answers;
            try
            {
                answers = _style == AnswerStyle.PerLabel ? LabelText.ParseAnswers(_answers) : new Dictionary<string, string>();
            }
            catch (StudioValidationException)
            {
                return null;
            }

            if (_style == AnswerStyle.Template && !_template.Contains(AnswerTemplate.Placeholder, StringComparison.Ordinal))
            {
                return null;
            }

            var first = Labels[0];
            return $"For '{first}' the model learns: {new AnswerTemplate(_style, _template, answers).Render(first)}";
        }
    }

    private async Task CreateAsync()
    {
        _busy = true;
        _errors = [];
        try
        {
            var classification = _task == TaskKind.Classification;
            var input = new DatasetInput(
                _name,
                _task,
                Labels: classification ? Labels : null,
                AnswerStyle: classification ? _style : AnswerStyle.Label,
                AnswerTemplate: classification ? _template : null,
                LabelAnswers: classification && _style == AnswerStyle.PerLabel ? LabelText.ParseAnswers(_answers) : null);
            var actor = (await AuthenticationState).User.ToActor();
            var created = await Datasets.CreateAsync(ProjectId, input, actor, CancellationToken.None);
            await OnCreated.InvokeAsync(created);
        }
        catch (Exception e) when (e is StudioValidationException or NotFoundException or ConflictException)
        {
            (_errors, _errorTotal) = ErrorText.From(e);
        }
        catch (Exception e)
        {
            Logger.LogError(e, "Creating a dataset in project {ProjectId} failed", ProjectId);
            (_errors, _errorTotal) = ErrorText.From(e);
        }
        finally
        {
            _busy = false;
        }
    }
}
