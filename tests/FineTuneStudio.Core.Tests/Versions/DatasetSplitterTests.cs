using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Versions;

namespace FineTuneStudio.Core.Tests.Versions;

public class DatasetSplitterTests
{
    private static List<SplitItem> Items(int count, Func<int, string?> label) =>
        Enumerable.Range(1, count).Select(i => new SplitItem(i, label(i), SplitPin.Auto)).ToList();

    [Fact]
    public void Split_Shares_GiveRoundedCountsPerLabel()
    {
        // 60 "a" + 40 "b"; validation 10%: a → 6, b → 4; test 20%: a → 12, b → 8; train = 100 − 10 − 20 = 70.
        var items = Items(100, i => i <= 60 ? "a" : "b");

        var result = DatasetSplitter.Split(items, new SplitSettings(0.1, 0.2, Seed: 42));

        result.Count(SplitPin.Validation).ShouldBe(10);
        result.Count(SplitPin.Test).ShouldBe(20);
        result.Count(SplitPin.Train).ShouldBe(70);
        result.Ids(SplitPin.Validation).Count(id => id <= 60).ShouldBe(6);
        result.Ids(SplitPin.Test).Count(id => id > 60).ShouldBe(8);
    }

    [Fact]
    public void Split_InputOrder_DoesNotChangeResult()
    {
        var items = Items(50, i => (i % 3).ToString());
        var reversed = Enumerable.Reverse(items).ToList();

        var first = DatasetSplitter.Split(items, new SplitSettings(0.2, 0.1, 7));
        var second = DatasetSplitter.Split(reversed, new SplitSettings(0.2, 0.1, 7));

        second.Assignments.OrderBy(p => p.Key).ShouldBe(first.Assignments.OrderBy(p => p.Key));
    }

    [Fact]
    public void Split_DifferentSeed_ChoosesDifferentValidationItems()
    {
        var items = Items(100, _ => null);

        var one = DatasetSplitter.Split(items, new SplitSettings(0.2, 0, 1)).Ids(SplitPin.Validation);
        var two = DatasetSplitter.Split(items, new SplitSettings(0.2, 0, 2)).Ids(SplitPin.Validation);

        one.Count.ShouldBe(20);
        two.Count.ShouldBe(20);
        one.ShouldNotBe(two);
    }

    [Fact]
    public void Split_PinnedItems_StayAndCountTowardsTheShare()
    {
        var items = Items(10, _ => "x");
        items[0] = items[0] with { Pin = SplitPin.Validation };
        items[1] = items[1] with { Pin = SplitPin.Test };
        items[2] = items[2] with { Pin = SplitPin.Train };

        // 10 × 0.2 = 2 validation: one pinned, so one more is drawn; 10 × 0.1 = 1 test: already pinned.
        var result = DatasetSplitter.Split(items, new SplitSettings(0.2, 0.1, 3));

        result.Assignments[1].ShouldBe(SplitPin.Validation);
        result.Assignments[2].ShouldBe(SplitPin.Test);
        result.Assignments[3].ShouldBe(SplitPin.Train);
        result.Count(SplitPin.Validation).ShouldBe(2);
        result.Count(SplitPin.Test).ShouldBe(1);
        result.Count(SplitPin.Train).ShouldBe(7);
    }

    [Fact]
    public void Split_SharesThatLeaveNoTraining_AreRejected()
    {
        Should.Throw<StudioValidationException>(() => DatasetSplitter.Split(Items(3, _ => null), new SplitSettings(0.5, 0.5, 1)));
    }

    [Fact]
    public void Split_DuplicateId_IsRejected()
    {
        var items = Items(2, _ => null);
        items.Add(items[0]);

        Should.Throw<StudioValidationException>(() => DatasetSplitter.Split(items, new SplitSettings(0.1, 0, 1)));
    }

    [Fact]
    public void ShuffleKey_IsSha256OfSeedColonId()
    {
        // SHA-256("1:1") computed independently with: printf '1:1' | sha256sum
        var expected = Convert.ToUInt64(ShaPrefix, 16);
        DatasetSplitter.ShuffleKey(1, 1).ShouldBe(expected);
    }

    private const string ShaPrefix = "d6b5915c46057bcb";
}
