using FineTuneStudio.Core.Versions;

namespace FineTuneStudio.Core.Tests.Versions;

public class TokenHistogramTests
{
    [Fact]
    public void ToStats_HandComputedFile_GivesExactPercentilesAndBilledTokens()
    {
        // Sorted: 10, 20, 20, 30, 100 (n = 5). p5: rank 0.2 → 10 + 0.2 × 10 = 12; median: rank 2 → 20;
        // p95: rank 3.8 → 30 + 0.8 × 70 = 86. Billed at a limit of 50: 10 + 20 + 20 + 30 + 50 = 130.
        var histogram = new TokenHistogram();
        foreach (var tokens in new[] { 30, 100, 20, 10, 20 })
        {
            histogram.Add(tokens);
        }

        histogram.ToStats().ShouldBe(new TokenStats(5, 180, 10, 12, 20, 86, 100));
        histogram.SumBilled(50).ShouldBe(130);
    }

    [Fact]
    public void ToStats_ManyExamples_EqualsTheSortedListStatistics()
    {
        var random = new Random(5);
        var tokens = Enumerable.Range(0, 20_001).Select(_ => random.Next(1, 400) * random.Next(1, 4)).ToList();
        var histogram = new TokenHistogram();
        tokens.ForEach(histogram.Add);

        histogram.ToStats().ShouldBe(TokenStats.From(tokens.ToList()));
        histogram.SumBilled(300).ShouldBe(tokens.Sum(t => (long)Math.Min(t, 300)));
        new TokenHistogram().ToStats().ShouldBe(TokenStats.Empty);
    }

    [Fact]
    public void FirstLineTable_RemembersTheFirstLineOfEachKeyAcrossGrowth()
    {
        var table = new FirstLineTable();
        for (var line = 1; line <= 10_000; line++)
        {
            // Keys repeat every 3,000 lines; key 0 is a legal key too.
            var key = (ulong)(line % 3000) * 0x9E3779B97F4A7C15UL;
            var first = table.FirstLineOf(key, line);
            first.ShouldBe(line <= 3000 ? 0 : ((line - 1) % 3000) + 1);
        }
    }
}
