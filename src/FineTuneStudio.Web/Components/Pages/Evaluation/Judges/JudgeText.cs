using System.Globalization;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Judges;

namespace FineTuneStudio.Web.Components.Pages.Evaluation.Judges;

/// <summary>How the judges' figures read on the pages.</summary>
public static class JudgeText
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public static string Mode(JudgeMode mode) => mode switch
    {
        JudgeMode.Pairwise => "Pairwise A/B",
        JudgeMode.Score => "Score 1–5",
        _ => "Pass / fail",
    };

    public static string Rate(ProportionInterval? p) => p is null || p.Trials == 0
        ? "–"
        : string.Create(C, $"{p.Rate * 100:0.0}% ({p.Low * 100:0.0}–{p.High * 100:0.0}%, n = {p.Trials})");

    public static string Kappa(CalibrationFigures f) => f.Kappa is not { } k
        ? "–"
        : f.KappaInterval is { } i
            ? string.Create(C, $"{k:0.00} (95% bootstrap interval {i.Low:0.00} to {i.High:0.00})")
            : string.Create(C, $"{k:0.00}");

    public static string Agreement(CalibrationFigures f) => f.Agreement is not { } a
        ? "–"
        : string.Create(C, $"{a * 100:0.0}% ({f.Agreements} of {f.Pairs} pairs)");

    public static string Choice(JudgementChoice? choice) => choice switch
    {
        JudgementChoice.A => "baseline",
        JudgementChoice.B => "candidate",
        JudgementChoice.Tie => "tie",
        JudgementChoice.BothBad => "both bad",
        _ => "–",
    };

    public static string Usage(JudgeRunUsage u) =>
        string.Create(C, $"{u.PromptTokens:#,0} prompt + {u.CompletionTokens:#,0} completion tokens") +
        (u.CostUsd is { } cost ? string.Create(C, $" · ${cost:0.0000}") : " · no prices configured") +
        (u.MeanLatencyMs is { } ms ? string.Create(C, $" · {ms:0} ms per item") : "");

    public static string Status(JudgeRunProgress p) => p.Status switch
    {
        EvalRunStatus.Pending or EvalRunStatus.Running when p.Orphaned => $"stopped with its instance · {p.Done} / {p.Total} items judged",
        EvalRunStatus.Pending => $"waiting to start · {p.Total} items",
        EvalRunStatus.Running => $"{p.Done} / {p.Total} items · {p.Failed} without a verdict",
        EvalRunStatus.Cancelled => $"cancelled · {p.Done} / {p.Total} items judged",
        EvalRunStatus.Failed => $"failed · {p.Error}",
        _ => $"done · {p.Done} / {p.Total} items · {p.Failed} without a verdict",
    };
}
