using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Tests.Support;
using FineTuneStudio.Core.Training;
using FineTuneStudio.Core.Versions;

namespace FineTuneStudio.Core.Tests.Versions;

/// <summary>The cut form's estimate: examples the filters select, the training share, measured tokens, epochs and price.</summary>
public sealed class CutEstimatesTests
{
    [Fact]
    public async Task EstimateAsync_PricesTheTrainingShareOnMeasuredTokens_WithTheEpochHeuristic()
    {
        await using var database = await TestDatabase.CreateAsync();
        var seed = new Seed(database);
        var dataset = await seed.DatasetAsync("Greetings", "Replies");
        // Each "hello" -> "world" chat is 3+1+1 + 3+1+1 + 3 = 13 tokens (o200k_base, as the cookbook counts them).
        await seed.ExamplesAsync(dataset.DatasetId, ExampleStatus.Approved, Enumerable.Range(0, 20).Select(_ => Seed.Chat("hello", "world")));
        // Not selected by "approved only": a long draft.
        await seed.ExampleAsync(dataset.DatasetId, ExampleStatus.Draft, Seed.Chat(string.Join(' ', Enumerable.Repeat("long ticket text", 400)), "world"));
        var estimates = new CutEstimates(database);

        var estimate = await estimates.EstimateAsync(dataset.DatasetId, TrainingTargets.OpenAiChat, CutStatusFilter.Approved, [], 0.1, 0, default);

        // 20 selected, 2 held for validation, 18 to train; 18 × 3 = 54 < 100 examples, so 100 / 18 = 5 epochs.
        (estimate.Examples, estimate.TrainExamples, estimate.MeanTokens, estimate.Sampled).ShouldBe((20, 18, 13, 20));
        estimate.Cost.Epochs.ShouldBe(5);
        estimate.Cost.ChargedTokens.ShouldBe(13L * 18 * 5);
        var price = TrainingTargets.OpenAiChatProfile.PricePerMillionTrainingTokens!.Value;
        estimate.Cost.EstimatedCost.ShouldBe(Math.Round(1170m * price / 1_000_000m, 2, MidpointRounding.AwayFromZero));

        var all = await estimates.EstimateAsync(dataset.DatasetId, TrainingTargets.OpenAiChat, CutStatusFilter.All, [], 0, 0, default);
        all.Examples.ShouldBe(21, "all but rejected takes the draft too");
        all.MeanTokens!.Value.ShouldBeGreaterThan(13);

        var none = await estimates.EstimateAsync(dataset.DatasetId, TrainingTargets.OpenAiChat, CutStatusFilter.Approved, ["no-such-tag"], 0.1, 0, default);
        (none.Examples, none.MeanTokens).ShouldBe((0, null));
    }

    [Fact]
    public async Task EstimateAsync_ExamplesAnEvalSetHolds_AreCountedOutOfTheTrainingShare()
    {
        await using var database = await TestDatabase.CreateAsync();
        var seed = new Seed(database);
        var dataset = await seed.DatasetAsync("Tickets", "Replies");
        await seed.ExamplesAsync(dataset.DatasetId, ExampleStatus.Approved, Enumerable.Range(1, 12).Select(i => Seed.Chat($"ticket {i}", "thanks")));
        var sets = new EvalSets(database, TimeProvider.System);
        var set = await sets.CreateSetAsync(dataset.ProjectId, new EvalSetInput("Held out", "", ["exact"]), Actor.System, default);
        // Two of the dataset's own conversations and one nobody wrote.
        await sets.ImportItemsAsync(set.Id, """
            {"id": "a", "input": "ticket 3", "expected": "thanks"}
            {"id": "b", "input": "ticket 7", "expected": "thanks"}
            {"id": "c", "input": "ticket 99", "expected": "thanks"}
            """, "held-out.jsonl", Actor.System, default);

        var estimates = new CutEstimates(database);
        var estimate = await estimates.EstimateAsync(dataset.DatasetId, TrainingTargets.OpenAiChat, CutStatusFilter.Approved, [], 0.1, 0, default);

        // 12 selected, 2 held out, 10 kept: 1 for validation, 9 to train.
        (estimate.Examples, estimate.HeldOut, estimate.TrainExamples).ShouldBe((12, 2, 9));

        // The held-out set is kept between estimates, and found again once the eval items change.
        await sets.ImportItemsAsync(set.Id, """{"id": "d", "input": "ticket 9", "expected": "thanks"}""", "more.jsonl", Actor.System, default);
        (await estimates.EstimateAsync(dataset.DatasetId, TrainingTargets.OpenAiChat, CutStatusFilter.Approved, [], 0.1, 0, default)).HeldOut.ShouldBe(3);
    }
}
