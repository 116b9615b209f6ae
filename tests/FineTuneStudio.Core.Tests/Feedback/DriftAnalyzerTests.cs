using FineTuneStudio.Core.Feedback;

namespace FineTuneStudio.Core.Tests.Feedback;

public class DriftAnalyzerTests
{
    private static readonly DateTime Monday = new(2026, 3, 2, 0, 0, 0, DateTimeKind.Utc);

    // Training tickets: billing and login problems, each with its own details so they are distinct texts.
    private static string TrainingTicket(int i) => (i % 2) switch
    {
        0 => $"my invoice number {i} shows a double charge on the card please refund the billing error",
        _ => $"i cannot log in to account {i} the password reset email never arrives please help",
    };

    // The same two templates with other numbers: drawn from the training distribution.
    private static string SameTicket(int i) => TrainingTicket(i + 100_000);

    // A new topic the training data never saw: shipping damage, in other words and longer.
    private static string ShiftedTicket(int i) =>
        $"parcel {i} arrived crushed and soaked the courier left it outside in heavy rain and the warehouse will not answer our calls about a replacement shipment";

    private static DriftAnalyzer Trained(DriftOptions? options = null)
    {
        // One token per word keeps token figures checkable by hand.
        var analyzer = new DriftAnalyzer(options ?? new DriftOptions { MinLogsPerAlertWeek = 10 }, t => t.Split(' ').Length);
        for (var i = 0; i < 200; i++)
        {
            analyzer.AddTraining(TrainingTicket(i), i % 2 == 0 ? "billing" : "login");
        }

        return analyzer;
    }

    [Fact]
    public void Analyze_LogsFromTheTrainingDistribution_NoAlert()
    {
        var analyzer = Trained();
        for (var i = 0; i < 100; i++)
        {
            analyzer.AddLog(i, Monday.AddHours(i), SameTicket(i), i % 2 == 0 ? "billing" : "login");
        }

        var report = analyzer.Analyze();

        report.Alert.ShouldBeFalse(report.AlertReason);
        report.Figures.ShouldAllBe(f => f.Value <= 0.1);
        report.NoNeighbourShare.ShouldBe(0);
        report.LabelShift.ShouldBe(0);
        report.Clusters.ShouldBeEmpty();
        report.Weeks.ShouldAllBe(w => !w.Alert);
    }

    [Fact]
    public void Analyze_ShiftedLogsInTheSecondWeek_AlertsOnEveryFigureAndThatWeek()
    {
        var analyzer = Trained();
        for (var i = 0; i < 40; i++)
        {
            analyzer.AddLog(i, Monday.AddHours(i), SameTicket(i), "billing");
        }

        for (var i = 0; i < 60; i++)
        {
            analyzer.AddLog(1000 + i, Monday.AddDays(7).AddHours(i), ShiftedTicket(i), "shipping");
        }

        var report = analyzer.Analyze();

        report.Alert.ShouldBeTrue();
        // Training: 16 words (billing) and 15 words (login); shifted tickets have 26 words.
        // At 16 words the training CDF is 1 and the logs' is 40/100: D = 0.6. Median (15 + 16) / 2 = 15.5.
        report.Tokens.KsStatistic.ShouldBe(0.6, 1e-9);
        report.Tokens.Training.Median.ShouldBe(15.5);
        report.Tokens.Logs.P95.ShouldBe(26);
        report.NoNeighbourShare.ShouldBe(0.6, 1e-9);
        report.Figures.Single(f => f.Key == "neighbours.excess").Alert.ShouldBeTrue();
        report.Figures.Single(f => f.Key == "terms.unseen").Alert.ShouldBeTrue();
        report.Figures.Single(f => f.Key == "terms.js").Alert.ShouldBeTrue();
        // Labels: training 50/50 billing/login; logs 40 % billing, 60 % shipping.
        // TVD = (|0.5-0.4| + |0.5-0| + |0-0.6|) / 2 = 0.6.
        report.LabelShift!.Value.ShouldBe(0.6, 1e-9);
        report.Weeks.Select(w => (w.WeekStart, w.Logs, w.Alert)).ShouldBe([(Monday, 40, false), (Monday.AddDays(7), 60, true)]);
        report.NoNeighbourLogIds.ShouldBe(Enumerable.Range(1000, 60).Select(i => (long)i), ignoreOrder: true);
        // The 60 shifted tickets share most word pairs with each other: one cluster of a new topic.
        report.Clusters.Single().Size.ShouldBe(60);
        report.AlertReason!.ShouldContain("Input length shift (KS, tokens) 0.60 > 0.25");
    }

    [Fact]
    public void JensenShannon_TinyCase_MatchesHandComputation()
    {
        // P = {a: 1/2, b: 1/2}, Q = {a: 1}; M = {a: 3/4, b: 1/4}.
        // KL(P||M) = 1/2·log2((1/2)/(3/4)) + 1/2·log2((1/2)/(1/4)) = 1/2·(-0.5849625) + 1/2·1 = 0.2075187
        // KL(Q||M) = 1·log2(1/(3/4)) = 0.4150375
        // JS = (0.2075187 + 0.4150375) / 2 = 0.3112781
        var p = new Dictionary<string, long> { ["a"] = 1, ["b"] = 1 };
        var q = new Dictionary<string, long> { ["a"] = 3 };

        DriftAnalyzer.JensenShannon(p, 2, q, 3).ShouldBe(0.3112781, 1e-6);
        DriftAnalyzer.JensenShannon(p, 2, p, 2).ShouldBe(0);
        DriftAnalyzer.JensenShannon(new Dictionary<string, long> { ["x"] = 1 }, 1, q, 3).ShouldBe(1, 1e-12);
    }

    [Fact]
    public void Ks_And_Stats_SmallSamples_MatchHandComputation()
    {
        // a = 1 2 3 4, b = 3 4 5 6: at 2, F_a = 0.5 and F_b = 0 → D = 0.5.
        DriftAnalyzer.Ks([1, 2, 3, 4], [3, 4, 5, 6]).ShouldBe(0.5);
        // 20 values 1..20: mean 10.5, median (10+11)/2 = 10.5, p95 = value at rank ceil(19) = 19.
        DriftAnalyzer.Stats(Enumerable.Range(1, 20).ToArray()).ShouldBe(new LengthStats(20, 10.5, 10.5, 19));
    }

    [Fact]
    public void WeekStart_Sunday_IsPreviousMonday()
    {
        DriftAnalyzer.WeekStart(new DateTime(2026, 3, 8, 23, 59, 0, DateTimeKind.Utc)).ShouldBe(Monday);
        DriftAnalyzer.WeekStart(Monday.AddHours(1)).ShouldBe(Monday);
    }
}
