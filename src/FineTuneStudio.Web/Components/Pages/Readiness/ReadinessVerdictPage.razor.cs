using FineTuneStudio.Core;
using FineTuneStudio.Core.Readiness;
using FineTuneStudio.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace FineTuneStudio.Web.Components.Pages.Readiness;

public sealed partial class ReadinessVerdictPage
{
    private AssessmentDetail? _detail;
    private IReadOnlyList<string> _errors = [];
    private int _errorTotal;

    [Parameter] public int ProjectId { get; set; }

    [Parameter] public int AssessmentId { get; set; }

    [Inject] public required Assessments Readiness { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            _detail = await Readiness.GetAsync(ProjectId, AssessmentId, ComponentToken);
            _errors = [];
        }
        catch (Exception e) when (e is NotFoundException or StudioValidationException)
        {
            (_errors, _errorTotal) = ErrorText.From(e);
        }
    }
}
