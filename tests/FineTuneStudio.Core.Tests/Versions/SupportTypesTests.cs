using System.Text;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Versions;

public class SupportTypesTests
{
    [Fact]
    public async Task Sha256HexAsync_HelloWorld_MatchesSha256sum()
    {
        // printf 'hello world' | sha256sum
        using var stream = new MemoryStream(Encoding.ASCII.GetBytes("hello world"));

        (await FileHasher.Sha256HexAsync(stream)).ShouldBe("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
    }

    [Fact]
    public async Task Sha256HexOfFileAsync_File_ReturnsHashAndLength()
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, "hello world");

            var (hash, bytes) = await FileHasher.Sha256HexOfFileAsync(path);

            hash.ShouldBe("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9");
            bytes.ShouldBe(11);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void TokenStats_FiveValues_InterpolatesPercentiles()
    {
        // Sorted [10, 20, 30, 40, 100]; rank = p × 4. p5 → 0.2 → 10 + 0.2 × 10 = 12; median → 2 → 30;
        // p95 → 3.8 → 40 + 0.8 × 60 = 88.
        var stats = TokenStats.From([100, 30, 10, 40, 20]);

        stats.ShouldBe(new TokenStats(5, 200, 10, 12, 30, 88, 100));
        stats.Mean.ShouldBe(40);
    }

    [Fact]
    public void TrainingCostEstimate_For_CapsEachExampleAndMultipliesByEpochs()
    {
        var target = TrainingTargets.OpenAiChatProfile with { TokenLimitPerExample = 100, PricePerMillionTrainingTokens = 25m };

        // 40 examples (3 epochs by default: 40 × 3 = 120 ≥ 100); 20 × 50 + 20 × 300 capped at 100 = 1,000 + 2,000 = 3,000 billed.
        var estimate = TrainingCostEstimate.For(Enumerable.Repeat(50, 20).Concat(Enumerable.Repeat(300, 20)), target);

        estimate.Epochs.ShouldBe(3);
        estimate.BilledTokens.ShouldBe(3_000);
        estimate.ChargedTokens.ShouldBe(9_000);
        // 9,000 × $25 / 1,000,000 = $0.225 → $0.23 (half away from zero).
        estimate.EstimatedCost.ShouldBe(0.23m);
    }

    [Fact]
    public void TrainingTargets_OpenAiProfiles_CarryTheWindDownNotice()
    {
        foreach (var target in TrainingTargets.All)
        {
            if (target.IsOpenAi)
            {
                target.Status.ShouldBe(TargetStatus.WindingDown);
                target.NewJobsEndOn.ShouldBe(new DateOnly(2027, 1, 6));
                target.Notice.ShouldNotBeNull().ShouldContain("6 January 2027");
                target.PriceNote.ShouldContain("edit to your contract");
            }
            else
            {
                target.Status.ShouldBe(TargetStatus.Available);
                target.Notice.ShouldBeNull();
            }
        }

        TrainingTargets.All.Select(t => t.Key).ShouldBe(
            ["openai-chat", "openai-dpo", "hf-messages", "hf-prompt-completion", "hf-preference", "axolotl-chat", "vertex-gemini", "bedrock-claude", "bedrock-nova"]);
    }

    [Fact]
    public void TrainingTargets_Get_UnknownKeyIsAValidationError()
    {
        TrainingTargets.Get("OPENAI-CHAT").ShouldBeSameAs(TrainingTargets.OpenAiChatProfile);
        Should.Throw<StudioValidationException>(() => TrainingTargets.Get("gpt-2")).Errors[0].Field.ShouldBe("target");
    }
}
