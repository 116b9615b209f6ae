using System.ComponentModel.DataAnnotations;

namespace FineTuneStudio.Core.Judges;

/// <summary>
/// When a judge is trusted (configuration <c>Studio:Evaluation:Judges</c>). Endpoints, retries, timeouts and
/// concurrency are the generated runs' (<c>Studio:Evaluation:Generation</c>).
/// </summary>
public sealed class JudgeOptions
{
    public const string Section = "Studio:Evaluation:Judges";

    /// <summary>Cohen's kappa against the human reviews at or above which a judge is trusted (0.6: "substantial" on Landis and Koch's scale).</summary>
    [Range(-1.0, 1.0, ErrorMessage = Section + ":TrustedKappa must be between -1 and 1")]
    public double TrustedKappa { get; set; } = 0.6;

    /// <summary>Pairs judged by both the judge and people below which no judge is trusted, whatever its kappa.</summary>
    [Range(1, int.MaxValue, ErrorMessage = Section + ":MinCalibrationPairs must be at least 1")]
    public int MinCalibrationPairs { get; set; } = 10;

    /// <summary>Resamples of the pairs for kappa's interval.</summary>
    [Range(100, 100_000, ErrorMessage = Section + ":BootstrapIterations must be between 100 and 100000")]
    public int BootstrapIterations { get; set; } = 2000;
}
