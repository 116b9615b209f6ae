using System.Text.Json;
using System.Text.RegularExpressions;
using FineTuneStudio.Core.Demo;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Tests.Demo;

public class DemoDataTests
{
    private static readonly DateTime Now = new(2026, 11, 20, 9, 0, 0, DateTimeKind.Utc);

    private static readonly string[] UrgencyOrder = ["critical", "high", "normal", "low"];

    // Building takes most of a second; tests that only read share one build.
    private static readonly Lazy<DemoData> Shared = new(Build);

    private static DemoData Build() =>
        DemoData.Build(Now, DemoOptions.Users.ToDictionary(u => u.Email, u => "id-" + u.Email));

    private static Dataset Tickets(DemoData data) => data.Projects.Single(p => p.Name == DemoSeeder.SupportProjectName).Datasets.Single();

    private static Dataset Brand(DemoData data) => data.Projects.Single(p => p.Name == DemoSeeder.BrandProjectName).Datasets.Single();

    private static EvalSet EvalSet(DemoData data) => data.Projects.Single(p => p.Name == DemoSeeder.SupportProjectName).EvalSets.Single();

    private static string Content(Example e, MessageRole role) => e.Messages.Single(m => m.Role == role).Content!;

    /// <summary>Word 3-shingles written here from scratch, not borrowed from the demo code.</summary>
    private static HashSet<string> Shingles(string text)
    {
        var words = Regex.Matches(text.ToLowerInvariant(), "[a-z0-9]+").Select(m => m.Value).ToArray();
        return Enumerable.Range(0, Math.Max(words.Length - 2, 0)).Select(i => string.Join(' ', words[i..(i + 3)])).ToHashSet();
    }

    private static double Jaccard(HashSet<string> a, HashSet<string> b) =>
        (double)a.Intersect(b).Count() / a.Union(b).Count();

    [Fact]
    public void Build_TwiceWithSameClock_GivesSameContent()
    {
        var first = Build();
        var second = Build();

        var firstHashes = first.Projects.SelectMany(p => p.Datasets).SelectMany(d => d.Examples).Select(e => e.ContentHash).ToList();
        var secondHashes = second.Projects.SelectMany(p => p.Datasets).SelectMany(d => d.Examples).Select(e => e.ContentHash).ToList();
        secondHashes.ShouldBe(firstHashes);
        EvalSet(second).Items.Select(i => i.ContentHash).ShouldBe(EvalSet(first).Items.Select(i => i.ContentHash));
        Tickets(second).Examples.Select(e => (e.Status, e.CreatedAt)).ShouldBe(Tickets(first).Examples.Select(e => (e.Status, e.CreatedAt)));
        second.Annotations().Select(a => (a.LabelerId, a.Label)).ShouldBe(first.Annotations().Select(a => (a.LabelerId, a.Label)));
    }

    [Fact]
    public void Build_TicketDataset_HasRealisticCountsAndMix()
    {
        var dataset = Tickets(Shared.Value);

        dataset.TaskKind.ShouldBe(TaskKind.Classification);
        dataset.RequiredAnnotations.ShouldBe(2);
        dataset.Labels.ShouldBe(UrgencyOrder);
        dataset.Guidelines.ShouldContain("## critical");
        dataset.Guidelines.ShouldContain("## Edge cases");
        dataset.Examples.Count.ShouldBeInRange(280, 320);
        dataset.Examples.ShouldAllBe(e => dataset.Labels.Contains(e.Label!) && Content(e, MessageRole.Assistant) == e.Label);
        dataset.Examples.ShouldAllBe(e => e.Messages.Count == 3 && e.ContentHash.Length == 64 && e.SearchText.Length > 0);
        dataset.Examples.ShouldAllBe(e => e.CreatedAt <= e.UpdatedAt && e.UpdatedAt <= Now && e.CreatedById != null);

        var byStatus = dataset.Examples.GroupBy(e => e.Status).ToDictionary(g => g.Key, g => g.Count());
        byStatus[ExampleStatus.Approved].ShouldBeGreaterThan(dataset.Examples.Count / 2);
        byStatus[ExampleStatus.Submitted].ShouldBeGreaterThan(10);
        byStatus[ExampleStatus.Draft].ShouldBeGreaterThan(10);
        byStatus[ExampleStatus.Rejected].ShouldBeInRange(3, 25);
        dataset.Examples.Where(e => e.Status == ExampleStatus.Rejected).ShouldAllBe(e => !string.IsNullOrEmpty(e.RejectionReason));

        dataset.Examples.Select(e => e.Source).Distinct().Order().ShouldBe([ExampleSource.Manual, ExampleSource.CsvImport]);
        var tags = dataset.Examples.SelectMany(e => e.Tags).ToHashSet();
        tags.ShouldContain("billing");
        tags.ShouldContain("login");
        tags.ShouldContain("outage");
        tags.ShouldContain("mobile");
        foreach (var label in UrgencyOrder)
        {
            dataset.Examples.Count(e => e.Label == label).ShouldBeGreaterThan(20);
        }
    }

    [Fact]
    public void Build_TicketDataset_HasPlantedExactDuplicates()
    {
        var dataset = Tickets(Shared.Value);

        // Planted: five tickets imported again, the first of them twice: 5 groups, 6 extra copies.
        var groups = dataset.Examples.GroupBy(e => e.ContentHash).Where(g => g.Count() > 1).ToList();
        groups.Count.ShouldBe(5);
        groups.Sum(g => g.Count() - 1).ShouldBe(6);
    }

    [Fact]
    public void Build_TicketDataset_HasPlantedNearDuplicatesAndNoOthers()
    {
        var texts = Tickets(Shared.Value).Examples.Select(e => Content(e, MessageRole.User)).Distinct().ToList();
        var shingles = texts.Select(Shingles).ToList();

        var similar = new List<double>();
        for (var i = 0; i < texts.Count; i++)
        {
            for (var j = i + 1; j < texts.Count; j++)
            {
                var similarity = Jaccard(shingles[i], shingles[j]);
                if (similarity >= 0.6)
                {
                    similar.Add(similarity);
                }
            }
        }

        // Six planted pairs with a word or two swapped; every other pair of distinct texts stays clearly apart.
        similar.Count.ShouldBe(6);
        similar.ShouldAllBe(s => s >= 0.8 && s <= 0.95);
    }

    [Fact]
    public void Build_TicketDataset_HasPlantedConflictingLabels()
    {
        var conflicts = Tickets(Shared.Value).Examples
            .GroupBy(e => Content(e, MessageRole.User))
            .Where(g => g.Select(e => e.Label).Distinct().Count() > 1)
            .ToList();

        conflicts.Count.ShouldBe(4);
        foreach (var group in conflicts)
        {
            var levels = group.Select(e => Array.IndexOf(UrgencyOrder, e.Label)).Distinct().Order().ToArray();
            (levels[^1] - levels[0]).ShouldBe(1, "conflicts are between neighbouring urgency levels");
        }
    }

    [Fact]
    public void Build_TicketDataset_UsesTwoSystemPromptsWithOldOneOnAboutFifteenPercent()
    {
        var dataset = Tickets(Shared.Value);

        var prompts = dataset.Examples.GroupBy(e => Content(e, MessageRole.System)).ToDictionary(g => g.Key, g => g.Count());
        prompts.Count.ShouldBe(2);
        prompts.ShouldContainKey(dataset.CanonicalSystemPrompt);
        var legacyShare = (double)prompts.Where(p => p.Key != dataset.CanonicalSystemPrompt).Sum(p => p.Value) / dataset.Examples.Count;

        // 42 of the 280 base tickets (15%) carry the old prompt; planted copies can move the share a little.
        legacyShare.ShouldBeInRange(0.12, 0.18);
    }

    [Fact]
    public void Build_TicketDataset_HasPersonalDataAndHarmlessLookAlikes()
    {
        var texts = Tickets(Shared.Value).Examples.Select(e => Content(e, MessageRole.User)).Distinct().ToList();

        // Planted: three tickets with e-mail addresses, three with phone numbers (one has both).
        var email = new Regex(@"[\w.+-]+@[\w-]+(\.[\w-]+)+");
        var phone = new Regex(@"(\+\d{1,3} |\(\d{3}\) )[\d -]{7,}\d");
        texts.Count(t => email.IsMatch(t)).ShouldBe(3);
        texts.Count(t => phone.IsMatch(t)).ShouldBe(3);
        phone.IsMatch("We are on version 4.12.3. Order ORD-2024-118822 on 2024-03-14.").ShouldBeFalse();
        texts.ShouldContain(t => t.Contains("4.12.3"));
        texts.ShouldContain(t => t.Contains("ORD-2024-118822"));
        texts.ShouldContain(t => t.Contains("2024-03-14"));
    }

    [Fact]
    public void Annotations_OnTicketDataset_AgreeInIntendedBand()
    {
        var data = Shared.Value;
        var examples = Tickets(data).Examples;
        for (var i = 0; i < examples.Count; i++)
        {
            examples[i].Id = i + 1;
        }

        var annotations = data.Annotations().ToList();
        annotations.ShouldAllBe(a => a.Submitted && a.SecondsSpent >= 20 && a.SecondsSpent <= 240 && (a.Rating == null || (a.Rating >= 1 && a.Rating <= 5)));
        annotations.ShouldAllBe(a => a.LabelerId.StartsWith("id-labeler"));
        annotations.GroupBy(a => (a.ExampleId, a.LabelerId)).ShouldAllBe(g => g.Count() == 1);

        var byExample = annotations.GroupBy(a => a.ExampleId).ToList();
        byExample.Count(g => g.Count() >= 2).ShouldBe(120);
        var waiting = byExample.Where(g => g.Count() == 1).ToList();
        waiting.Count.ShouldBe(10);
        waiting.ShouldAllBe(g => examples[g.Key - 1].Status == ExampleStatus.Submitted);

        int agreeing = 0, pairs = 0, adjacent = 0;
        foreach (var group in byExample)
        {
            var labels = group.Select(a => a.Label!).ToArray();
            for (var i = 0; i < labels.Length; i++)
            {
                for (var j = i + 1; j < labels.Length; j++)
                {
                    pairs++;
                    if (labels[i] == labels[j])
                    {
                        agreeing++;
                    }
                    else if (Math.Abs(Array.IndexOf(UrgencyOrder, labels[i]) - Array.IndexOf(UrgencyOrder, labels[j])) == 1)
                    {
                        adjacent++;
                    }
                }
            }
        }

        // By hand from the plan: 40 triples give 120 pairs, 10 triples have one dissenter (1 agreeing
        // pair each) and 30 agree fully (3 each); 80 doubles give 80 pairs, 16 disagree.
        // Agreeing pairs = 10 + 90 + 64 = 164 of 200 = 0.82.
        pairs.ShouldBe(200);
        agreeing.ShouldBe(164);
        ((double)agreeing / pairs).ShouldBeInRange(0.75, 0.85);

        // Disagreeing pairs: 16 from doubles + 20 from triples = 36; the 2 dissents that skip a level sit
        // in one double and one triple (or two doubles), so at most 3 pairs are not neighbours.
        (pairs - agreeing).ShouldBe(36);
        adjacent.ShouldBeGreaterThanOrEqualTo(33);
    }

    [Fact]
    public void BuildEvalSet_HeldOutTickets_AreDisjointFromTraining()
    {
        var data = Shared.Value;
        var set = EvalSet(data);
        var training = Tickets(data).Examples.Select(e => Content(e, MessageRole.User)).Distinct().ToList();
        var trainingShingles = training.Select(Shingles).ToList();

        set.Name.ShouldBe("Urgency held-out");
        set.Metrics.ShouldBe(["exact", "normalised", "accuracy", "macro-f1"]);
        set.Items.Count.ShouldBe(40);
        set.Items.Select(i => i.ExternalId).ShouldBe(Enumerable.Range(1, 40).Select(i => $"t-{i:000}"));
        set.Items.ShouldAllBe(i => i.Expected == i.Label && UrgencyOrder.Contains(i.Label) && i.ContentHash.Length == 64);
        set.Items.Select(i => i.ContentHash).Distinct().Count().ShouldBe(40);
        set.Items.GroupBy(i => i.Label).ShouldAllBe(g => g.Count() >= 3, "macro-F1 needs every class in the set");
        set.Items.Select(i => i.Label).Distinct().Count().ShouldBe(4);

        foreach (var item in set.Items)
        {
            var messages = JsonDocument.Parse(item.InputJson).RootElement.EnumerateArray()
                .Select(m => (Role: m.GetProperty("role").GetString(), Content: m.GetProperty("content").GetString()!)).ToList();
            messages.Select(m => m.Role).ShouldBe(["system", "user"]);
            var user = messages[1].Content;
            training.ShouldNotContain(user);
            var shingles = Shingles(user);
            trainingShingles.ShouldAllBe(t => Jaccard(t, shingles) < 0.8);
        }
    }

    [Fact]
    public void EvalResults_BaselineRun_IsRightOnSeventyPercent()
    {
        var data = Shared.Value;
        var set = EvalSet(data);
        for (var i = 0; i < set.Items.Count; i++)
        {
            set.Items[i].Id = i + 1;
        }

        var run = set.Runs.Single();
        run.Id = 1;
        run.Name.ShouldBe("Prompted baseline");
        run.IsBaseline.ShouldBeTrue();
        run.Model.ShouldBe("gpt-4o-mini");
        run.Provider.ShouldBe("openai");
        run.Status.ShouldBe(EvalRunStatus.Completed);

        // The brand project's runs have results of their own (id 0 here, never 1).
        var results = data.EvalResults().Where(r => r.EvalRunId == run.Id).ToList();
        results.Count.ShouldBe(40);
        results.Select(r => r.EvalItemId).Order().ShouldBe(Enumerable.Range(1, 40));
        results.ShouldAllBe(r => r.ScoresJson == "{}" && !r.Failed && r.LatencyMs > 0);
        results.ShouldAllBe(r => r.CompletionTokens > 0 && r.PromptTokens > r.CompletionTokens);

        var expected = set.Items.ToDictionary(i => i.Id, i => i.Expected);
        var exact = results.Count(r => r.Output == expected[r.EvalItemId]);
        var normalised = results.Count(r => string.Equals(r.Output!.Trim().TrimEnd('.'), expected[r.EvalItemId], StringComparison.OrdinalIgnoreCase));

        // 28 of 40 = 70% right once case, spaces and a trailing full stop are ignored; 3 of those are not exact.
        normalised.ShouldBe(28);
        exact.ShouldBe(25);
    }

    [Fact]
    public void Build_BrandDataset_HasMultiTurnConversationsWithSomeMaskedTurns()
    {
        var dataset = Brand(Shared.Value);

        dataset.TaskKind.ShouldBe(TaskKind.Chat);
        dataset.Guidelines.ShouldNotBeEmpty();
        dataset.Examples.Count.ShouldBe(100);
        dataset.Examples.Select(e => e.ContentHash).Distinct().Count().ShouldBe(100);
        foreach (var example in dataset.Examples)
        {
            var roles = example.Messages.OrderBy(m => m.Position).Select(m => m.Role).ToList();
            roles[0].ShouldBe(MessageRole.System);
            example.Messages[0].Content.ShouldBe(dataset.CanonicalSystemPrompt);
            roles.Count(r => r == MessageRole.User).ShouldBeInRange(2, 4);
            roles.Skip(1).Select((r, i) => r == (i % 2 == 0 ? MessageRole.User : MessageRole.Assistant)).ShouldAllBe(ok => ok);
        }

        var masked = dataset.Examples.Where(e => e.Messages.Any(m => m.Weight == 0)).ToList();
        masked.Count.ShouldBeInRange(3, 8);
        masked.ShouldAllBe(e => e.Messages.Count(m => m.Role == MessageRole.User) <= 4);
        masked.ShouldAllBe(e => e.Messages.First(m => m.Role == MessageRole.Assistant).Weight == 0);
        masked.ShouldAllBe(e => e.Messages.Where(m => m.Role == MessageRole.Assistant).Skip(1).All(m => m.Weight == 1));
        dataset.Examples.Select(e => e.Status).Distinct().Count().ShouldBe(4);
    }

    [Fact]
    public void Build_BrandDataset_HasNoUnplannedNearDuplicates()
    {
        var conversations = Brand(Shared.Value).Examples
            .Select(e => Shingles(string.Join("\n", e.Messages.Where(m => m.Role != MessageRole.System).Select(m => m.Content))))
            .ToList();

        for (var i = 0; i < conversations.Count; i++)
        {
            for (var j = i + 1; j < conversations.Count; j++)
            {
                Jaccard(conversations[i], conversations[j]).ShouldBeLessThan(0.8);
            }
        }
    }
}
