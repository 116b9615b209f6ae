using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Jobs;
using Microsoft.AspNetCore.Components;

namespace FineTuneStudio.Web.Components.Pages.Evaluation;

public sealed partial class GenerationProgressBar
{
    [Parameter, EditorRequired] public int RunId { get; set; }

    [Parameter] public string Title { get; set; } = "Generating";

    /// <summary>Called once when the run ends (completed, failed or cancelled).</summary>
    [Parameter] public EventCallback<GenerationProgress> OnFinished { get; set; }

    [Inject] public required EvalGenerationRunner Runner { get; init; }

    public static bool IsActive(GenerationProgress p) => ((IRunProgress)p).IsActive;

    public static string StatusText(GenerationProgress p) => p.Status switch
    {
        EvalRunStatus.Pending or EvalRunStatus.Running when p.Orphaned => $"stopped with its instance · {p.Done} / {p.Total} items done",
        EvalRunStatus.Pending => $"waiting to start · {p.Total} items",
        EvalRunStatus.Running => $"{p.Done} / {p.Total} items · {p.Failed} failed",
        EvalRunStatus.Cancelled => $"cancelled · {p.Done} / {p.Total} items done",
        EvalRunStatus.Failed => $"failed · {p.Error}",
        _ => $"done · {p.Done} / {p.Total} items · {p.Failed} failed",
    };
}
