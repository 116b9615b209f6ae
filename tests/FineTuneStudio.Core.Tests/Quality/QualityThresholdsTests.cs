using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Quality;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Tests.Quality;

public class QualityThresholdsTests
{
    private static QualityInput Chat(int id, string user, string assistant) =>
        new(id, new ExampleContent([new MessageContent(MessageRole.User, user), new MessageContent(MessageRole.Assistant, assistant)]));

    private static ServiceProvider ProviderWith(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddQualityFeature();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void QualitySection_IsBoundToTheThresholds()
    {
        using var provider = ProviderWith(new()
        {
            ["Studio:Quality:NearDuplicateThreshold"] = "0.9",
            ["Studio:Quality:ShingleSize"] = "5",
            ["Studio:Quality:OutlierScore"] = "4",
            ["Studio:Quality:ImbalanceRatio"] = "20",
            ["Studio:Quality:OverRepresentedAnswerShare"] = "0.25",
            ["Studio:Quality:OverRepresentedAnswerMinCount"] = "3",
            ["Studio:Quality:LowAgreementAlpha"] = "0.8",
        });

        provider.GetRequiredService<IOptions<QualityThresholds>>().Value.ShouldBe(new QualityThresholds
        {
            NearDuplicateThreshold = 0.9,
            ShingleSize = 5,
            OutlierScore = 4,
            ImbalanceRatio = 20,
            OverRepresentedAnswerShare = 0.25,
            OverRepresentedAnswerMinCount = 3,
            LowAgreementAlpha = 0.8,
        });
    }

    [Fact]
    public void QualitySection_Missing_GivesTheDocumentedDefaults()
    {
        using var provider = ProviderWith([]);

        var thresholds = provider.GetRequiredService<IOptions<QualityThresholds>>().Value;

        (thresholds.NearDuplicateThreshold, thresholds.ShingleSize, thresholds.OutlierScore, thresholds.ImbalanceRatio).ShouldBe((0.8, 3, 3.5, 10.0));
        (thresholds.OverRepresentedAnswerShare, thresholds.OverRepresentedAnswerMinCount, thresholds.LowAgreementAlpha).ShouldBe((0.05, 5, 0.667));
    }

    [Fact]
    public void QualitySection_OutOfRange_FailsNamingEverySetting()
    {
        using var provider = ProviderWith(new() { ["Studio:Quality:NearDuplicateThreshold"] = "1.5", ["Studio:Quality:ShingleSize"] = "0" });

        var error = Should.Throw<OptionsValidationException>(() => provider.GetRequiredService<IOptions<QualityThresholds>>().Value);

        error.Message.ShouldContain("Studio:Quality:NearDuplicateThreshold");
        error.Message.ShouldContain("Studio:Quality:ShingleSize");
    }

    [Fact]
    public void Analyzer_OutOfRangeThreshold_ThrowsNamingTheSetting()
    {
        var error = Should.Throw<StudioValidationException>(() => new QualityAnalyzer(new QualityOptions { Thresholds = new() { OverRepresentedAnswerShare = 0 } }));

        error.Errors.Single().Field.ShouldBe("Studio:Quality:OverRepresentedAnswerShare");
    }

    [Fact]
    public void Analyze_Report_SaysWhichThresholdsProducedIt()
    {
        var options = new QualityOptions { Thresholds = new() { NearDuplicateThreshold = 0.7, ShingleSize = 2, OutlierScore = 5, LowAgreementAlpha = 0.8 } };

        var report = new QualityAnalyzer(options).Analyze([Chat(1, "a question", "an answer")]);

        report.Thresholds.ShouldBe(new QualityThresholds { NearDuplicateThreshold = 0.7, ShingleSize = 2, OutlierScore = 5, LowAgreementAlpha = 0.8 });
    }

    [Fact]
    public void Analyze_HigherAnswerShareSetting_NoLongerFlagsTheAnswer()
    {
        // 6 of 20 answers are the same text: a share of 0.3. Flagged at the default 0.05, not at 0.5.
        var inputs = Enumerable.Range(1, 6).Select(i => Chat(i, $"question {i}", "Please contact support."))
            .Concat(Enumerable.Range(7, 14).Select(i => Chat(i, $"question {i}", $"answer number {i}"))).ToList();

        new QualityAnalyzer().Analyze(inputs).Find(FindingType.OverRepresentedAnswer)!.Count.ShouldBe(6);
        new QualityAnalyzer(new QualityOptions { Thresholds = new() { OverRepresentedAnswerShare = 0.5 } }).Analyze(inputs).Find(FindingType.OverRepresentedAnswer).ShouldBeNull();
    }

    [Fact]
    public void Describe_Defaults_ReadsAsPeopleWriteThem()
    {
        var described = new QualityThresholds().Describe();

        described.Select(d => d.Key).ShouldBe(["NearDuplicateThreshold", "ShingleSize", "OutlierScore", "ImbalanceRatio", "OverRepresentedAnswerShare", "LowAgreementAlpha"]);
        described[0].Value.ShouldBe("Jaccard similarity ≥ 0.8 (MinHash estimate)");
        described[4].Value.ShouldBe("≥ 5 % of examples and ≥ 5 examples");
    }

    [Fact]
    public async Task AnalyzeWithIds_MoreAffectedThanListed_KeepsEveryAffectedId()
    {
        static async IAsyncEnumerable<QualityInput> Inputs()
        {
            for (var i = 1; i <= 30; i++)
            {
                await Task.Yield();
                yield return Chat(i, $"mail me at user{i}@example.com", "ok");
            }
        }

        var analysis = await new QualityAnalyzer(new QualityOptions { MaxListedIds = 5 }).AnalyzeWithIdsAsync(Inputs());

        analysis.Report.Find(FindingType.PersonalData)!.ExampleIds.Count.ShouldBe(5);
        analysis.ExampleIds[FindingType.PersonalData].ShouldBe(Enumerable.Range(1, 30).ToArray());
    }

    [Fact]
    public void TokenCounter_ForQuality_CountsExactlyAsTheExportCounter()
    {
        var counter = new QualityTokenCounter(TokenCounter.O200k);
        var reference = TokenCounter.O200k;
        ExampleContent[] contents =
        [
            new([new MessageContent(MessageRole.System, "You sort tickets."), new MessageContent(MessageRole.User, "Where is my parcel?"), new MessageContent(MessageRole.Assistant, "It ships today.")]),
            new([new MessageContent(MessageRole.System, "You sort tickets."), new MessageContent(MessageRole.User, "Refund, please!"), new MessageContent(MessageRole.Assistant, "Done.")]),
            new([
                new MessageContent(MessageRole.User, "Weather in Oslo?", Name: "kim"),
                new MessageContent(MessageRole.Assistant, null, ToolCallsJson: """[ { "id": "c1", "type": "function", "function": { "name": "weather", "arguments": "{\"city\":\"Oslo\"}" } } ]"""),
                new MessageContent(MessageRole.Tool, "4 degrees", ToolCallId: "c1"),
                new MessageContent(MessageRole.Assistant, "It is 4 degrees."),
            ]),
            new([new MessageContent(MessageRole.User, "Write a tagline.")], PreferredCompletion: "Fresh bread daily.", RejectedCompletion: "We sell bread."),
        ];

        foreach (var content in contents)
        {
            var expected = reference.CountMessages(content.Messages) + reference.Count(content.PreferredCompletion) + reference.Count(content.RejectedCompletion);
            counter.Count(content).ShouldBe(expected);
            counter.Count(content).ShouldBe(expected);
        }
    }

    [Fact]
    public void TokenCounter_ForQuality_InParallel_CountsAsOneAtATime()
    {
        var contents = QualitySampleGenerator.Generate(2000).Select(i => i.Content).ToArray();
        var counter = new QualityTokenCounter(TokenCounter.O200k);
        var sequential = contents.Select(c => TokenCounter.O200k.CountMessages(c.Messages)).ToArray();

        var parallel = new int[contents.Length];
        Parallel.For(0, contents.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => parallel[i] = counter.Count(contents[i]));

        parallel.ShouldBe(sequential);
    }
}
