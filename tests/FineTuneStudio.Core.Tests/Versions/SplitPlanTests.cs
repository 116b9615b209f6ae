using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Versions;

namespace FineTuneStudio.Core.Tests.Versions;

public class SplitPlanTests
{
    /// <summary>
    /// The rule written out the direct way, holding every example: within each label the pinned ones count toward
    /// their split, then validation and test are filled from the rest by ascending shuffle key, then id.
    /// </summary>
    private static Dictionary<int, SplitPin> Reference(IReadOnlyList<SplitItem> items, double validation, double test, int seed)
    {
        var result = new Dictionary<int, SplitPin>();
        foreach (var group in items.GroupBy(i => i.Label ?? "", StringComparer.Ordinal))
        {
            var n = group.Count();
            var validationLeft = Math.Max(0, (int)Math.Round(n * validation, MidpointRounding.AwayFromZero) - group.Count(i => i.Pin == SplitPin.Validation));
            var testLeft = Math.Max(0, (int)Math.Round(n * test, MidpointRounding.AwayFromZero) - group.Count(i => i.Pin == SplitPin.Test));
            foreach (var item in group.Where(i => i.Pin != SplitPin.Auto))
            {
                result[item.ExampleId] = item.Pin;
            }

            foreach (var item in group.Where(i => i.Pin == SplitPin.Auto).OrderBy(i => DatasetSplitter.ShuffleKey(seed, i.ExampleId)).ThenBy(i => i.ExampleId))
            {
                result[item.ExampleId] = validationLeft-- > 0 ? SplitPin.Validation : testLeft-- > 0 ? SplitPin.Test : SplitPin.Train;
            }
        }

        return result;
    }

    [Theory]
    [InlineData(1, 0.1, 0.0)]
    [InlineData(7, 0.15, 0.05)]
    [InlineData(42, 0.3, 0.2)]
    [InlineData(3, 0.0, 0.25)]
    public void Split_ManyLabelsAndPins_MatchesTheRuleWrittenOutDirectly(int seed, double validation, double test)
    {
        var random = new Random(seed);
        var labels = new[] { null, "low", "medium", "high", "a-rare-one" };
        var items = Enumerable.Range(1, 3000).Where(_ => random.Next(4) > 0)
            .Select(id => new SplitItem(id, labels[random.Next(id % 97 == 0 ? 5 : 4)],
                random.Next(20) switch { 0 => SplitPin.Validation, 1 => SplitPin.Test, 2 => SplitPin.Train, _ => SplitPin.Auto }))
            .ToList();

        var result = DatasetSplitter.Split(items, new SplitSettings(validation, test, seed));

        result.Assignments.OrderBy(p => p.Key).ShouldBe(Reference(items, validation, test, seed).OrderBy(p => p.Key));
    }

    [Fact]
    public void Plan_CountsPerLabel_FollowTheRoundedShares()
    {
        // Label "a": 25 examples, 2 pinned to validation; 20% → round(5) = 5 validation, so 3 drawn; 10% → round(2.5) = 3 test.
        // Label "b": 5 examples; 20% → 1 validation; 10% → round(0.5) = 1 test (half rounds away from zero).
        var plan = new SplitPlan(0.2, 0.1, 42);
        var items = Enumerable.Range(1, 25).Select(i => (Id: i, Label: "a", Pin: i <= 2 ? SplitPin.Validation : SplitPin.Auto))
            .Concat(Enumerable.Range(26, 5).Select(i => (Id: i, Label: "b", Pin: SplitPin.Auto))).ToList();
        items.ForEach(i => plan.Count(i.Label, i.Pin));
        plan.StartDrawing();
        items.ForEach(i => plan.Offer(i.Id, i.Label, i.Pin).ShouldBeTrue());
        plan.Offer(99, "never counted", SplitPin.Auto).ShouldBeFalse();
        plan.FinishDrawing();

        plan.CountsOf("a").ShouldBe(new SplitCounts(17, 5, 3));
        plan.CountsOf("b").ShouldBe(new SplitCounts(3, 1, 1));
        plan.Totals.ShouldBe(new SplitCounts(20, 6, 4));
        items.Select(i => plan.Assign(i.Id, i.Pin)).Count(s => s == SplitPin.Validation).ShouldBe(6);
    }
}
