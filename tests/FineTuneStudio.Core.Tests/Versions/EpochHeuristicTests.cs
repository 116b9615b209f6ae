using FineTuneStudio.Core.Versions;

namespace FineTuneStudio.Core.Tests.Versions;

public class EpochHeuristicTests
{
    [Theory]
    // 5 × 3 = 15 < 100, so min(25, 100 / 5) = 20.
    [InlineData(5, 20)]
    // 33 × 3 = 99 < 100, so min(25, 100 / 33 = 3) = 3.
    [InlineData(33, 3)]
    // 34 × 3 = 102: inside 100..25,000, default 3.
    [InlineData(34, 3)]
    // 8,333 × 3 = 24,999 ≤ 25,000: default 3.
    [InlineData(8333, 3)]
    // 8,334 × 3 = 25,002 > 25,000, so max(1, 25,000 / 8,334 = 2) = 2.
    [InlineData(8334, 2)]
    // 2 × 3 = 6 < 100: 100 / 2 = 50, capped at 25.
    [InlineData(2, 25)]
    [InlineData(0, 0)]
    public void Epochs_ExampleCount_MatchesPublishedRule(int count, int expected)
    {
        EpochHeuristic.Epochs(count).ShouldBe(expected);
    }
}
