using FineTuneStudio.Core;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace FineTuneStudio.Web.Components.Pages.Evaluation;

public sealed partial class GenerationProgressBar
{
    private GenerationProgress? _progress;
    private bool _cancelling;
    private bool _resuming;
    private string? _resumeError;
    private bool _subscribed;

    [Parameter, EditorRequired] public int RunId { get; set; }

    [Parameter] public string Title { get; set; } = "Generating";

    /// <summary>Called once when the run ends (completed, failed or cancelled).</summary>
    [Parameter] public EventCallback<GenerationProgress> OnFinished { get; set; }

    [Inject] public required EvalGenerationRunner Runner { get; init; }
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

    public static bool IsActive(GenerationProgress p) => p.Status is EvalRunStatus.Pending or EvalRunStatus.Running;

    public static string StatusText(GenerationProgress p) => p.Status switch
    {
        EvalRunStatus.Pending or EvalRunStatus.Running when p.Orphaned => $"stopped with its instance · {p.Done} / {p.Total} items done",
        EvalRunStatus.Pending => $"waiting to start · {p.Total} items",
        EvalRunStatus.Running => $"{p.Done} / {p.Total} items · {p.Failed} failed",
        EvalRunStatus.Cancelled => $"cancelled · {p.Done} / {p.Total} items done",
        EvalRunStatus.Failed => $"failed · {p.Error}",
        _ => $"done · {p.Done} / {p.Total} items · {p.Failed} failed",
    };

    private void OnChanged(GenerationProgress progress)
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
        _cancelling = true;
        await Runner.CancelAsync(RunId, (await AuthenticationState).User.ToActor(), ComponentToken);
    }

    /// <summary>Takes the run over on this instance; a conflict (another instance was quicker) is shown in place.</summary>
    private async Task ResumeAsync()
    {
        _resuming = true;
        _resumeError = null;
        try
        {
            _progress = await Runner.ResumeAsync(RunId, (await AuthenticationState).User.ToActor(), ComponentToken);
        }
        catch (Exception e) when (e is ConflictException or NotFoundException)
        {
            _resumeError = e.Message;
            _progress = await Runner.ProgressAsync(RunId, ComponentToken);
        }
        finally
        {
            _resuming = false;
        }
    }

    protected override ValueTask OnDisposeAsync()
    {
        Runner.Changed -= OnChanged;
        return ValueTask.CompletedTask;
    }
}
