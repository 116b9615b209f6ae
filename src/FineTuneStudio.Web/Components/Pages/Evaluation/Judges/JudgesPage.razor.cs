using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Judges;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Web.Components.Pages.Evaluation.Judges;

public sealed partial class JudgesPage
{
    private IReadOnlyList<(JudgeSummary Judge, JudgeTrust Trust)>? _judges;
    private IReadOnlyList<EvalEndpointInfo> _endpoints = [];
    private IReadOnlyList<string> _errors = [];
    private JudgeDraft _draft = new();
    private JudgeOptions _options = new();
    private bool _saving;

    [Parameter] public int ProjectId { get; set; }

    [Inject] public required JudgeService Judges { get; init; }
    [Inject] public required JudgeCalibrationService Calibration { get; init; }
    [Inject] public required EvalGenerationService Generation { get; init; }
    [Inject] public required IOptions<JudgeOptions> Options { get; init; }
    [Inject] public required NavigationManager Navigation { get; init; }
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        _options = Options.Value;
        _endpoints = Generation.Endpoints();
        _draft = JudgeDraft.For(_endpoints);
        (_errors, _) = await TryAsync(async () => _judges = await Calibration.TrustAsync(ProjectId, ComponentToken));
    }

    private async Task CreateAsync()
    {
        _saving = true;
        JudgeDetail? created = null;
        (_errors, _) = await TryAsync(async () => created = await Judges.CreateAsync(ProjectId, _draft.ToRequest(), (await AuthenticationState).User.ToActor(), ComponentToken));
        _saving = false;
        if (created is not null)
        {
            Navigation.NavigateTo($"projects/{ProjectId}/evaluation/judges/{created.Judge.Id}");
        }
    }
}
