using System.Globalization;
using FineTuneStudio.Core.Readiness;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace FineTuneStudio.Web.Components.Pages.Readiness;

/// <summary>A submitted assessment: verdict, scores, blockers, next steps, estimates, evidence and reasons.</summary>
public sealed partial class ReadinessVerdictView
{
    [Parameter, EditorRequired] public AssessmentDetail Detail { get; set; } = default!;

    [Parameter, EditorRequired] public int ProjectId { get; set; }

    /// <summary>For the print page: no links, which mean nothing on paper.</summary>
    [Parameter] public bool Printable { get; set; }

    private string AreaHref(StudioArea area) => area switch
    {
        StudioArea.Admin => "admin",
        _ => $"projects/{ProjectId}/{area.ToString().ToLowerInvariant()}",
    };

    private static Color VerdictColor(ReadinessVerdict verdict) => verdict switch
    {
        ReadinessVerdict.ReadyToFineTune => Color.Success,
        ReadinessVerdict.FineTuningPilot => Color.Info,
        ReadinessVerdict.NotReadyYet => Color.Error,
        _ => Color.Warning,
    };

    private static Color ScoreColor(int score) => score >= 70 ? Color.Success : score >= 40 ? Color.Warning : Color.Error;

    private static Color KindColor(ReadinessReasonKind kind) => kind switch
    {
        ReadinessReasonKind.Strength => Color.Success,
        ReadinessReasonKind.Gate => Color.Error,
        ReadinessReasonKind.Limit => Color.Warning,
        _ => Color.Default,
    };

    private static int KindOrder(ReadinessReasonKind kind) => kind switch
    {
        ReadinessReasonKind.Gate => 0,
        ReadinessReasonKind.Limit => 1,
        ReadinessReasonKind.Concern => 2,
        _ => 3,
    };

    private static string EffectText(ReadinessReason r) => r.Kind switch
    {
        ReadinessReasonKind.Gate => "decides the verdict",
        ReadinessReasonKind.Limit => "pilot at most",
        _ => r.Points.ToString("+0;-0;0", CultureInfo.InvariantCulture) + " points",
    };

    private static string SourceText(EstimateInputSource source) => source switch
    {
        EstimateInputSource.Measured => "measured",
        EstimateInputSource.Answer => "answered",
        _ => "default",
    };

    private static string Weeks(double? weeks) => weeks is { } w ? w.ToString("0.#", CultureInfo.InvariantCulture) + " wk" : "unknown";

    private static string Usd(decimal amount) => "$" + amount.ToString(amount < 1 ? "0.00##" : "#,0.00", CultureInfo.InvariantCulture);
}
