using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Judges;

namespace FineTuneStudio.Web.Components.Pages.Evaluation.Judges;

/// <summary>The judge form's fields, bound both ways.</summary>
public sealed class JudgeDraft
{
    public string Name { get; set; } = "";
    public string Rubric { get; set; } = "";
    public JudgeMode Mode { get; set; }
    public string Endpoint { get; set; } = "";
    public string Model { get; set; } = "";
    public float? Temperature { get; set; }

    /// <summary>A new judge: pairwise, the first endpoint and its first suggested model, temperature 0 for repeatable verdicts.</summary>
    public static JudgeDraft For(IReadOnlyList<EvalEndpointInfo> endpoints)
    {
        var first = endpoints.Count > 0 ? endpoints[0] : null;
        return new() { Endpoint = first?.Name ?? "", Model = first is { Models.Count: > 0 } ? first.Models[0] : "", Temperature = 0 };
    }

    public static JudgeDraft From(JudgeSummary judge) => new()
    {
        Name = judge.Name,
        Rubric = judge.Current.Rubric,
        Mode = judge.Current.Mode,
        Endpoint = judge.Current.Endpoint,
        Model = judge.Current.Model,
        Temperature = judge.Current.Temperature,
    };

    public JudgeRequest ToRequest() => new() { Name = Name, Rubric = Rubric, Mode = Mode, Endpoint = Endpoint, Model = Model, Temperature = Temperature };
}
