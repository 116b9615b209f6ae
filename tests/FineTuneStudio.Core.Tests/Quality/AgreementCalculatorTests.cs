using FineTuneStudio.Core.Quality;

namespace FineTuneStudio.Core.Tests.Quality;

public class AgreementCalculatorTests
{
    [Fact]
    public void CohenKappa_WikipediaExample_IsPointFour()
    {
        // Wikipedia "Cohen's kappa", worked example: 50 proposals, yes/yes 20, yes/no 5, no/yes 10, no/no 15.
        // po = 35/50 = 0.7; pe = 0.5*0.6 + 0.5*0.4 = 0.5; kappa = 0.2/0.5 = 0.4.
        var kappa = AgreementCalculator.CohenKappa(new double[,] { { 20, 5 }, { 10, 15 } });

        kappa!.Value.ShouldBe(0.4, 1e-12);
    }

    [Fact]
    public void CohenKappa_SmallLists_MatchesHandComputation()
    {
        // Pairs (x,x) (x,y) (y,y) (y,y): po = 3/4; A is 1/2 x, B is 1/4 x;
        // pe = 0.5*0.25 + 0.5*0.75 = 0.5; kappa = 0.25/0.5 = 0.5.
        var kappa = AgreementCalculator.CohenKappa(["x", "x", "y", "y"], ["x", "y", "y", "y"]);

        kappa!.Value.ShouldBe(0.5, 1e-12);
    }

    [Fact]
    public void CohenKappa_MissingLabel_SkipsThatItem()
    {
        // The third item is dropped, leaving (x,x) (y,y): po = 1, pe = 0.5, kappa = 1.
        var kappa = AgreementCalculator.CohenKappa(["x", "y", null], ["x", "y", "x"]);

        kappa!.Value.ShouldBe(1.0, 1e-12);
    }

    [Theory]
    // Categories 1<2<3; pairs (1,1) (2,3) (3,3) (1,2). A margins .5/.25/.25, B margins .25/.25/.5.
    // Unweighted: po = .5, pe = .125+.0625+.125 = .3125, kappa = .1875/.6875 = 3/11.
    // Linear (w = |i-j|/2): observed .25, expected .5, kappa = .5.
    // Quadratic (w = (|i-j|/2)^2): observed .125, expected .40625, kappa = 1 - 4/13 = 9/13.
    [InlineData(KappaWeighting.None, 3.0 / 11)]
    [InlineData(KappaWeighting.Linear, 0.5)]
    [InlineData(KappaWeighting.Quadratic, 9.0 / 13)]
    public void CohenKappa_OrderedCategories_MatchesHandComputation(KappaWeighting weighting, double expected)
    {
        var kappa = AgreementCalculator.CohenKappa(["1", "2", "3", "1"], ["1", "3", "3", "2"], weighting, ["1", "2", "3"]);

        kappa!.Value.ShouldBe(expected, 1e-12);
    }

    [Fact]
    public void CohenKappa_WeightedWithoutOrder_Throws()
    {
        Should.Throw<StudioValidationException>(() => AgreementCalculator.CohenKappa(["1"], ["2"], KappaWeighting.Linear));
    }

    [Fact]
    public void CohenKappa_EveryoneUsesOneCategory_IsUndefined()
    {
        AgreementCalculator.CohenKappa(["x", "x"], ["x", "x"]).ShouldBeNull();
    }

    [Fact]
    public void FleissKappa_WikipediaExample_IsPoint210()
    {
        // Wikipedia "Fleiss' kappa" worked example: 10 items, 5 categories, 14 raters; kappa = 0.210.
        int[,] counts =
        {
            { 0, 0, 0, 0, 14 },
            { 0, 2, 6, 4, 2 },
            { 0, 0, 3, 5, 6 },
            { 0, 3, 9, 2, 0 },
            { 2, 2, 8, 1, 1 },
            { 7, 7, 0, 0, 0 },
            { 3, 2, 6, 3, 0 },
            { 2, 5, 3, 2, 2 },
            { 6, 5, 2, 1, 0 },
            { 0, 2, 2, 3, 7 },
        };

        AgreementCalculator.FleissKappa(counts)!.Value.ShouldBe(0.210, 0.0005);
    }

    [Fact]
    public void FleissKappa_SmallTable_MatchesHandComputation()
    {
        // Items [3,0] [0,3] [2,1]: P_i = 1, 1, 1/3, mean 7/9; p = 5/9, 4/9, Pe = 41/81;
        // kappa = (63/81 - 41/81) / (40/81) = 22/40 = 0.55.
        var kappa = AgreementCalculator.FleissKappa(new[,] { { 3, 0 }, { 0, 3 }, { 2, 1 } });

        kappa!.Value.ShouldBe(0.55, 1e-12);
    }

    [Fact]
    public void FleissKappa_UnequalRaterCounts_Throws()
    {
        Should.Throw<StudioValidationException>(() => AgreementCalculator.FleissKappa(new[,] { { 3, 0 }, { 1, 1 } }));
    }

    // Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011), the example with four
    // observers, twelve units and missing values; rows here are units, columns observers A-D.
    private static readonly double?[][] PaperData =
    [
        [1, 1, null, 1],
        [2, 2, 3, 2],
        [3, 3, 3, 3],
        [3, 3, 3, 3],
        [2, 2, 2, 2],
        [1, 2, 3, 4],
        [4, 4, 4, 4],
        [1, 1, 2, 1],
        [2, 2, 2, 2],
        [null, 5, 5, 5],
        [null, null, 1, 1],
        [null, 3, null, null],
    ];

    [Theory]
    [InlineData(MeasurementLevel.Nominal, 0.743)]
    [InlineData(MeasurementLevel.Ordinal, 0.815)]
    [InlineData(MeasurementLevel.Interval, 0.849)]
    public void KrippendorffAlpha_PaperExample_MatchesPublishedValues(MeasurementLevel level, double published)
    {
        var alpha = AgreementCalculator.KrippendorffAlpha(PaperData.Select(r => (IReadOnlyList<double?>)r).ToList(), level);

        alpha!.Value.ShouldBe(published, 0.0005);
    }

    [Fact]
    public void KrippendorffAlpha_SmallNominal_MatchesHandComputation()
    {
        // Units [a,a] [a,b] [b,b]: o_aa = 2, o_ab = o_ba = 1, o_bb = 2; n_a = n_b = 3, n = 6.
        // alpha = 1 - (n-1) * (o_ab + o_ba) / (2 * n_a * n_b) = 1 - 5*2/18 = 4/9.
        IReadOnlyList<IReadOnlyList<string?>> data = [["a", "a"], ["a", "b"], ["b", "b"]];

        AgreementCalculator.KrippendorffAlpha(data, MeasurementLevel.Nominal)!.Value.ShouldBe(4.0 / 9, 1e-12);
    }

    [Fact]
    public void KrippendorffAlpha_SmallInterval_MatchesHandComputation()
    {
        // Units [1,1] [1,2] [2,3]: o_11 = 2, o_12 = o_21 = 1, o_23 = o_32 = 1; n_1 = 3, n_2 = 2, n_3 = 1, n = 6.
        // Observed sum o*d^2 = 4; expected sum n_c*n_k*d^2 = 2*(3*2*1 + 3*1*4 + 2*1*1) = 40.
        // alpha = 1 - 5*4/40 = 0.5.
        IReadOnlyList<IReadOnlyList<string?>> data = [["1", "1"], ["1", "2"], ["2", "3"]];

        AgreementCalculator.KrippendorffAlpha(data, MeasurementLevel.Interval)!.Value.ShouldBe(0.5, 1e-12);
    }

    [Fact]
    public void KrippendorffAlpha_OrdinalLabelsWithoutOrder_Throws()
    {
        IReadOnlyList<IReadOnlyList<string?>> data = [["low", "high"]];

        Should.Throw<StudioValidationException>(() => AgreementCalculator.KrippendorffAlpha(data, MeasurementLevel.Ordinal));
    }

    [Theory]
    [InlineData(-0.1, AgreementBand.Poor)]
    [InlineData(0.0, AgreementBand.Slight)]
    [InlineData(0.20, AgreementBand.Slight)]
    [InlineData(0.21, AgreementBand.Fair)]
    [InlineData(0.40, AgreementBand.Fair)]
    [InlineData(0.41, AgreementBand.Moderate)]
    [InlineData(0.61, AgreementBand.Substantial)]
    [InlineData(0.80, AgreementBand.Substantial)]
    [InlineData(0.81, AgreementBand.AlmostPerfect)]
    [InlineData(1.0, AgreementBand.AlmostPerfect)]
    public void Interpret_LandisKochBands_AreApplied(double value, AgreementBand expected)
    {
        AgreementCalculator.Interpret(value).ShouldBe(expected);
    }

    [Theory]
    [InlineData(0.800, AlphaReliability.Reliable)]
    [InlineData(0.799, AlphaReliability.Tentative)]
    [InlineData(0.667, AlphaReliability.Tentative)]
    [InlineData(0.666, AlphaReliability.Unreliable)]
    public void InterpretAlpha_Thresholds_AreApplied(double value, AlphaReliability expected)
    {
        AgreementCalculator.InterpretAlpha(value).ShouldBe(expected);
    }

    [Fact]
    public void Summarize_TwoRatersAndOneOccasional_GivesPairFigures()
    {
        // r1/r2 on four items: (x,x) (x,y) (y,y) (y,y), kappa 0.5 as computed above.
        // r3 labeled one item, so its pairs have one item each and no defined kappa.
        AgreementRating[] ratings =
        [
            new("1", "r1", "x"), new("1", "r2", "x"), new("1", "r3", "x"),
            new("2", "r1", "x"), new("2", "r2", "y"),
            new("3", "r1", "y"), new("3", "r2", "y"),
            new("4", "r1", "y"), new("4", "r2", "y"),
        ];

        var summary = AgreementCalculator.Summarize(ratings);

        summary.Items.ShouldBe(4);
        summary.Raters.ShouldBe(3);
        summary.Ratings.ShouldBe(9);
        summary.FleissKappa.ShouldBeNull();
        var pair = summary.Pairs.Single(p => p.RaterA == "r1" && p.RaterB == "r2");
        pair.SharedItems.ShouldBe(4);
        pair.ObservedAgreement.ShouldBe(0.75);
        pair.Kappa!.Value.ShouldBe(0.5, 1e-12);
        pair.Band.ShouldBe(AgreementBand.Moderate);
        summary.Pairs.Single(p => p.RaterA == "r1" && p.RaterB == "r3").Kappa.ShouldBeNull();
    }

    [Fact]
    public void Summarize_EqualRatersPerItem_GivesFleissAndAlpha()
    {
        // Same as the small Fleiss table: items [x,x,x] [y,y,y] [x,x,y] -> 0.55.
        // Alpha (nominal): item a gives o_xx = 6 pairs / 2 = 3, item b o_yy = 3, item c o_xx = 2/2 = 1
        // and o_xy = o_yx = 2/2 = 1. n_x = 5, n_y = 4, n = 9.
        // alpha = 1 - 8 * 2 / (2 * 5 * 4) = 1 - 16/40 = 0.6.
        AgreementRating[] ratings =
        [
            new("a", "r1", "x"), new("a", "r2", "x"), new("a", "r3", "x"),
            new("b", "r1", "y"), new("b", "r2", "y"), new("b", "r3", "y"),
            new("c", "r1", "x"), new("c", "r2", "x"), new("c", "r3", "y"),
        ];

        var summary = AgreementCalculator.Summarize(ratings);

        summary.FleissKappa!.Value.ShouldBe(0.55, 1e-12);
        summary.FleissBand.ShouldBe(AgreementBand.Moderate);
        summary.KrippendorffAlpha!.Value.ShouldBe(0.6, 1e-12);
        summary.AlphaReliability.ShouldBe(AlphaReliability.Unreliable);
        summary.Pairs.Count.ShouldBe(3);
    }
}
