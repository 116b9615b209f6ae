using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Training;
using YamlDotNet.RepresentationModel;

namespace FineTuneStudio.Core.Tests.Versions;

public class ManifestAndCardTests
{
    private static DatasetManifest Sample() => new(
        VersionNumber: 3,
        DatasetName: "Ticket urgency",
        Target: TrainingTargets.OpenAiChat,
        TargetDisplayName: TrainingTargets.OpenAiChatProfile.DisplayName,
        Note: "Adds the March tickets.",
        Filters: new Dictionary<string, string> { ["status"] = "Approved", ["language"] = "en" },
        Seed: 42,
        ValidationShare: 0.1,
        TestShare: 0,
        Counts: new SplitCounts(9, 1, 0),
        CountsPerLabel: new Dictionary<string, SplitCounts> { ["low"] = new(5, 1, 0), ["high"] = new(4, 0, 0) },
        Tokens: new SplitTokenStats(new TokenStats(9, 900, 50, 54, 100, 146, 150), new TokenStats(1, 80, 80, 80, 80, 80, 80), TokenStats.Empty),
        // 9 examples → min(25, 100 / 9 = 11) = 11 epochs; 900 × 11 = 9,900 charged; × $3 / 1M = $0.0297 → $0.03.
        Cost: TrainingCostEstimate.From(900, 11, 3.00m),
        PriceNote: TrainingTargets.ExamplePriceNote,
        TargetNotice: TrainingTargets.OpenAiChatProfile.Notice,
        Files: [new ManifestFile("train.jsonl", "train", new string('a', 64), 1234, 9), new ManifestFile("validation.jsonl", "validation", new string('b', 64), 120, 1)],
        ExampleIds: new SplitExampleIds([9, 1, 2, 3, 4, 5, 6, 7, 8], [10], []),
        ExcludedAsEvalItems: 2,
        Author: "Dana",
        CreatedAtUtc: new DateTime(2026, 3, 14, 9, 30, 0, DateTimeKind.Utc),
        AppVersion: "0.1.0");

    [Fact]
    public void ToJson_SameManifest_SameTextWithSortedKeysAndIds()
    {
        var first = ManifestWriter.ToJson(Sample());
        var second = ManifestWriter.ToJson(Sample() with { Filters = new Dictionary<string, string> { ["language"] = "en", ["status"] = "Approved" } });

        second.ShouldBe(first);
        first.ShouldNotContain("\r");
        first.ShouldEndWith("}\n");
        first.IndexOf("\"language\"", StringComparison.Ordinal).ShouldBeLessThan(first.IndexOf("\"status\"", StringComparison.Ordinal));
    }

    [Fact]
    public void ToJson_Fields_ReadBackAsWritten()
    {
        using var doc = JsonDocument.Parse(ManifestWriter.ToJson(Sample()));
        var root = doc.RootElement;

        root.GetProperty("version").GetInt32().ShouldBe(3);
        root.GetProperty("target").GetString().ShouldBe("openai-chat");
        root.GetProperty("split").GetProperty("seed").GetInt32().ShouldBe(42);
        root.GetProperty("counts").GetProperty("total").GetInt32().ShouldBe(10);
        root.GetProperty("cost_estimate").GetProperty("charged_tokens").GetInt64().ShouldBe(9_900);
        root.GetProperty("cost_estimate").GetProperty("estimated_cost").GetDecimal().ShouldBe(0.03m);
        root.GetProperty("example_ids").GetProperty("train").EnumerateArray().Select(e => e.GetInt32()).ShouldBe([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        root.GetProperty("files")[0].GetProperty("sha256").GetString().ShouldBe(new string('a', 64));
        root.GetProperty("created_at").GetString().ShouldBe("2026-03-14T09:30:00Z");
        root.GetProperty("target_notice").GetString()!.ShouldContain("6 January 2027");
    }

    [Fact]
    public async Task WriteAsync_Stream_MatchesToJsonBytesWithoutBom()
    {
        using var stream = new MemoryStream();
        await ManifestWriter.WriteAsync(Sample(), stream);

        stream.ToArray().ShouldBe(new UTF8Encoding(false).GetBytes(ManifestWriter.ToJson(Sample())));
    }

    [Fact]
    public void ToMarkdown_Card_StatesCountsCostHashesAndNotice()
    {
        var card = DatasetCardWriter.ToMarkdown(Sample());

        card[(card.IndexOf("\n---\n\n", StringComparison.Ordinal) + 6)..].ShouldStartWith("# Ticket urgency — version 3\n");
        card.ShouldContain("| **total** | **10** |");
        card.ShouldContain("about **$0.03**");
        card.ShouldContain("| train.jsonl | train | 9 | 1,234 | `" + new string('a', 64) + "` |");
        card.ShouldContain("2 examples were left out");
        card.ShouldContain("> **Note:** OpenAI is winding down");
        card.ShouldContain("| low | 5 | 1 | 0 |");
        card.ShouldBe(DatasetCardWriter.ToMarkdown(Sample()));
    }

    [Fact]
    public void ToMarkdown_StartsWithAHubCardBlock_WhoseConfigNamesTheSplitFilesOnly()
    {
        // A name YAML would misread unquoted: a colon, a hash, quotes and an accent.
        var manifest = Sample() with
        {
            DatasetName = "Tickets: \"EU\" #2 café",
            Files = [.. Sample().Files, new ManifestFile("recipe-trl.py", TrainerRecipes.Split, new string('c', 64), 900, 30)],
        };

        var card = DatasetCardWriter.ToMarkdown(manifest);

        card.ShouldStartWith("---\n");
        var block = card[4..card.IndexOf("\n---\n\n", StringComparison.Ordinal)];
        var yaml = new YamlStream();
        yaml.Load(new StringReader(block));
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        ((YamlScalarNode)root["pretty_name"]).Value.ShouldBe("Tickets: \"EU\" #2 café, version 3");
        ((YamlSequenceNode)root["size_categories"]).Children.Select(c => ((YamlScalarNode)c).Value).ShouldBe(["n<1K"]);
        var config = (YamlMappingNode)((YamlSequenceNode)root["configs"]).Children.Single();
        ((YamlScalarNode)config["config_name"]).Value.ShouldBe("default");
        ((YamlSequenceNode)config["data_files"]).Children.Cast<YamlMappingNode>()
            .Select(f => (((YamlScalarNode)f["split"]).Value, ((YamlScalarNode)f["path"]).Value))
            .ShouldBe([("train", "train.jsonl"), ("validation", "validation.jsonl")]);

        // The version page shows the card without the block.
        var html = MarkdownHtml.ToSafeHtml(card);
        html.ShouldNotContain("config_name");
        html.ShouldContain("<h1");
    }

    [Fact]
    public void ToMarkdown_SelfHostedTarget_HasNoPriceSentenceOrNotice()
    {
        var manifest = Sample() with
        {
            Target = TrainingTargets.HfMessages,
            Cost = TrainingCostEstimate.From(900, 11, null),
            PriceNote = TrainingTargets.HfMessagesProfile.PriceNote,
            TargetNotice = null,
        };

        var card = DatasetCardWriter.ToMarkdown(manifest);

        card.ShouldNotContain("per million tokens that is");
        card.ShouldNotContain("**Note:**");
    }
}
