using FineTuneStudio.Core;
using FineTuneStudio.Core.Readiness;
using FineTuneStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace FineTuneStudio.Web.Components.Pages.Readiness;

/// <summary>The verdict laid out for paper: no links, navigation hidden by the print style.</summary>
public sealed partial class ReadinessReportPage
{
    private AssessmentDetail? _detail;
    private IReadOnlyList<string> _errors = [];
    private int _errorTotal;

    [Parameter] public int ProjectId { get; set; }

    [Parameter] public int AssessmentId { get; set; }

    [Inject] public required Assessments Readiness { get; init; }
    [Inject] public required IJSRuntime Js { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            _detail = await Readiness.GetAsync(ProjectId, AssessmentId, ComponentToken);
        }
        catch (Exception e) when (e is NotFoundException or StudioValidationException)
        {
            (_errors, _errorTotal) = ErrorText.From(e);
        }
    }

    private async Task PrintAsync() => await Js.InvokeVoidAsync("print");
}
