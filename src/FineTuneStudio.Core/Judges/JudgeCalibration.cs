using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Quality;

namespace FineTuneStudio.Core.Judges;

/// <summary>One pair read by people and by the judge: A, B or Tie on each side.</summary>
public sealed record CalibrationPair(int ItemId, JudgementChoice Human, JudgementChoice Judge);

/// <summary>Rows are the people's verdicts, columns the judge's, both in <see cref="JudgeCalibration.Categories"/> order.</summary>
public sealed record ConfusionTable(IReadOnlyList<string> Categories, IReadOnlyList<IReadOnlyList<int>> Counts);

/// <summary>Percentile bootstrap interval of kappa over resampled pairs; <see cref="Defined"/> resamples had a kappa at all.</summary>
public sealed record KappaInterval(double Low, double High, int Iterations, int Defined, int Seed);

public sealed record CalibrationFigures(int Pairs, int Agreements, double? Agreement, double? Kappa, KappaInterval? KappaInterval, ConfusionTable Confusion);

/// <summary>
/// Judge-against-people figures, pure so they can be checked by hand. Categories are A, B and Tie: a person's
/// "both bad" names no better answer, so it counts as a tie, as a position-dependent judge verdict does.
/// </summary>
public static class JudgeCalibration
{
    public const int BootstrapSeed = 20261;

    public static readonly IReadOnlyList<string> Categories = ["A", "B", "Tie"];

    /// <summary>
    /// The people's verdict on one pair: the pick most of its reviewers made (both bad counted as tie); when
    /// the most common picks are equally common, a tie. Null when nobody judged it.
    /// </summary>
    public static JudgementChoice? HumanVerdict(IEnumerable<JudgementChoice> picks)
    {
        var counts = picks.Select(Collapse).GroupBy(p => p).Select(g => (Pick: g.Key, Count: g.Count())).OrderByDescending(g => g.Count).ToList();
        if (counts.Count == 0)
        {
            return null;
        }

        return counts.Count > 1 && counts[1].Count == counts[0].Count ? JudgementChoice.Tie : counts[0].Pick;
    }

    public static JudgementChoice Collapse(JudgementChoice choice) => choice == JudgementChoice.BothBad ? JudgementChoice.Tie : choice;

    public static CalibrationFigures Compute(IReadOnlyList<CalibrationPair> pairs, int iterations = 2000, int seed = BootstrapSeed)
    {
        var counts = Table(pairs, Enumerable.Range(0, pairs.Count));
        var agreements = Enumerable.Range(0, Categories.Count).Sum(i => (int)counts[i, i]);
        var kappa = AgreementCalculator.CohenKappa(counts);
        var confusion = new ConfusionTable(Categories,
            Enumerable.Range(0, Categories.Count).Select(i => (IReadOnlyList<int>)Enumerable.Range(0, Categories.Count).Select(j => (int)counts[i, j]).ToList()).ToList());
        return new CalibrationFigures(pairs.Count, agreements, pairs.Count == 0 ? null : (double)agreements / pairs.Count, kappa,
            kappa is null ? null : Bootstrap(pairs, iterations, seed), confusion);
    }

    /// <summary>
    /// Share of pairs, judged in both orders, where the two orders did not agree: 0 for a judge that reads
    /// the answers and not their places, 1 for one that always picks the first (or always the second).
    /// </summary>
    public static ProportionInterval PositionBias(IEnumerable<(JudgementChoice AFirst, JudgementChoice BFirst)> orders)
    {
        var list = orders.ToList();
        return WilsonInterval.Compute(list.Count(o => o.AFirst != o.BFirst), list.Count);
    }

    /// <summary>The verdict both orders agree on, else a tie that depends on the order.</summary>
    public static (JudgementChoice Choice, bool PositionDependent) Combine(JudgementChoice aFirst, JudgementChoice bFirst) =>
        aFirst == bFirst ? (aFirst, false) : (JudgementChoice.Tie, true);

    private static KappaInterval? Bootstrap(IReadOnlyList<CalibrationPair> pairs, int iterations, int seed)
    {
        var random = new Random(seed);
        var kappas = new List<double>(iterations);
        var sample = new int[pairs.Count];
        for (var b = 0; b < iterations; b++)
        {
            for (var i = 0; i < sample.Length; i++)
            {
                sample[i] = random.Next(pairs.Count);
            }

            // A resample where both sides used one category only has no kappa; it is left out and counted.
            if (AgreementCalculator.CohenKappa(Table(pairs, sample)) is { } k)
            {
                kappas.Add(k);
            }
        }

        if (kappas.Count == 0)
        {
            return null;
        }

        var sorted = kappas.Order().ToArray();
        return new KappaInterval(SignificanceTests.Percentile(sorted, 0.025), SignificanceTests.Percentile(sorted, 0.975), iterations, sorted.Length, seed);
    }

    private static double[,] Table(IReadOnlyList<CalibrationPair> pairs, IEnumerable<int> indices)
    {
        var table = new double[Categories.Count, Categories.Count];
        foreach (var i in indices)
        {
            table[Index(pairs[i].Human), Index(pairs[i].Judge)]++;
        }

        return table;
    }

    private static int Index(JudgementChoice choice) => Collapse(choice) switch
    {
        JudgementChoice.A => 0,
        JudgementChoice.B => 1,
        _ => 2,
    };
}
