using FineTuneStudio.Core.Judges;
using Microsoft.AspNetCore.Components;

namespace FineTuneStudio.Web.Components.Pages.Evaluation.Judges;

public sealed partial class JudgeRunProgressBar
{
    [Parameter, EditorRequired] public int RunId { get; set; }

    [Parameter] public string Title { get; set; } = "Judging";

    /// <summary>Called once when the run ends (completed, failed or cancelled).</summary>
    [Parameter] public EventCallback<JudgeRunProgress> OnFinished { get; set; }

    [Inject] public required JudgeRunRunner Runner { get; init; }
}
