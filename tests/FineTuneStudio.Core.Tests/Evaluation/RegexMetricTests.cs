using System.Diagnostics;
using FineTuneStudio.Core.Evaluation;

namespace FineTuneStudio.Core.Tests.Evaluation;

/// <summary>The regex metric runs patterns from uploaded eval sets: a hostile pattern must neither hang scoring nor give a wrong verdict.</summary>
public sealed class RegexMetricTests
{
    // The first branch is catastrophic for a backtracking engine on a run of a's; the second branch matches.
    private const string Hostile = "^(?:(a+)+b|a{30})$";
    private static readonly string ThirtyAs = new('a', 30);

    [Fact]
    public void MatchesPattern_NestedQuantifierThatMatches_IsTrue() =>
        EvalMetrics.MatchesPattern(ThirtyAs, Hostile).ShouldBeTrue();

    [Fact]
    public async Task ScoreAsync_HostilePatternOn200Items_ScoresEveryItemCorrectlyAndQuickly()
    {
        var items = Enumerable.Range(0, 200).Select(i => new ScoringItem($"{i}", Hostile, null, null)).ToList();
        var outputs = items.ToDictionary(i => i.Id, i => (string?)(int.Parse(i.Id) % 2 == 0 ? ThirtyAs : ThirtyAs + "c"));
        var clock = Stopwatch.StartNew();

        var run = await EvalScorer.ScoreAsync(items, outputs, ["regex"]);

        run.Items.Count(s => s.Scores["regex"] == 1).ShouldBe(100);
        // A backtracking engine with a 200 ms budget per item would need 40 s here and still answer wrongly.
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public void MatchesPattern_BackreferenceTheSafeEngineCannotRun_NeverMatches() =>
        EvalMetrics.MatchesPattern("abab", @"^(ab)\1$").ShouldBeFalse();

    [Fact]
    public async Task ScoreAsync_RegexPastTheRunsBudget_IsRefusedNamingTheMetric_NotHalfScored()
    {
        var items = Enumerable.Range(0, 50).Select(i => new ScoringItem($"{i}", "^a+$", null, null)).ToList();
        var outputs = items.ToDictionary(i => i.Id, _ => (string?)ThirtyAs);

        // A zero budget is spent by the first match, as a real one is by a long run of long outputs.
        var refused = await Should.ThrowAsync<StudioValidationException>(() => EvalScorer.ScoreAsync(items, outputs, ["exact", "regex"], TimeSpan.Zero));

        refused.Errors.Single().Field.ShouldBe("metrics");
        refused.Message.ShouldContain("regex metric used up its 0 s budget");
        refused.Message.ShouldContain("after 1 of 50 items");
        (await EvalScorer.ScoreAsync(items, outputs, ["regex"])).Items.ShouldAllBe(s => s.Scores["regex"] == 1);
    }
}
