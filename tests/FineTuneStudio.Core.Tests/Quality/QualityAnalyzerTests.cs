using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Quality;

namespace FineTuneStudio.Core.Tests.Quality;

public class QualityAnalyzerTests
{
    private const string Prompt = "You answer questions about our shop.";

    private static QualityInput Chat(int id, string user, string assistant, string? system = Prompt, string? label = null, SplitPin split = SplitPin.Auto)
    {
        var messages = new List<MessageContent>();
        if (system is not null)
        {
            messages.Add(new MessageContent(MessageRole.System, system));
        }

        messages.Add(new MessageContent(MessageRole.User, user));
        messages.Add(new MessageContent(MessageRole.Assistant, assistant));
        return new QualityInput(id, new ExampleContent(messages, label), ExampleStatus.Approved, split);
    }

    private static string Words(int count, string stem = "word") => string.Join(' ', Enumerable.Range(1, count).Select(i => $"{stem}{i}"));

    private static QualityReport Analyze(IEnumerable<QualityInput> inputs, QualityOptions? options = null) =>
        new QualityAnalyzer(options).Analyze(inputs);

    [Fact]
    public void Analyze_SameContentWithDifferentSpacing_ReportsExactDuplicate()
    {
        var report = Analyze([Chat(1, "Where is my parcel?", "It ships today."), Chat(2, "Where is  my parcel? ", "It ships today."), Chat(3, "Other question", "Other answer")]);

        var finding = report.Find(FindingType.ExactDuplicate)!;
        finding.Count.ShouldBe(1);
        finding.Groups!.Single().ShouldBe([1, 2]);
        report.Find(FindingType.ConflictingAnswers).ShouldBeNull();
    }

    [Fact]
    public void Analyze_OneWordChangedInLongAnswer_ReportsNearDuplicateOnly()
    {
        // 60 answer words + 3 question words: one changed word alters 3 of about 61 shingles,
        // Jaccard about 58/64 = 0.91, above the 0.8 default.
        var answer = Words(60);
        var changed = answer.Replace("word30 ", "other ", StringComparison.Ordinal);
        var report = Analyze([Chat(1, "tell me more", answer), Chat(2, "tell me more", changed), Chat(3, "unrelated", Words(60, "term"))]);

        report.Find(FindingType.NearDuplicate)!.Groups!.Single().ShouldBe([1, 2]);
        report.Find(FindingType.ExactDuplicate).ShouldBeNull();
    }

    [Fact]
    public void Analyze_HalfTheTextShared_IsNotNearDuplicate()
    {
        var report = Analyze([Chat(1, "q", Words(40) + " " + Words(40, "alpha")), Chat(2, "q", Words(40) + " " + Words(40, "beta"))]);

        report.Find(FindingType.NearDuplicate).ShouldBeNull();
    }

    [Fact]
    public void Analyze_SameInputDifferentAnswers_ReportsConflict()
    {
        var report = Analyze(
        [
            Chat(1, "Can I return shoes?", "Yes, within 30 days."),
            Chat(2, "can I return shoes", "No, shoes are final sale."),
            Chat(3, "Can I return a hat?", "Yes, within 30 days."),
        ]);

        var finding = report.Find(FindingType.ConflictingAnswers)!;
        finding.Groups!.Single().ShouldBe([1, 2]);
        finding.Severity.ShouldBe(FindingSeverity.Error);
    }

    [Fact]
    public void Analyze_SameInputDifferentLabels_ReportsConflict()
    {
        var report = Analyze([Chat(1, "Parcel is late", "ok", label: "delivery"), Chat(2, "Parcel is late", "ok", label: "billing")]);

        report.Find(FindingType.ConflictingAnswers)!.Count.ShouldBe(2);
    }

    [Fact]
    public void Analyze_PromptVariants_ReportsDriftAndMissingPrompt()
    {
        var report = Analyze(
        [
            Chat(1, "a", "x"), Chat(2, "b", "y"), Chat(3, "c", "z"),
            Chat(4, "d", "w", system: "You answer questions about our shop!"),
            Chat(5, "e", "v", system: "Reply only in French."),
            Chat(6, "f", "u", system: null),
        ], new QualityOptions { CanonicalSystemPrompt = Prompt });

        report.Find(FindingType.SystemPromptDrift)!.ExampleIds.ShouldBe([4, 5]);
        report.Find(FindingType.MissingSystemPrompt)!.ExampleIds.ShouldBe([6]);
        var canonical = report.PromptVariants[0];
        canonical.IsCanonical.ShouldBeTrue();
        canonical.Examples.ShouldBe(4);
        canonical.DistinctWordings.ShouldBe(2);
        canonical.Share.ShouldBe(4.0 / 6);
        report.PromptVariants.Count.ShouldBe(3);
    }

    [Fact]
    public void Analyze_NoCanonicalPrompt_UsesMostCommon()
    {
        var report = Analyze([Chat(1, "a", "x"), Chat(2, "b", "y"), Chat(3, "c", "z", system: "Be brief.")]);

        report.Find(FindingType.SystemPromptDrift)!.ExampleIds.ShouldBe([3]);
    }

    [Fact]
    public void Analyze_PersonalData_ReportsKindAndIdsOnly()
    {
        var report = Analyze(
        [
            Chat(1, "My mail is ana@example.org", "Thanks"),
            Chat(2, "Order ORD-2024-118822, version 4.12.3, on 2024-01-15", "Noted"),
            Chat(3, "Card 4111 1111 1111 1111", "Please never send card numbers."),
        ]);

        var personal = report.Findings.Where(f => f.Type == FindingType.PersonalData).ToList();
        personal.Select(f => (f.PersonalDataKind, f.ExampleIds.Single())).ShouldBe(
            [(PersonalDataKind.Email, 1), (PersonalDataKind.PaymentCard, 3)], ignoreOrder: true);
        JsonSerializer.Serialize(report).ShouldNotContain("ana@example.org");
    }

    [Fact]
    public void Analyze_LengthOutliers_UseMedianAndMad()
    {
        // Lengths 8,9,10,11,12 four times each, plus 200 and 1 (22 examples; user turn is one word).
        // Sorted, the 11th and 12th values are 10 and 10: median 10. Distances: 0 x4, 1 x8, 2 x8, 9, 190;
        // their 11th and 12th are 1 and 1: MAD 1. Modified z = 0.6745 * (x - 10) / 1:
        // 200 -> 128 (long), 1 -> -6.1 (short), 12 -> 1.35 (normal).
        var inputs = new List<QualityInput>();
        var id = 1;
        for (var round = 0; round < 4; round++)
        {
            foreach (var length in new[] { 8, 9, 10, 11, 12 })
            {
                inputs.Add(Chat(id++, "q", Words(length - 1, $"r{round}x"), system: null));
            }
        }

        inputs.Add(Chat(100, "q", Words(199), system: null));
        inputs.Add(Chat(101, "q", "", system: null));

        var report = Analyze(inputs);

        report.Find(FindingType.LongOutlier)!.ExampleIds.ShouldBe([100]);
        report.Find(FindingType.ShortOutlier)!.ExampleIds.ShouldBe([101]);
        report.Tokens!.Median.ShouldBe(10);
        report.Tokens.MedianAbsoluteDeviation.ShouldBe(1);
        report.Tokens.Max.ShouldBe(200);
        report.LengthHistogram.Sum(b => b.Count).ShouldBe(22);
    }

    [Fact]
    public void Analyze_TokenLimitWithCustomCounter_ReportsOverLimit()
    {
        var options = new QualityOptions { CountTokens = c => c.Messages.Sum(m => m.Content?.Length ?? 0), MaxTokensPerExample = 10 };

        var report = Analyze([Chat(1, "short", "ok", system: null), Chat(2, "a much longer question", "ok", system: null)], options);

        report.Find(FindingType.OverTokenLimit)!.ExampleIds.ShouldBe([2]);
    }

    [Fact]
    public void Analyze_EmptyTurnAndMissingAssistant_AreReported()
    {
        var noAnswer = new QualityInput(2, new ExampleContent([new MessageContent(MessageRole.User, "Hello?")]));
        var toolCall = new QualityInput(3, new ExampleContent(
        [
            new MessageContent(MessageRole.User, "Weather?"),
            new MessageContent(MessageRole.Assistant, null, ToolCallsJson: "[{\"id\":\"1\"}]"),
        ]));

        var report = Analyze([Chat(1, "  ", "Answer"), noAnswer, toolCall]);

        report.Find(FindingType.EmptyTurn)!.ExampleIds.ShouldBe([1]);
        report.Find(FindingType.MissingAssistantTurn)!.ExampleIds.ShouldBe([2]);
    }

    [Fact]
    public void Analyze_Labels_ReportsBalanceUnknownAndMissing()
    {
        // billing 12, delivery 1 -> ratio 12 (above 10); returns unused; "refund" not in the set.
        var inputs = Enumerable.Range(1, 12).Select(i => Chat(i, $"q{i}", $"a{i}", label: "billing")).ToList();
        inputs.Add(Chat(20, "late", "sorry", label: "delivery"));
        inputs.Add(Chat(21, "money back", "sure", label: "refund"));
        inputs.Add(Chat(22, "hm", "?", label: null));

        var report = Analyze(inputs, new QualityOptions { LabelSet = ["billing", "delivery", "returns"] });

        report.LabelBalance.Labels.Select(l => (l.Label, l.Count)).ShouldBe([("billing", 12), ("delivery", 1), ("refund", 1), ("returns", 0)]);
        report.LabelBalance.Unlabeled.ShouldBe(1);
        report.LabelBalance.ImbalanceRatio.ShouldBe(12);
        report.Find(FindingType.LabelImbalance).ShouldNotBeNull();
        report.Find(FindingType.UnknownLabel)!.ExampleIds.ShouldBe([21]);
        report.Find(FindingType.MissingLabel)!.ExampleIds.ShouldBe([22]);
    }

    [Fact]
    public void Analyze_BalancedLabels_ReportsNoImbalance()
    {
        var report = Analyze([Chat(1, "a", "x", label: "p"), Chat(2, "b", "y", label: "q"), Chat(3, "c", "z", label: "q")]);

        report.LabelBalance.ImbalanceRatio.ShouldBe(2);
        report.Find(FindingType.LabelImbalance).ShouldBeNull();
    }

    [Fact]
    public void Analyze_OneAnswerDominates_ReportsOverRepresentedAnswer()
    {
        // 6 of 10 answers are the same text: share 0.6, count 6 (thresholds 0.05 and 5).
        var inputs = Enumerable.Range(1, 6).Select(i => Chat(i, $"question {i}", "Please contact support.")).ToList();
        inputs.AddRange(Enumerable.Range(7, 4).Select(i => Chat(i, $"question {i}", $"answer {i}")));

        var finding = Analyze(inputs).Find(FindingType.OverRepresentedAnswer)!;

        finding.Count.ShouldBe(6);
        finding.Groups!.Single().ShouldBe([1, 2, 3, 4, 5, 6]);
    }

    [Fact]
    public void Analyze_AnswersThatAreTheLabel_AreNotOverRepresented()
    {
        var inputs = Enumerable.Range(1, 10).Select(i => Chat(i, $"ticket {i}", "billing", label: "billing"));

        Analyze(inputs).Find(FindingType.OverRepresentedAnswer).ShouldBeNull();
    }

    [Fact]
    public void Analyze_DuplicateAcrossSplits_ReportsLeakage()
    {
        var report = Analyze(
        [
            Chat(1, "Where is my parcel?", "It ships today.", split: SplitPin.Train),
            Chat(2, "Where is my parcel?", "It ships today.", split: SplitPin.Test),
            Chat(3, "Can I pay later?", "Yes.", split: SplitPin.Train),
            Chat(4, "Can I pay later?", "Yes.", split: SplitPin.Train),
        ]);

        var finding = report.Find(FindingType.SplitLeakage)!;
        finding.ExampleIds.ShouldBe([1, 2]);
        finding.Groups!.Single().ShouldBe([1, 2]);
    }

    [Fact]
    public void Analyze_EvalInputInTrainingData_ReportsEvalLeakage()
    {
        var options = new QualityOptions { EvalInputs = [new EvalInput(501, "Where is my parcel?"), new EvalInput(502, "Something else entirely")] };

        var report = Analyze([Chat(1, "where is my parcel", "Today."), Chat(2, "Can I pay later?", "Yes.")], options);

        var finding = report.Find(FindingType.EvalLeakage)!;
        finding.ExampleIds.ShouldBe([1]);
        finding.Groups!.Single().ShouldBe([1, 501]);
    }

    [Fact]
    public void Analyze_RejectedExamples_AreSkipped()
    {
        var rejected = Chat(2, "Where is my parcel?", "It ships today.") with { Status = ExampleStatus.Rejected };

        var report = Analyze([Chat(1, "Where is my parcel?", "It ships today."), rejected]);

        report.ExamplesAnalyzed.ShouldBe(1);
        report.ExamplesSkipped.ShouldBe(1);
        report.Find(FindingType.ExactDuplicate).ShouldBeNull();
    }

    [Fact]
    public void Analyze_Ratings_AddAgreementAndLowAgreementFinding()
    {
        // Units [a,a] [a,b] [b,b]: nominal alpha 4/9 (see the calculator tests), below 0.667.
        var options = new QualityOptions
        {
            Ratings = [new("1", "r1", "a"), new("1", "r2", "a"), new("2", "r1", "a"), new("2", "r2", "b"), new("3", "r1", "b"), new("3", "r2", "b")],
        };

        var report = Analyze([Chat(1, "q", "a")], options);

        report.Agreement!.KrippendorffAlpha!.Value.ShouldBe(4.0 / 9, 1e-12);
        report.Find(FindingType.LowAgreement).ShouldNotBeNull();
    }

    /// <summary>
    /// Krippendorff's worked example ("Computing Krippendorff's Alpha-Reliability", 2011: four observers, twelve units,
    /// values 1-5 with gaps) as quality ratings: the report's rating agreement is the published ordinal alpha, 0.815.
    /// </summary>
    [Fact]
    public void Analyze_QualityRatings_GiveThePublishedOrdinalAlpha()
    {
        int?[][] units =
        [
            [1, 1, null, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
            [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [null, 5, 5, 5], [null, null, 1, 1], [null, 3, null, null],
        ];
        var ratings = units.SelectMany((unit, u) => unit.Select((value, o) => (value, o))
                .Where(x => x.value is not null)
                .Select(x => new AgreementRating($"u{u}", "ABCD"[x.o].ToString(), x.value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))))
            .ToList();

        var report = Analyze([Chat(1, "q", "a")], new QualityOptions { QualityRatings = ratings });

        report.RatingAgreement!.KrippendorffAlpha!.Value.ShouldBe(0.815, 0.0005);
        report.RatingAgreement.Raters.ShouldBe(4);
        report.RatingAgreement.Items.ShouldBe(12);
        report.Agreement.ShouldBeNull();
    }

    [Fact]
    public void Analyze_ManyAffected_CapsListedIdsButKeepsCount()
    {
        var inputs = Enumerable.Range(1, 30).Select(i => Chat(i, $"mail me at user{i}@example.com", "ok"));

        var finding = Analyze(inputs, new QualityOptions { MaxListedIds = 5 }).Find(FindingType.PersonalData)!;

        finding.Count.ShouldBe(30);
        finding.ExampleIds.Count.ShouldBe(5);
    }

    [Fact]
    public void Report_RoundTripsThroughJson()
    {
        var report = Analyze([Chat(1, "Where is my parcel?", "Today.", label: "delivery"), Chat(2, "Where is my parcel?", "Today.", label: "delivery")],
            new QualityOptions { Ratings = [new("1", "r1", "a"), new("1", "r2", "a")] });

        var json = JsonSerializer.Serialize(report);
        var back = JsonSerializer.Deserialize<QualityReport>(json)!;

        json.ShouldContain("\"ExactDuplicate\"");
        back.Findings.Count.ShouldBe(report.Findings.Count);
        back.Find(FindingType.ExactDuplicate)!.Groups!.Single().ShouldBe([1, 2]);
        back.LabelBalance.Labels.Single().Label.ShouldBe("delivery");
        back.Agreement!.Items.ShouldBe(1);
    }

    [Fact]
    public async Task AnalyzeAsync_ReportsProgressAndHonoursCancellation()
    {
        var seen = new List<int>();
        var progress = new SynchronousProgress(seen.Add);

        var report = await new QualityAnalyzer().AnalyzeAsync(Stream(2500), progress);

        report.ExamplesAnalyzed.ShouldBe(2500);
        seen.ShouldBe([1000, 2000, 2500]);

        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => new QualityAnalyzer().AnalyzeAsync(Stream(10), null, cts.Token));
    }

    private static async IAsyncEnumerable<QualityInput> Stream(int count)
    {
        foreach (var input in QualitySampleGenerator.Generate(count))
        {
            await Task.Yield();
            yield return input;
        }
    }

    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
