using FineTuneStudio.Core;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Web.Infrastructure;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace FineTuneStudio.Web.Components.Pages.Evaluation;

/// <summary>The one progress bar of generated eval runs and judge runs; each kind brings its runner and its words.</summary>
public sealed partial class RunProgressBar<TProgress>
{
    private TProgress? _progress;
    private bool _busy;
    private bool _cancelRequested;
    private string? _actionError;
    private LeasedRunRunner<TProgress>? _subscribedTo;

    [Parameter, EditorRequired] public required LeasedRunRunner<TProgress> Runner { get; set; }

    [Parameter, EditorRequired] public int RunId { get; set; }

    [Parameter] public string Title { get; set; } = "";

    /// <summary>The count beside the bar, in the kind's own words.</summary>
    [Parameter, EditorRequired] public required Func<TProgress, string> StatusText { get; set; }

    /// <summary>Prefix of the test ids (<c>generation</c>: generation-progress, generation-count, generation-cancel, ...).</summary>
    [Parameter, EditorRequired] public required string TestId { get; set; }

    /// <summary>Called once when the run ends (completed, failed or cancelled).</summary>
    [Parameter] public EventCallback<TProgress> OnFinished { get; set; }

    [CascadingParameter] private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        if (!ReferenceEquals(_subscribedTo, Runner))
        {
            Unsubscribe();
            Runner.Changed += OnChanged;
            _subscribedTo = Runner;
        }

        _progress = await Runner.ProgressAsync(RunId, ComponentToken);
    }

    private void OnChanged(TProgress progress)
    {
        if (progress.RunId != RunId)
        {
            return;
        }

        _ = InvokeAsync(async () =>
        {
            var wasActive = _progress is null || _progress.IsActive;
            _progress = progress;
            StateHasChanged();
            if (wasActive && !progress.IsActive)
            {
                await OnFinished.InvokeAsync(progress);
            }
        });
    }

    /// <summary>Asks the run to stop; a run that ended meanwhile, or vanished, says so in place.</summary>
    private async Task CancelAsync()
    {
        _busy = true;
        _actionError = null;
        try
        {
            _cancelRequested = await Runner.CancelAsync(RunId, (await AuthenticationState).User.ToActor(), ComponentToken);
        }
        catch (Exception e) when (e is ConflictException or NotFoundException)
        {
            _actionError = e.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    /// <summary>Takes the run over on this instance; a conflict (another instance was quicker) is shown in place.</summary>
    private async Task ResumeAsync()
    {
        _busy = true;
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
        finally
        {
            _busy = false;
        }
    }

    private void Unsubscribe()
    {
        if (_subscribedTo is not null)
        {
            _subscribedTo.Changed -= OnChanged;
            _subscribedTo = null;
        }
    }

    protected override ValueTask OnDisposeAsync()
    {
        Unsubscribe();
        return ValueTask.CompletedTask;
    }
}
