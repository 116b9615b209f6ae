using FineTuneStudio.Core;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Judges;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace FineTuneStudio.Web.Components.Pages.Evaluation.Judges;

public sealed partial class JudgeRunProgressBar
{
    private JudgeRunProgress? _progress;
    private string? _actionError;
    private bool _subscribed;

    [Parameter, EditorRequired] public int RunId { get; set; }

    [Parameter] public string Title { get; set; } = "Judging";

    /// <summary>Called once when the run ends (completed, failed or cancelled).</summary>
    [Parameter] public EventCallback<JudgeRunProgress> OnFinished { get; set; }

    [Inject] public required JudgeRunRunner Runner { get; init; }
    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        if (!_subscribed)
        {
            Runner.Changed += OnChanged;
            _subscribed = true;
        }

        _progress = await Runner.ProgressAsync(RunId, ComponentToken);
    }

    public static bool IsActive(JudgeRunProgress p) => p.Status is EvalRunStatus.Pending or EvalRunStatus.Running;

    private void OnChanged(JudgeRunProgress progress)
    {
        if (progress.RunId != RunId)
        {
            return;
        }

        _ = InvokeAsync(async () =>
        {
            var wasActive = _progress is null || IsActive(_progress);
            _progress = progress;
            StateHasChanged();
            if (wasActive && !IsActive(progress))
            {
                await OnFinished.InvokeAsync(progress);
            }
        });
    }

    private async Task CancelAsync()
    {
        try
        {
            await Runner.CancelAsync(RunId, (await AuthenticationState).User.ToActor(), ComponentToken);
        }
        catch (Exception e) when (e is ConflictException or NotFoundException)
        {
            _actionError = e.Message;
        }
    }

    /// <summary>Takes the run over on this instance; a conflict (another instance was quicker) is shown in place.</summary>
    private async Task ResumeAsync()
    {
        _actionError = null;
        try
        {
            _progress = await Runner.ResumeAsync(RunId, (await AuthenticationState).User.ToActor(), ComponentToken);
        }
        catch (Exception e) when (e is ConflictException or NotFoundException)
        {
            _actionError = e.Message;
            _progress = await Runner.ProgressAsync(RunId, ComponentToken);
        }
    }

    protected override ValueTask OnDisposeAsync()
    {
        Runner.Changed -= OnChanged;
        return ValueTask.CompletedTask;
    }
}
