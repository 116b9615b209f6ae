using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Pages.Evaluation;

public sealed partial class RunsPage : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private IReadOnlyList<EvalRunSummary> _runs = [];
    private IReadOnlyList<EvalSetSummary> _sets = [];
    private IReadOnlyList<string> _errors = [];
    private int _total;
    private int? _setId;
    private string _name = "";
    private string _model = "";
    private bool _baseline;
    private IBrowserFile? _file;

    [Parameter] public int ProjectId { get; set; }

    [Inject] private EvaluationService Evaluation { get; set; } = default!;

    [Inject] private ISnackbar Snackbar { get; set; } = default!;

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override Task OnParametersSetAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        _runs = (await Evaluation.ListRunsAsync(ProjectId, null, _cts.Token)).Reverse().ToList();
        _sets = await Evaluation.ListSetsAsync(ProjectId, _cts.Token);
        _setId ??= _sets.Count > 0 ? _sets[0].Id : null;
    }

    private void OnFileChosen(InputFileChangeEventArgs e) => _file = e.File;

    private async Task ImportAsync()
    {
        try
        {
            if (_setId is not { } setId || _file is null)
            {
                throw new Core.StudioValidationException("file", "choose an eval set and a file");
            }

            if (_file.Size > EvalFileParser.MaxFileBytes)
            {
                throw new Core.StudioValidationException("file", $"the file is larger than {EvalFileParser.MaxFileBytes / 1024 / 1024} MB");
            }

            await using var stream = _file.OpenReadStream(EvalFileParser.MaxFileBytes, _cts.Token);
            var text = await EvalFileParser.ReadTextAsync(stream, _cts.Token);
            var run = await Evaluation.ImportRunAsync(setId, new EvalRunInput(_name, _model, IsBaseline: _baseline), text, _file.Name, (await AuthenticationState).User.ToActor(), _cts.Token);
            Snackbar.Add($"Recorded \"{run.Name}\": {run.Summary?.Correct} of {run.Summary?.Items} right", Severity.Success);
            (_errors, _total, _name, _model, _baseline, _file) = ([], 0, "", "", false, null);
            await LoadAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            (_errors, _total) = ErrorText.From(e);
        }
    }

    public void Dispose()
    {
        _cts.Cancel();
        _cts.Dispose();
    }
}
