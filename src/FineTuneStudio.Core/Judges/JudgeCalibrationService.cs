using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Judges;

/// <summary>Whether a judge's verdicts may be relied on, and why (or why not) in words.</summary>
public sealed record JudgeTrust(bool Trusted, string Reason, double? Kappa, int Pairs, double Threshold, int MinPairs);

/// <summary>One comparison's share in a calibration: the judge run used and how it went against the people there.</summary>
public sealed record ComparisonCalibration(int ComparisonId, string ComparisonName, int JudgeRunId, EvalRunStatus Status, int Verdicts, int Pairs, int Agreements, double? Kappa);

/// <summary>An item where the judge and the people part: for a person to look at in the blind review.</summary>
public sealed record JudgeDisagreement(int ComparisonId, string ComparisonName, int ItemId, string ExternalId, JudgementChoice Human, int HumanVotes, JudgementChoice Judge, bool PositionDependent);

/// <summary>
/// A judge version against the blind human reviews: kappa and agreement over the pairs both judged (the
/// latest run of the version on each comparison), position bias over all its pairwise verdicts, a confusion
/// table, the trust verdict, and the disagreements.
/// </summary>
public sealed record JudgeCalibrationReport(
    JudgeSummary Judge,
    int Version,
    JudgeMode Mode,
    CalibrationFigures Figures,
    ProportionInterval? PositionBias,
    JudgeTrust Trust,
    IReadOnlyList<ComparisonCalibration> Comparisons,
    IReadOnlyList<JudgeDisagreement> Disagreements);

/// <summary>One judge's latest run on a comparison, beside the people's result there.</summary>
public sealed record JudgeOnComparison(int JudgeId, string JudgeName, int Version, int JudgeRunId, EvalRunStatus Status, int Judged, ProportionInterval CandidateWinRate, int PositionDependent, JudgeTrust Trust);

/// <summary>Candidate against baseline on one comparison: by the people (Wilson interval over their picks of a side) and by each judge.</summary>
public sealed record ComparisonVerdicts(int ComparisonId, string Name, string BaselineRun, string CandidateRun, int HumanJudgements, ProportionInterval HumanWinRate, IReadOnlyList<JudgeOnComparison> Judges);

public sealed class JudgeCalibrationService(IDbContextFactory<StudioDbContext> factory, JudgeService judges, ComparisonService comparisons, IOptions<JudgeOptions> options)
{
    private const int MaxDisagreements = 200;

    /// <summary>Calibrates the judge's current version, or <paramref name="versionNumber"/>.</summary>
    public Task<JudgeCalibrationReport> CalibrateAsync(int judgeId, int? versionNumber, CancellationToken cancellationToken) =>
        CalibrateAsync(judgeId, versionNumber, withInterval: true, cancellationToken);

    /// <summary>
    /// Without the interval (<paramref name="withInterval"/> false) the figures are the same but kappa's bootstrap is
    /// left out: trust needs kappa and the pair count only, and lists that show every judge's trust would otherwise
    /// pay thousands of resamples per judge on each load.
    /// </summary>
    private async Task<JudgeCalibrationReport> CalibrateAsync(int judgeId, int? versionNumber, bool withInterval, CancellationToken cancellationToken)
    {
        var detail = await judges.GetAsync(judgeId, cancellationToken);
        var version = versionNumber is { } n
            ? detail.Versions.FirstOrDefault(v => v.Number == n) ?? throw new NotFoundException($"Judge '{detail.Judge.Name}' version", n)
            : detail.Judge.Current;
        var settings = options.Value;
        await using var db = await factory.CreateDbContextAsync(cancellationToken);

        // The latest run of this version on each comparison that has verdicts to show.
        var runs = await db.JudgeRuns.AsNoTracking()
            .Where(r => r.JudgeVersionId == version.Id && r.ComparisonId != null && r.Status != EvalRunStatus.Pending)
            .OrderByDescending(r => r.Id)
            .Select(r => new { r.Id, ComparisonId = r.ComparisonId!.Value, r.Status, Name = db.Comparisons.Where(c => c.Id == r.ComparisonId).Select(c => c.Name).First() })
            .ToListAsync(cancellationToken);
        var latest = runs.GroupBy(r => r.ComparisonId).Select(g => g.First()).OrderBy(r => r.ComparisonId).ToList();
        var runIds = latest.Select(r => r.Id).ToList();
        var comparisonIds = latest.Select(r => r.ComparisonId).ToList();

        var verdicts = await db.JudgeVerdicts.AsNoTracking().Where(v => runIds.Contains(v.JudgeRunId) && !v.Failed && v.Choice != null)
            .Join(db.EvalItems, v => v.EvalItemId, i => i.Id, (v, i) => new { v.JudgeRunId, v.EvalItemId, i.ExternalId, Choice = v.Choice!.Value, v.AFirstChoice, v.BFirstChoice, v.PositionDependent })
            .ToListAsync(cancellationToken);
        var human = await db.Judgements.AsNoTracking().Where(j => comparisonIds.Contains(j.ComparisonId))
            .Select(j => new { j.ComparisonId, j.EvalItemId, j.Choice }).ToListAsync(cancellationToken);
        var humanByItem = human.GroupBy(j => (j.ComparisonId, j.EvalItemId))
            .ToDictionary(g => g.Key, g => (Verdict: JudgeCalibration.HumanVerdict(g.Select(j => j.Choice))!.Value, Votes: g.Count()));

        var pairs = new List<CalibrationPair>();
        var disagreements = new List<JudgeDisagreement>();
        var perComparison = new List<ComparisonCalibration>();
        foreach (var run in latest)
        {
            var mine = verdicts.Where(v => v.JudgeRunId == run.Id).OrderBy(v => v.EvalItemId).ToList();
            var matched = new List<CalibrationPair>();
            foreach (var verdict in mine)
            {
                if (!humanByItem.TryGetValue((run.ComparisonId, verdict.EvalItemId), out var people))
                {
                    continue;
                }

                matched.Add(new CalibrationPair(verdict.EvalItemId, people.Verdict, verdict.Choice));
                if (people.Verdict != verdict.Choice && disagreements.Count < MaxDisagreements)
                {
                    disagreements.Add(new JudgeDisagreement(run.ComparisonId, run.Name, verdict.EvalItemId, verdict.ExternalId, people.Verdict, people.Votes, verdict.Choice, verdict.PositionDependent));
                }
            }

            var figures = JudgeCalibration.Compute(matched, iterations: 0);
            perComparison.Add(new ComparisonCalibration(run.ComparisonId, run.Name, run.Id, run.Status, mine.Count, matched.Count, figures.Agreements, figures.Kappa));
            pairs.AddRange(matched);
        }

        var overall = JudgeCalibration.Compute(pairs, withInterval ? settings.BootstrapIterations : 0);
        var orders = verdicts.Where(v => v.AFirstChoice is not null && v.BFirstChoice is not null).Select(v => (v.AFirstChoice!.Value, v.BFirstChoice!.Value)).ToList();
        var bias = version.Mode == JudgeMode.Pairwise && orders.Count > 0 ? JudgeCalibration.PositionBias(orders) : null;
        return new JudgeCalibrationReport(detail.Judge, version.Number, version.Mode, overall, bias, TrustOf(overall, bias, settings), perComparison, disagreements);
    }

    /// <summary>
    /// Every comparison of the project with the people's candidate win rate beside each judge's (its latest run
    /// there), each judge marked trusted or not by its current version's calibration.
    /// </summary>
    public async Task<IReadOnlyList<ComparisonVerdicts>> ProjectVerdictsAsync(int projectId, CancellationToken cancellationToken)
    {
        var judged = await TrustAsync(projectId, cancellationToken);
        var projectJudges = judged.Select(j => j.Judge).ToList();
        var trust = judged.ToDictionary(j => j.Judge.Id, j => j.Trust);

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var judgeIds = projectJudges.Select(j => j.Id).ToList();
        var runs = await db.JudgeRuns.AsNoTracking()
            .Where(r => judgeIds.Contains(r.JudgeVersion!.JudgeId) && r.ComparisonId != null && r.Status != EvalRunStatus.Pending)
            .OrderByDescending(r => r.Id)
            .Select(r => new { r.Id, r.JudgeVersion!.JudgeId, r.JudgeVersion.Number, ComparisonId = r.ComparisonId!.Value, r.Status })
            .ToListAsync(cancellationToken);
        var latest = runs.GroupBy(r => (r.JudgeId, r.ComparisonId)).Select(g => g.First()).ToList();
        var latestIds = latest.Select(r => r.Id).ToList();
        var tallies = await db.JudgeVerdicts.AsNoTracking().Where(v => latestIds.Contains(v.JudgeRunId) && !v.Failed && v.Choice != null)
            .GroupBy(v => new { v.JudgeRunId, Choice = v.Choice!.Value, v.PositionDependent })
            .Select(g => new { g.Key.JudgeRunId, g.Key.Choice, g.Key.PositionDependent, Count = g.Count() }).ToListAsync(cancellationToken);

        var result = new List<ComparisonVerdicts>();
        foreach (var comparison in await comparisons.ListAsync(projectId, cancellationToken))
        {
            var people = await comparisons.ResultsAsync(comparison.Id, cancellationToken);
            var byJudge = latest.Where(r => r.ComparisonId == comparison.Id).Select(r =>
            {
                var mine = tallies.Where(t => t.JudgeRunId == r.Id).ToList();
                var winsA = mine.Where(t => t.Choice == JudgementChoice.A).Sum(t => t.Count);
                var winsB = mine.Where(t => t.Choice == JudgementChoice.B).Sum(t => t.Count);
                var name = projectJudges.First(j => j.Id == r.JudgeId).Name;
                return new JudgeOnComparison(r.JudgeId, name, r.Number, r.Id, r.Status, mine.Sum(t => t.Count), WilsonInterval.Compute(winsB, winsA + winsB),
                    mine.Where(t => t.PositionDependent).Sum(t => t.Count), trust[r.JudgeId]);
            }).OrderBy(j => j.JudgeName, StringComparer.Ordinal).ToList();
            result.Add(new ComparisonVerdicts(comparison.Id, comparison.Name, comparison.RunAName, comparison.RunBName, people.Judged, people.CandidateWinRate, byJudge));
        }

        return result;
    }

    /// <summary>The project's judges with their trust (readiness counts the trusted ones).</summary>
    public async Task<IReadOnlyList<(JudgeSummary Judge, JudgeTrust Trust)>> TrustAsync(int projectId, CancellationToken cancellationToken)
    {
        var list = new List<(JudgeSummary, JudgeTrust)>();
        foreach (var judge in await judges.ListAsync(projectId, cancellationToken))
        {
            list.Add((judge, (await CalibrateAsync(judge.Id, null, withInterval: false, cancellationToken)).Trust));
        }

        return list;
    }

    internal static JudgeTrust TrustOf(CalibrationFigures figures, ProportionInterval? bias, JudgeOptions settings)
    {
        var threshold = settings.TrustedKappa;
        var min = settings.MinCalibrationPairs;
        var (trusted, reason) = figures switch
        {
            { Pairs: 0 } => (false, "no pair it judged has a blind human verdict yet"),
            { Pairs: var p } when p < min => (false, FormattableString.Invariant($"only {p} pair(s) have both a judge and a human verdict; at least {min} are needed")),
            { Kappa: null } => (false, "kappa is undefined on these pairs (the people or the judge gave one verdict only)"),
            { Kappa: var k } when k < threshold => (false, FormattableString.Invariant($"kappa {k:0.00} against the people is below {threshold:0.00}")),
            _ => (true, FormattableString.Invariant($"kappa {figures.Kappa:0.00} against the people over {figures.Pairs} pairs (at least {threshold:0.00} needed)")),
        };
        if (bias is { Trials: > 0, Rate: >= 0.2 })
        {
            reason += FormattableString.Invariant($"; its verdict flips with the order on {Math.Round(bias.Rate * 100):0}% of pairs");
        }

        return new JudgeTrust(trusted, reason, figures.Kappa, figures.Pairs, threshold, min);
    }
}
