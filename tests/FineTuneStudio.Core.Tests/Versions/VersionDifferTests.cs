using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Versions;

namespace FineTuneStudio.Core.Tests.Versions;

public class VersionDifferTests
{
    private static VersionSnapshot Snapshot(params VersionEntry[] entries) => new(entries, Epochs: 3, TokenLimitPerExample: 1_000, PricePerMillionTokens: 10m);

    [Fact]
    public void Diff_AddedRemovedChangedMoved_AreEachListed()
    {
        var older = Snapshot(
            new(1, SplitPin.Train, "a", 100),
            new(2, SplitPin.Train, "b", 200),
            new(3, SplitPin.Validation, "c", 300),
            new(4, SplitPin.Train, "d", 400));
        var newer = Snapshot(
            new(1, SplitPin.Train, "a", 100),
            new(2, SplitPin.Train, "B2", 250),
            new(3, SplitPin.Train, "c", 300),
            new(5, SplitPin.Train, "e", 500));

        var diff = VersionDiffer.Diff(older, newer);

        diff.Added.ShouldBe([5]);
        diff.Removed.ShouldBe([4]);
        diff.Changed.ShouldBe([2]);
        diff.Moved.ShouldBe([new SplitMove(3, SplitPin.Validation, SplitPin.Train)]);
        diff.Unchanged.ShouldBe(1);
        // All tokens: old 100+200+300+400 = 1000, new 100+250+300+500 = 1150 → +150.
        diff.TokenDelta.ShouldBe(150);
        // Train tokens: old 100+200+400 = 700, new 100+250+300+500 = 1150 → +450; charged × 3 epochs = +1350.
        diff.TrainTokenDelta.ShouldBe(450);
        diff.ChargedTokenDelta.ShouldBe(1350);
        // Cost: old 2100 × $10 / 1M = $0.021 → $0.02; new 3450 → $0.0345 → $0.03; delta $0.01.
        diff.CostDelta.ShouldBe(0.01m);
    }

    [Fact]
    public void Diff_WithManifestTotals_UsesThemInsteadOfEntryTokens()
    {
        var older = new VersionSnapshot([new(1, SplitPin.Train, "a", 0), new(2, SplitPin.Validation, "b", 0)], Epochs: 3, TokenLimitPerExample: 1_000,
            PricePerMillionTokens: 10m, Totals: new VersionTokenTotals(Tokens: 5_000, TrainTokens: 4_000, TrainBilledTokens: 3_500));
        var newer = new VersionSnapshot([new(1, SplitPin.Train, "a", 0), new(2, SplitPin.Validation, "b", 0), new(3, SplitPin.Train, "c", 0)], Epochs: 3,
            TokenLimitPerExample: 1_000, PricePerMillionTokens: 10m, Totals: new VersionTokenTotals(Tokens: 7_000, TrainTokens: 6_000, TrainBilledTokens: 5_000));

        var diff = VersionDiffer.Diff(older, newer);

        diff.Added.ShouldBe([3]);
        diff.TokenDelta.ShouldBe(2_000);
        diff.TrainTokenDelta.ShouldBe(2_000);
        // Charged: (5,000 − 3,500) billed × 3 epochs = 4,500; cost 15,000 × $10 / 1M = $0.15 against 10,500 → $0.105 ≈ $0.11: delta $0.04.
        diff.ChargedTokenDelta.ShouldBe(4_500);
        diff.CostDelta.ShouldBe(0.04m);
    }

    [Fact]
    public void Diff_SameVersion_IsEmpty()
    {
        var version = Snapshot(new VersionEntry(1, SplitPin.Train, "a", 10), new(2, SplitPin.Test, "b", 20));

        var diff = VersionDiffer.Diff(version, version);

        diff.IsEmpty.ShouldBeTrue();
        diff.Unchanged.ShouldBe(2);
        diff.TokenDelta.ShouldBe(0);
        diff.CostDelta.ShouldBe(0m);
    }

    [Fact]
    public void Diff_ChangedAndMoved_AppearsInBoth()
    {
        var diff = VersionDiffer.Diff(Snapshot(new VersionEntry(1, SplitPin.Train, "a", 10)), Snapshot(new VersionEntry(1, SplitPin.Test, "z", 10)));

        diff.Changed.ShouldBe([1]);
        diff.Moved.ShouldHaveSingleItem().To.ShouldBe(SplitPin.Test);
        diff.Unchanged.ShouldBe(0);
    }

    [Fact]
    public void Diff_TokensAboveLimit_AreCappedInCost()
    {
        // Limit 1000: the 5000-token example bills 1000; × 3 epochs = 3000 charged.
        var diff = VersionDiffer.Diff(Snapshot(), Snapshot(new VersionEntry(1, SplitPin.Train, "a", 5_000)));

        diff.ChargedTokenDelta.ShouldBe(3_000);
        diff.TokenDelta.ShouldBe(5_000);
    }

    [Fact]
    public void Diff_NoPrice_HasNoCostDelta()
    {
        var older = new VersionSnapshot([], 3, 100, null);

        VersionDiffer.Diff(older, older).CostDelta.ShouldBeNull();
    }
}
