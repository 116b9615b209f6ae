using FineTuneStudio.Core.Judges;
using Microsoft.AspNetCore.Components;

namespace FineTuneStudio.Web.Components.Pages.Evaluation.Judges;

public sealed partial class JudgeRunPage
{
    private JudgeRunResults? _results;
    private IReadOnlyList<string> _errors = [];

    [Parameter] public int ProjectId { get; set; }
    [Parameter] public int JudgeRunId { get; set; }

    [Inject] public required JudgeRuns JudgeRuns { get; init; }

    protected override async Task OnParametersSetAsync() =>
        (_errors, _) = await TryAsync(async () => _results = await JudgeRuns.ResultsAsync(JudgeRunId, ComponentToken));

    private async Task OnFinishedAsync(JudgeRunProgress progress) =>
        (_errors, _) = await TryAsync(async () => _results = await JudgeRuns.ResultsAsync(JudgeRunId, ComponentToken));
}
