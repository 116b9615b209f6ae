using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Judges;

namespace FineTuneStudio.Core.Tests.Judges;

public sealed class JudgeCalibrationTests
{
    private const JudgementChoice A = JudgementChoice.A;
    private const JudgementChoice B = JudgementChoice.B;
    private const JudgementChoice Tie = JudgementChoice.Tie;

    /// <summary>Pairs laid out as a confusion table: rows people (A, B, Tie), columns the judge.</summary>
    private static List<CalibrationPair> FromTable(int[,] table)
    {
        var categories = new[] { A, B, Tie };
        var pairs = new List<CalibrationPair>();
        for (var h = 0; h < 3; h++)
        {
            for (var j = 0; j < 3; j++)
            {
                for (var n = 0; n < table[h, j]; n++)
                {
                    pairs.Add(new CalibrationPair(pairs.Count + 1, categories[h], categories[j]));
                }
            }
        }

        return pairs;
    }

    // 20 pairs. Observed agreement (6 + 7 + 2) / 20 = 0.75. Row shares .4 .4 .2, column shares 8/20, 9/20, 3/20:
    // chance agreement .4·.4 + .4·.45 + .2·.15 = .37, so kappa = (.75 − .37) / (1 − .37) = .38 / .63 = 0.6031746.
    private static readonly int[,] WorkedTable = { { 6, 1, 1 }, { 1, 7, 0 }, { 1, 1, 2 } };

    [Fact]
    public void Compute_WorkedTable_GivesKappaAgreementAndConfusionByHand()
    {
        var figures = JudgeCalibration.Compute(FromTable(WorkedTable));

        figures.Pairs.ShouldBe(20);
        figures.Agreements.ShouldBe(15);
        figures.Agreement.ShouldBe(0.75);
        figures.Kappa!.Value.ShouldBe(0.38 / 0.63, 1e-9);
        figures.Confusion.Categories.ShouldBe(["A", "B", "Tie"]);
        figures.Confusion.Counts.Select(r => r.ToArray()).ShouldBe([[6, 1, 1], [1, 7, 0], [1, 1, 2]]);
    }

    [Fact]
    public void Compute_WorkedTable_BootstrapIntervalMatchesTheAnalyticStandardError()
    {
        var figures = JudgeCalibration.Compute(FromTable(WorkedTable), iterations: 4000);

        // Large-sample SE of kappa ≈ sqrt(po(1 − po) / (n (1 − pe)²)) = sqrt(.1875 / (20 · .3969)) = 0.1537, so
        // a 95% interval is about ±0.30 around 0.60. The percentile bootstrap should be close to that width.
        var interval = figures.KappaInterval!;
        interval.Iterations.ShouldBe(4000);
        interval.Defined.ShouldBe(4000);
        interval.Low.ShouldBeLessThan(figures.Kappa!.Value);
        interval.High.ShouldBeGreaterThan(figures.Kappa.Value);
        (interval.High - interval.Low).ShouldBeInRange(2 * 1.96 * 0.1537 * 0.7, 2 * 1.96 * 0.1537 * 1.3);
        interval.Low.ShouldBeInRange(0.2, 0.45);
        interval.High.ShouldBeInRange(0.8, 1.0);
    }

    [Fact]
    public void Compute_SameSeed_SameInterval_AnotherSeed_Another()
    {
        var pairs = FromTable(WorkedTable);

        var first = JudgeCalibration.Compute(pairs, 1000, seed: 7).KappaInterval;
        var again = JudgeCalibration.Compute(pairs, 1000, seed: 7).KappaInterval;
        var other = JudgeCalibration.Compute(pairs, 1000, seed: 8).KappaInterval;

        again.ShouldBe(first);
        other.ShouldNotBe(first);
    }

    [Fact]
    public void Compute_PerfectAgreement_KappaOne_AndNoPairs_NothingDefined()
    {
        var perfect = JudgeCalibration.Compute(FromTable(new[,] { { 5, 0, 0 }, { 0, 4, 0 }, { 0, 0, 1 } }));
        perfect.Kappa.ShouldBe(1);
        perfect.KappaInterval!.High.ShouldBe(1);

        var none = JudgeCalibration.Compute([]);
        (none.Pairs, none.Agreement, none.Kappa, none.KappaInterval).ShouldBe((0, null, null, null));
    }

    [Fact]
    public void Compute_JudgeAlwaysTies_KappaIsZero_NotAgreement()
    {
        // People pick a side on every pair, the judge never does: no agreement beyond chance (pe = 0, po = 0).
        var figures = JudgeCalibration.Compute(FromTable(new[,] { { 0, 0, 6 }, { 0, 0, 4 }, { 0, 0, 0 } }));

        figures.Agreement.ShouldBe(0);
        figures.Kappa.ShouldBe(0);
    }

    [Fact]
    public void Compute_BothSidesUseOneCategory_KappaUndefined()
    {
        var figures = JudgeCalibration.Compute(FromTable(new[,] { { 8, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 } }));

        figures.Agreement.ShouldBe(1);
        figures.Kappa.ShouldBeNull();
        figures.KappaInterval.ShouldBeNull();
    }

    [Theory]
    [InlineData(new[] { A, A, B }, A)]
    [InlineData(new[] { B }, B)]
    [InlineData(new[] { A, B }, Tie)]
    [InlineData(new[] { JudgementChoice.BothBad, JudgementChoice.BothBad, A }, Tie)]
    [InlineData(new[] { JudgementChoice.BothBad, Tie, B, B, B }, B)]
    public void HumanVerdict_MajorityWithBothBadAsTie_AndEvenSplitAsTie(JudgementChoice[] picks, JudgementChoice expected) =>
        JudgeCalibration.HumanVerdict(picks).ShouldBe(expected);

    [Fact]
    public void HumanVerdict_Nobody_Null() => JudgeCalibration.HumanVerdict([]).ShouldBeNull();

    [Fact]
    public void PositionBias_AlwaysFirst_FlipsOnEveryPair_ConsistentJudge_Never()
    {
        // Picks are by run: a judge that always takes the first answer picks run A in the A-first order, run B in the other.
        var alwaysFirst = JudgeCalibration.PositionBias(Enumerable.Repeat((A, B), 12));
        alwaysFirst.Rate.ShouldBe(1);
        alwaysFirst.Trials.ShouldBe(12);
        alwaysFirst.Low.ShouldBeGreaterThan(0.75);

        var consistent = JudgeCalibration.PositionBias([(A, A), (B, B), (Tie, Tie)]);
        consistent.Rate.ShouldBe(0);
    }

    [Theory]
    [InlineData(A, A, A, false)]
    [InlineData(B, B, B, false)]
    [InlineData(A, B, Tie, true)]
    [InlineData(Tie, A, Tie, true)]
    [InlineData(Tie, Tie, Tie, false)]
    public void Combine_CountsOnlyWhenBothOrdersAgree(JudgementChoice aFirst, JudgementChoice bFirst, JudgementChoice choice, bool positionDependent) =>
        JudgeCalibration.Combine(aFirst, bFirst).ShouldBe((choice, positionDependent));

    [Theory]
    [InlineData(0, null, false, "no pair")]
    [InlineData(5, 0.9, false, "only 5 pair(s)")]
    [InlineData(12, null, false, "undefined")]
    [InlineData(12, 0.4, false, "kappa 0.40 against the people is below 0.60")]
    [InlineData(12, 0.6, true, "kappa 0.60 against the people over 12 pairs")]
    public void TrustOf_NamesWhyAJudgeIsOrIsNotTrusted(int pairs, double? kappa, bool trusted, string reason)
    {
        var figures = new CalibrationFigures(pairs, 0, null, kappa, null, new ConfusionTable(JudgeCalibration.Categories, []));

        var trust = JudgeCalibrationService.TrustOf(figures, null, new JudgeOptions());

        trust.Trusted.ShouldBe(trusted);
        trust.Reason.ShouldContain(reason);
    }

    [Fact]
    public void TrustOf_HighPositionBias_IsNamedInTheReason()
    {
        var figures = new CalibrationFigures(12, 0, 0, 0, null, new ConfusionTable(JudgeCalibration.Categories, []));

        var trust = JudgeCalibrationService.TrustOf(figures, JudgeCalibration.PositionBias(Enumerable.Repeat((A, B), 12)), new JudgeOptions());

        trust.Trusted.ShouldBeFalse();
        trust.Reason.ShouldContain("flips with the order on 100%");
    }
}
