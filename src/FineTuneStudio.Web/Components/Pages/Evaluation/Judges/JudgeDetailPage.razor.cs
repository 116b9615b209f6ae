using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Judges;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace FineTuneStudio.Web.Components.Pages.Evaluation.Judges;

public sealed partial class JudgeDetailPage
{
    private JudgeDetail? _detail;
    private JudgeCalibrationReport? _report;
    private IReadOnlyList<JudgeRunSummary> _judgeRuns = [];
    private IReadOnlyList<ComparisonSummary> _comparisons = [];
    private IReadOnlyList<EvalRunSummary> _runs = [];
    private IReadOnlyList<EvalEndpointInfo> _endpoints = [];
    private IReadOnlyList<string> _errors = [];
    private JudgeDraft _draft = new();
    private int? _comparisonId;
    private int? _evalRunId;
    private int? _activeRunId;

    [Parameter] public int ProjectId { get; set; }
    [Parameter] public int JudgeId { get; set; }

    [Inject] public required JudgeService Judges { get; init; }
    [Inject] public required JudgeRuns JudgeRuns { get; init; }
    [Inject] public required JudgeRunRunner Runner { get; init; }
    [Inject] public required JudgeCalibrationService Calibration { get; init; }
    [Inject] public required ComparisonService Comparisons { get; init; }
    [Inject] public required EvalRuns Runs { get; init; }
    [Inject] public required EvalGenerationService Generation { get; init; }
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    /// <summary>Whether the current version's endpoint exists here; a run over a missing one could only fail.</summary>
    private bool EndpointConfigured => _detail is not { } d || _endpoints.Any(e => e.Name == d.Judge.Current.Endpoint);

    protected override async Task OnParametersSetAsync()
    {
        _endpoints = Generation.Endpoints();
        (_errors, _) = await TryAsync(async () =>
        {
            await LoadAsync();
            _draft = JudgeDraft.From(_detail!.Judge);
            _comparisons = await Comparisons.ListAsync(ProjectId, ComponentToken);
            _comparisonId ??= _comparisons.Count > 0 ? _comparisons[0].Id : null;
            _runs = (await Runs.ListRunsAsync(ProjectId, null, ComponentToken)).Where(r => r.Status == EvalRunStatus.Completed).ToList();
            _activeRunId = _judgeRuns.FirstOrDefault(r => r.Status is EvalRunStatus.Pending or EvalRunStatus.Running)?.Id;
        });
    }

    private async Task LoadAsync()
    {
        _detail = await Judges.GetAsync(JudgeId, ComponentToken);
        _report = await Calibration.CalibrateAsync(JudgeId, null, ComponentToken);
        _judgeRuns = await JudgeRuns.ListAsync(ProjectId, JudgeId, null, ComponentToken);
    }

    private string RunLink(int runId) => $"projects/{ProjectId}/evaluation/judges/runs/{runId}";

    private static string Category(string category) => category switch
    {
        "A" => "baseline",
        "B" => "candidate",
        _ => "tie",
    };

    private async Task RunAsync()
    {
        (_errors, _) = await TryAsync(async () =>
        {
            // A comparison when one is chosen; a single run only for a judge that reads outputs alone.
            var request = _comparisonId is { } comparison && _evalRunId is null
                ? new JudgeRunRequest(JudgeId, comparison, null)
                : new JudgeRunRequest(JudgeId, _evalRunId is null ? _comparisonId : null, _evalRunId);
            var run = await Runner.StartAsync(request, (await AuthenticationState).User.ToActor(), ComponentToken);
            _activeRunId = run.Id;
            _judgeRuns = await JudgeRuns.ListAsync(ProjectId, JudgeId, null, ComponentToken);
        });
    }

    private async Task OnRunFinishedAsync(JudgeRunProgress progress)
    {
        _activeRunId = null;
        (_errors, _) = await TryAsync(LoadAsync);
    }

    private async Task SaveAsync()
    {
        (_errors, _) = await TryAsync(async () =>
        {
            _detail = await Judges.UpdateAsync(JudgeId, _draft.ToRequest(), (await AuthenticationState).User.ToActor(), ComponentToken);
            _draft = JudgeDraft.From(_detail.Judge);
            _report = await Calibration.CalibrateAsync(JudgeId, null, ComponentToken);
        });
    }
}
