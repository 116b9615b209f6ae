using FineTuneStudio.Core.Evaluation;

namespace FineTuneStudio.Core.Tests.Evaluation;

public sealed class EvalMathTests
{
    [Fact]
    public void ClassificationMetrics_ThreeClassTable_MatchesHandComputedMacroF1()
    {
        // Rows expected, columns predicted (a, b, c, other):
        //   a: 3 1 0 0     b: 0 2 1 0     c: 1 0 1 1
        // a: P = 3/4, R = 3/4, F1 = 0.75
        // b: P = 2/3, R = 2/3, F1 = 0.6667
        // c: P = 1/2, R = 1/3, F1 = 2·(1/6)/(5/6) = 0.4
        // macro-F1 = (0.75 + 0.6667 + 0.4) / 3 = 0.60556; accuracy = 6/10.
        (string, string?)[] pairs =
        [
            ("a", "a"), ("a", "A"), ("a", "a."), ("a", "b"),
            ("b", "b"), ("b", " b "), ("b", "c"),
            ("c", "c"), ("c", "a"), ("c", "zzz"),
        ];

        var report = ClassificationMetrics.Compute(pairs);

        report.Accuracy.ShouldBe(0.6, 1e-9);
        report.MacroF1.ShouldBe(0.605556, 1e-5);
        report.Classes.Select(c => c.Label).ShouldBe(["a", "b", "c"]);
        report.Classes[2].Precision.ShouldBe(0.5, 1e-9);
        report.Classes[2].Recall.ShouldBe(1.0 / 3, 1e-9);
        report.Columns.ShouldBe(["a", "b", "c", ClassificationMetrics.OtherColumn]);
        report.Matrix.Select(r => r.ToArray()).ShouldBe([[3, 1, 0, 0], [0, 2, 1, 0], [1, 0, 1, 1]]);
    }

    /// <summary>The page lists a cell's items by <see cref="ClassificationReport.InCell"/>: every item lands in exactly the cell that counted it.</summary>
    [Fact]
    public void ClassificationReport_InCell_FindsExactlyTheItemsEachCellCounts()
    {
        (string, string?)[] pairs =
        [
            ("a", "a"), ("a", "A"), ("a", "a."), ("a", "b"),
            ("b", "b"), ("b", " b "), ("b", "c"),
            ("c", "c"), ("c", "a"), ("c", "zzz"), ("c", null),
        ];
        var report = ClassificationMetrics.Compute(pairs);

        foreach (var row in report.Classes.Select(c => c.Label))
        {
            foreach (var column in report.Columns)
            {
                pairs.Count(p => report.InCell(row, column, p.Item1, p.Item2)).ShouldBe(report.Count(row, column), $"{row} -> {column}");
            }
        }

        pairs.ShouldAllBe(p => report.Columns.Count(column => report.InCell(p.Item1, column, p.Item1, p.Item2)) == 1);
        report.Count("c", ClassificationMetrics.OtherColumn).ShouldBe(2);
        report.ColumnOf(" A ").ShouldBe("a");
        report.Count("a", "nope").ShouldBe(0);
    }

    [Fact]
    public void ClassScoresCompared_PairsLabelsOfBothRuns_AndTheF1Change()
    {
        var baseline = ClassificationMetrics.Compute([("high", "high"), ("high", "low"), ("low", "low"), ("low", "low")]);
        var candidate = ClassificationMetrics.Compute([("high", "high"), ("high", "high"), ("low", "low"), ("urgent", "low")]);

        var rows = ClassScoresCompared.Of(baseline, candidate);

        rows.Select(r => r.Label).ShouldBe(["high", "low", "urgent"]);
        // high: baseline P 1, R 1/2, F1 2/3; candidate P 1, R 1, F1 1 -> +1/3.
        rows[0].F1Change!.Value.ShouldBe(1.0 / 3, 1e-9);
        rows[2].Baseline.ShouldBeNull();
        rows[2].F1Change.ShouldBeNull();
    }

    [Fact]
    public void WilsonInterval_SevenOfTen_IsAbout0397To0892()
    {
        // p = 0.7, z² = 3.8415: centre = (0.7 + 0.19207)/1.38415 = 0.64449,
        // margin = 1.96·√(0.021 + 0.0096037)/1.38415 = 0.24771 → [0.39678, 0.89221].
        var interval = WilsonInterval.Compute(7, 10);

        interval.Low.ShouldBe(0.39678, 1e-4);
        interval.High.ShouldBe(0.89221, 1e-4);
        interval.Rate.ShouldBe(0.7);
    }

    [Fact]
    public void WilsonInterval_EdgeCounts_StayInsideZeroToOne()
    {
        WilsonInterval.Compute(0, 0).ShouldBe(new ProportionInterval(0, 0, 0, 0, 1));
        WilsonInterval.Compute(10, 10).High.ShouldBe(1, 1e-12);
        WilsonInterval.Compute(0, 10).Low.ShouldBe(0, 1e-12);
    }

    [Fact]
    public void McNemar_OneRegressionSixFixes_MatchesHandComputedPValues()
    {
        // n = 7 discordant, smaller count 1: exact p = 2·(C(7,0) + C(7,1))/2⁷ = 2·8/128 = 0.125.
        // χ² = (|1 − 6| − 1)²/7 = 16/7 = 2.2857, p = erfc(√(2.2857/2)) = 0.13057.
        var result = SignificanceTests.McNemar(1, 6);

        result.ExactPValue.ShouldBe(0.125, 1e-9);
        result.ChiSquare.ShouldBe(16.0 / 7, 1e-9);
        result.ChiSquarePValue.ShouldBe(0.13057, 1e-4);
        result.PValue.ShouldBe(result.ExactPValue);
    }

    [Fact]
    public void McNemar_NoDisagreement_IsNotSignificant()
    {
        SignificanceTests.McNemar(0, 0).PValue.ShouldBe(1);
        // Balanced 5/5: exact p = 2·P(X ≤ 5 | n = 10) = 2·638/1024 > 1, capped at 1.
        SignificanceTests.McNemar(5, 5).ExactPValue.ShouldBe(1);
    }

    [Fact]
    public void Bootstrap_SameSeed_SameIntervalAndConstantDifferencesGiveAPoint()
    {
        double[] differences = [1, 0, 0, 1, 1, -1, 0, 1, 1, 0];
        var first = SignificanceTests.BootstrapMeanDifference(differences, seed: 42);
        var second = SignificanceTests.BootstrapMeanDifference(differences, seed: 42);

        second.ShouldBe(first);
        first.MeanDifference.ShouldBe(0.4, 1e-9); // (1+0+0+1+1−1+0+1+1+0)/10
        first.Low.ShouldBeLessThan(0.4);
        first.High.ShouldBeGreaterThan(0.4);

        var constant = SignificanceTests.BootstrapMeanDifference([1, 1, 1], seed: 7);
        (constant.Low, constant.High).ShouldBe((1.0, 1.0));
    }

    [Fact]
    public void BlindOrder_FortyItems_ExactlyHalfLeftAndStable()
    {
        var ids = Enumerable.Range(100, 40).ToList();

        var order = BlindOrder.Assign(1234, ids);

        order.Count(o => o.AIsLeft).ShouldBe(20);
        order.Select(o => o.ItemId).ShouldBe(ids, ignoreOrder: true);
        BlindOrder.Assign(1234, ids.AsEnumerable().Reverse()).ShouldBe(order);
        BlindOrder.Assign(99, ids).ShouldNotBe(order);
        BlindOrder.Assign(5, Enumerable.Range(1, 7)).Count(o => o.AIsLeft).ShouldBeInRange(3, 4);
    }

    [Fact]
    public void OverfittingDetector_ValidRisesThreeTimesWhileTrainFalls_Flags()
    {
        // Train loss falls 0.015 per step; validation: 1.5, 1.2 (best), then 1.3, 1.4, 1.5 = three rises.
        var verdict = OverfittingDetector.Detect(Curve([1.5, 1.2, 1.3, 1.4, 1.5], trainSlope: -0.015));

        verdict.Status.ShouldBe(CurveStatus.Overfitting);
        verdict.RisingSinceStep.ShouldBe(40);
        verdict.BestValidStep.ShouldBe(40);
        verdict.Message.ShouldContain("step 40");
    }

    [Fact]
    public void OverfittingDetector_TwoRisesOrTrainAlsoRising_IsHealthy()
    {
        OverfittingDetector.Detect(Curve([1.5, 1.2, 1.1, 1.2, 1.3], trainSlope: -0.015)).Status.ShouldBe(CurveStatus.Healthy);
        OverfittingDetector.Detect(Curve([1.5, 1.2, 1.3, 1.4, 1.5], trainSlope: 0.01)).Status.ShouldBe(CurveStatus.Healthy);
        OverfittingDetector.Detect([new CurvePoint(1, 2.0, null, null, null)]).Status.ShouldBe(CurveStatus.NoValidation);
    }

    /// <summary>Steps 1–100 with training loss 2 + slope·step, validation every 20 steps.</summary>
    private static List<CurvePoint> Curve(double[] valid, double trainSlope) =>
        Enumerable.Range(1, 100).Select(step => new CurvePoint(step, 2 + trainSlope * step, null,
            step % 20 == 0 ? valid[step / 20 - 1] : null, null)).ToList();
}
