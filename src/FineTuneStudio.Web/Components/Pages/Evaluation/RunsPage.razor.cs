using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Web.Components.Shared;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;
using FineTuneStudio.Core.Imports;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Components.Pages.Evaluation;

public sealed partial class RunsPage
{
    private IReadOnlyList<EvalRunSummary> _runs = [];
    private IReadOnlyList<EvalSetSummary> _sets = [];
    private IReadOnlyList<string> _errors = [];
    private int _total;
    private int? _setId;
    private string _name = "";
    private string _model = "";
    private bool _baseline;
    private IBrowserFile? _file;
    private IReadOnlyList<EvalEndpointInfo> _endpoints = [];
    private int? _genSetId;
    private string _genName = "";
    private string? _genEndpoint;
    private string _genModel = "";
    private string _genSystemPrompt = "";
    private float _genTemperature;
    private bool _genBaseline;

    [Parameter] public int ProjectId { get; set; }

    [Inject] public required EvalSets Sets { get; init; }

    [Inject] public required EvalRuns Runs { get; init; }

    [Inject] public required EvalGenerationRunner Runner { get; init; }

    [Inject] public required EvalGenerationService Generation { get; init; }

    [Inject] public required ISnackbar Snackbar { get; init; }

    [Inject] public required IOptionsMonitor<UploadLimitOptions> UploadLimits { get; init; }

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override Task OnParametersSetAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        _runs = (await Runs.ListRunsAsync(ProjectId, null, ComponentToken)).Reverse().ToList();
        _sets = await Sets.ListSetsAsync(ProjectId, ComponentToken);
        _setId ??= _sets.Count > 0 ? _sets[0].Id : null;
        _genSetId ??= _setId;
        _endpoints = Generation.Endpoints();
        if (_genEndpoint is null && _endpoints.Count > 0)
        {
            EndpointChanged(_endpoints[0].Name);
        }
    }

    private string ModelHint => _endpoints.FirstOrDefault(e => e.Name == _genEndpoint)?.Models is { Count: > 0 } models ? $"e.g. {string.Join(", ", models)}" : "the name the endpoint knows the model by";

    /// <summary>Every Pending or Running run has a live progress bar above the table; the table just says so.</summary>
    private static string StatusText(Core.Domain.EvalRunStatus status) =>
        status is Core.Domain.EvalRunStatus.Pending or Core.Domain.EvalRunStatus.Running ? "Generating" : status.ToString();

    private void EndpointChanged(string name)
    {
        _genEndpoint = name;
        if (_genModel.Length == 0 || _endpoints.Any(e => e.Models.Contains(_genModel)))
        {
            _genModel = _endpoints.FirstOrDefault(e => e.Name == name) is { Models.Count: > 0 } chosen ? chosen.Models[0] : _genModel;
        }
    }

    private async Task GenerateAsync()
    {
        try
        {
            if (_genSetId is not { } setId)
            {
                throw new Core.StudioValidationException("set", "choose an eval set");
            }

            var run = await Runner.StartAsync(setId, new GenerateRunRequest
            {
                Name = _genName,
                Endpoint = _genEndpoint ?? "",
                Model = _genModel,
                SystemPrompt = _genSystemPrompt,
                Temperature = _genTemperature,
                IsBaseline = _genBaseline,
            }, (await AuthenticationState).User.ToActor(), ComponentToken);
            Snackbar.Add($"Generating \"{run.Name}\"", Severity.Info);
            (_errors, _total, _genName, _genBaseline) = ([], 0, "", false);
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

    private void OnFileChosen(InputFileChangeEventArgs e) => _file = e.File;

    private async Task ImportAsync()
    {
        if (Upload.Busy)
        {
            return;
        }

        try
        {
            if (_setId is not { } setId || _file is null)
            {
                throw new Core.StudioValidationException("file", "choose an eval set and a file");
            }

            var input = new EvalRunInput(_name, _model, IsBaseline: _baseline);
            var actor = (await AuthenticationState).User.ToActor();
            var run = await Upload.RunAsync(_file, UploadLimits.CurrentValue, "Scoring the outputs…",
                outputs => Runs.ImportRunAsync(setId, input, outputs, _file.Name, actor, ComponentToken), ComponentToken);
            Snackbar.Add($"Recorded \"{run.Name}\": {run.Summary?.Correct} of {run.Summary?.Items} right", Severity.Success);
            (_errors, _total, _name, _model, _baseline, _file) = ([], 0, "", "", false, null);
            _fileInputKey++;
            await LoadAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            (_errors, _total) = ErrorsFor(e);
        }
    }
}
