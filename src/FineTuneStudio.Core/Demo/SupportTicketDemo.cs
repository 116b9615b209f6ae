using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Training;
using static FineTuneStudio.Core.Demo.SupportTicketText;

namespace FineTuneStudio.Core.Demo;

/// <summary>
/// The "Ticket urgency" dataset with a known handful of planted problems (duplicates,
/// near-duplicates, conflicting labels, an old system prompt, personal data), its annotations,
/// and the held-out "Urgency held-out" eval set with a prompted baseline run.
/// </summary>
internal sealed class SupportTicketDemo(Random random, DateTime now, IReadOnlyDictionary<string, string> userIds)
{
    public const int BaseTicketCount = 280;
    public const int EvalItemCount = 40;
    public const int ExactDuplicateCopies = 6;
    public const int NearDuplicateCount = 6;
    public const int ConflictCount = 4;
    public const int LegacyPromptBaseCount = 42;

    /// <summary>Keeps unplanned tickets well apart, so the only near-duplicates are the planted ones.</summary>
    private const double MaxUnplannedSimilarity = 0.6;

    private static readonly string[] PersonalDetails =
    [
        "You can reach me directly at dana.whitfield@example.com.",
        "Please copy finance.team@example.org on the reply.",
        "My mobile is +44 7700 900123 if a call is quicker.",
        "Call me on (555) 014-2298 any time before six.",
        "My colleague m.okafor@example.net knows the details, or ring him on +1 202 555 0187.",
    ];

    // Strings that look like personal data to a careless pattern but are not.
    private static readonly string[] LookAlikeDetails =
    [
        "We are on version 4.12.3 of the desktop client.",
        "Order ORD-2024-118822 is one of the affected ones.",
        "It first happened on 2024-03-14 and again this week.",
        "Our invoice number is INV-00734219.",
    ];

    // gpt-4o-mini uses the o200k encoding; the tokenizer is costly to build, so build it once.

    private static readonly string[] Annotators = ["labeler1@demo.local", "labeler2@demo.local", "labeler3@demo.local"];

    private readonly List<Ticket> _evalTickets = [];
    private readonly Dictionary<EvalItem, (string Output, int LatencyMs)> _baselineOutputs = [];
    private readonly List<(Example Example, Annotation Annotation)> _annotations = [];

    public Dataset BuildDataset()
    {
        var pool = GeneratePool(BaseTicketCount + EvalItemCount);
        var baseTickets = pool.Take(BaseTicketCount).ToList();
        _evalTickets.AddRange(pool.Skip(BaseTicketCount));

        // Plant each problem on its own slice of tickets so the findings do not overlap.
        var order = Enumerable.Range(0, baseTickets.Count).ToArray();
        random.Shuffle(order);
        var next = 0;
        int[] Take(int count)
        {
            var slice = order[next..(next + count)];
            next += count;
            return slice;
        }

        foreach (var (index, detail) in Take(PersonalDetails.Length).Zip(PersonalDetails))
        {
            baseTickets[index] = baseTickets[index].WithExtraSentence(detail);
        }

        foreach (var (index, detail) in Take(LookAlikeDetails.Length).Zip(LookAlikeDetails))
        {
            baseTickets[index] = baseTickets[index].WithExtraSentence(detail);
        }

        foreach (var index in Take(LegacyPromptBaseCount))
        {
            baseTickets[index] = baseTickets[index] with { Prompt = LegacyPrompt };
        }

        var planned = baseTickets.Select(t => (Ticket: t, Source: random.Chance(0.35) ? ExampleSource.CsvImport : ExampleSource.Manual)).ToList();

        // Exact duplicates: the same ticket imported again; the first one arrives three times.
        var duplicated = Take(ExactDuplicateCopies - 1);
        foreach (var index in duplicated.Prepend(duplicated[0]))
        {
            planned.Add((baseTickets[index], ExampleSource.CsvImport));
        }

        foreach (var index in Take(ConflictCount))
        {
            var ticket = baseTickets[index];
            planned.Add((ticket with { Label = OtherLabel(ticket.Label, 1) }, ExampleSource.Manual));
        }

        var nearDuplicates = 0;
        while (nearDuplicates < NearDuplicateCount)
        {
            var ticket = baseTickets[Take(1)[0]];
            if (TryLightEdit(ticket) is { } edited)
            {
                planned.Add((edited, ExampleSource.Manual));
                nearDuplicates++;
            }
        }

        var shuffled = planned.ToArray();
        random.Shuffle(shuffled);

        var dataset = new Dataset
        {
            Name = "Ticket urgency",
            TaskKind = TaskKind.Classification,
            CanonicalSystemPrompt = CanonicalPrompt,
            Guidelines = Guidelines,
            Labels = [.. Labels],
            RequiredAnnotations = 2,
            CreatedAt = now.AddDays(-70),
            UpdatedAt = now.AddDays(-3),
        };
        dataset.Examples.AddRange(shuffled.Select(p => NewExample(p.Ticket, p.Source)));
        PlanAnnotations(dataset.Examples);
        return dataset;
    }

    public IEnumerable<Annotation> BuildAnnotations()
    {
        foreach (var (example, annotation) in _annotations)
        {
            annotation.ExampleId = example.Id;
            yield return annotation;
        }
    }

    public EvalSet BuildEvalSet()
    {
        var created = now.AddDays(-20);
        var set = new EvalSet
        {
            Name = "Urgency held-out",
            Description = "Forty real-looking tickets kept out of every training export, with the urgency a senior agent agreed on.",
            Metrics = ["exact", "normalised", "accuracy", "macro-f1"],
            CreatedAt = created,
        };

        for (var i = 0; i < _evalTickets.Count; i++)
        {
            var ticket = _evalTickets[i];
            var messages = new List<MessageContent> { new(MessageRole.System, CanonicalPrompt), new(MessageRole.User, ticket.Text) };
            set.Items.Add(new EvalItem
            {
                ExternalId = $"t-{i + 1:000}",
                InputJson = EvalSets.SerializeMessages(messages),
                Expected = ticket.Label,
                Label = ticket.Label,
                ContentHash = new ExampleContent(messages).ComputeHash(),
            });
        }

        var run = new EvalRun
        {
            Name = "Prompted baseline",
            Model = "gpt-4o-mini",
            Provider = "openai",
            SystemPrompt = CanonicalPrompt,
            SettingsJson = """{"temperature":0}""",
            IsBaseline = true,
            Notes = "The canonical prompt with no examples, run before any fine-tuning to have a number to beat.",
            Status = EvalRunStatus.Completed,
            CreatedAt = now.AddDays(-6),
            CompletedAt = now.AddDays(-6).AddMinutes(4),
        };
        set.Runs.Add(run);
        PlanBaselineOutputs(set.Items);
        return set;
    }

    public IEnumerable<EvalResult> BuildBaselineResults(EvalSet set)
    {
        var run = set.Runs.Single();
        foreach (var item in set.Items)
        {
            var (output, latencyMs) = _baselineOutputs[item];
            yield return new EvalResult
            {
                EvalRunId = run.Id,
                EvalItemId = item.Id,
                Output = output,
                LatencyMs = latencyMs,
                PromptTokens = PromptTokens(item),
                CompletionTokens = TokenCounter.O200k.Count(output),
                ScoresJson = "{}",
            };
        }
    }

    /// <summary>Chat prompt tokens as the provider bills them: each message's text plus 3 per message and 3 to start the reply.</summary>
    private static int PromptTokens(EvalItem item)
    {
        using var input = JsonDocument.Parse(item.InputJson);
        var messages = input.RootElement.EnumerateArray().ToList();
        return messages.Sum(m => TokenCounter.O200k.Count(m.GetProperty("content").GetString()!) + 3) + 3;
    }

    /// <summary>
    /// The baseline is right on 28 of 40 items. Three of the right answers are not in the exact
    /// label form ("High", "critical."), so exact match is lower than normalised match.
    /// </summary>
    private void PlanBaselineOutputs(IReadOnlyList<EvalItem> items)
    {
        var order = Enumerable.Range(0, items.Count).ToArray();
        random.Shuffle(order);
        for (var rank = 0; rank < order.Length; rank++)
        {
            var item = items[order[rank]];
            var label = item.Expected;
            var output = rank switch
            {
                < 25 => label,
                25 => char.ToUpperInvariant(label[0]) + label[1..],
                26 => label + ".",
                27 => " " + label + "\n",
                _ => OtherLabel(label, 1),
            };
            _baselineOutputs[item] = (output, random.Next(350, 1400));
        }
    }

    /// <summary>
    /// 40 examples get three annotations (10 with one dissenter), 80 get two (16 disagreeing), and
    /// 10 submitted examples wait in a queue with one. Pairwise agreement: (10 + 90 + 64) / 200 = 0.82.
    /// </summary>
    private void PlanAnnotations(List<Example> examples)
    {
        var candidates = examples.Where(e => e.Status is ExampleStatus.Approved or ExampleStatus.Submitted).ToArray();
        random.Shuffle(candidates);
        var dissents = 0;

        for (var i = 0; i < 120; i++)
        {
            var example = candidates[i];
            var labelers = i < 40 ? Annotators.ToList() : Annotators.OrderBy(_ => random.Next()).Take(2).ToList();
            var disagree = i < 40 ? i < 10 : i < 56;
            var dissenter = disagree ? PickDissenter(labelers) : null;
            foreach (var labeler in labelers)
            {
                var label = example.Label!;
                var comment = "";
                if (labeler == dissenter)
                {
                    // Two of the 26 dissents skip a level; the rest are one level away.
                    label = OtherLabel(label, dissents % 13 == 5 ? 2 : 1);
                    comment = random.Chance(0.5) ? DissentComment(example.Label!, label) : "";
                    dissents++;
                }

                _annotations.Add((example, NewAnnotation(example, labeler, label, comment)));
            }
        }

        var waiting = candidates.Skip(120).Where(e => e.Status == ExampleStatus.Submitted).Take(10).ToList();
        foreach (var example in waiting)
        {
            _annotations.Add((example, NewAnnotation(example, random.Pick(Annotators), example.Label!, "")));
        }
    }

    private string PickDissenter(List<string> labelers)
    {
        // The copywriter is newest to ticket triage and disagrees most often.
        var copywriter = Annotators[2];
        return labelers.Contains(copywriter) && random.Chance(0.5) ? copywriter : random.Pick(labelers);
    }

    private static string DissentComment(string agreed, string given) =>
        Array.IndexOf(Labels, given) < Array.IndexOf(Labels, agreed)
            ? "Sounds like the whole office is affected, so I went a level up."
            : "Only one person seems blocked and there is a workaround, so I kept it lower.";

    private Annotation NewAnnotation(Example example, string labelerEmail, string label, string comment)
    {
        var at = Min(example.CreatedAt.AddMinutes(random.Next(10, 60 * 48)), now);
        return new Annotation
        {
            LabelerId = userIds[labelerEmail],
            Label = label,
            Rating = random.Chance(0.35) ? random.Pick([5, 5, 4, 4, 4, 3, 2]) : null,
            Comment = comment,
            SecondsSpent = random.Next(20, 241),
            Submitted = true,
            CreatedAt = at,
            UpdatedAt = at,
            Version = Guid.NewGuid(),
        };
    }

    private Example NewExample(Ticket ticket, ExampleSource source)
    {
        var created = now.AddMinutes(-random.Next(60, 60 * 24 * 60));
        var status = random.NextDouble() switch
        {
            < 0.66 => ExampleStatus.Approved,
            < 0.81 => ExampleStatus.Submitted,
            < 0.96 => ExampleStatus.Draft,
            _ => ExampleStatus.Rejected,
        };
        var author = source == ExampleSource.CsvImport ? "lead@demo.local" : random.Pick(Annotators);
        var example = new Example
        {
            Source = source,
            Status = status,
            RejectionReason = status == ExampleStatus.Rejected ? random.Pick(RejectionReasons) : null,
            CreatedById = userIds[author],
            CreatedAt = created,
            UpdatedAt = Min(created.AddMinutes(random.Next(0, 60 * 72)), now),
            Version = Guid.NewGuid(),
        };
        new ExampleContent(
            [new(MessageRole.System, ticket.Prompt), new(MessageRole.User, ticket.Text), new(MessageRole.Assistant, ticket.Label)],
            ticket.Label,
            ticket.Tags).ApplyTo(example);
        return example;
    }

    private List<Ticket> GeneratePool(int count)
    {
        var pool = new List<Ticket>();
        var shingles = new List<HashSet<string>>();
        var weights = new Dictionary<string, double> { ["critical"] = 0.13, ["high"] = 0.27, ["normal"] = 0.37, ["low"] = 0.23 };
        for (var attempt = 0; pool.Count < count; attempt++)
        {
            if (attempt > 50_000)
            {
                throw new InvalidOperationException("The demo ticket templates cannot produce enough distinct tickets.");
            }

            var label = PickWeighted(weights);
            var ticket = Compose(random.Pick(Scenarios.Where(s => s.Label == label).ToList()));
            var candidate = DemoText.WordShingles(ticket.Text);
            if (shingles.Any(s => DemoText.Jaccard(s, candidate) >= MaxUnplannedSimilarity))
            {
                continue;
            }

            pool.Add(ticket);
            shingles.Add(candidate);
        }

        return pool;
    }

    private Ticket Compose(Scenario scenario)
    {
        // One value per slot for the whole ticket, so the company, plan and name stay consistent.
        var slots = Slots.ToDictionary(s => s.Key, s => new[] { random.Pick(s.Value) });
        string Fill(string template)
        {
            var text = DemoText.Fill(template, random, slots);
            return text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
        }

        var sentences = new List<string>();
        if (random.Chance(0.5))
        {
            sentences.Add(Fill(random.Pick(Contexts)));
        }

        sentences.Add(Fill(random.Pick(scenario.Bodies)));
        var detail = scenario.Fault && random.Chance(0.5) ? Fill(random.Pick(Details)) : "";
        var impact = random.Chance(0.8) ? random.Pick(Impacts[scenario.Label]) : "";
        sentences.AddRange(random.Chance(0.5) ? [detail, impact] : [impact, detail]);
        sentences.RemoveAll(s => s.Length == 0);
        return new Ticket(random.Pick(Greetings), sentences, Fill(random.Pick(Closers)), scenario.Label, scenario.Tags, CanonicalPrompt);
    }

    /// <summary>One or two words swapped, kept only if the result is a near (not exact) copy.</summary>
    private Ticket? TryLightEdit(Ticket ticket)
    {
        var sentences = ticket.Sentences.ToList();
        var swaps = random.Chance(0.5) ? 1 : 2;
        var done = 0;
        foreach (var i in Enumerable.Range(0, sentences.Count).OrderBy(_ => random.Next()))
        {
            var words = sentences[i].Split(' ');
            var at = Array.FindIndex(words, w => Swaps.ContainsKey(w));
            if (at < 0)
            {
                continue;
            }

            words[at] = Swaps[words[at]];
            sentences[i] = string.Join(' ', words);
            if (++done == swaps)
            {
                break;
            }
        }

        if (done == 0)
        {
            return null;
        }

        var edited = ticket with { Sentences = sentences };
        var similarity = DemoText.Jaccard(DemoText.WordShingles(ticket.Text), DemoText.WordShingles(edited.Text));
        return similarity is >= 0.8 and <= 0.95 ? edited : null;
    }

    private string PickWeighted(Dictionary<string, double> weights)
    {
        var roll = random.NextDouble();
        foreach (var (key, weight) in weights)
        {
            if ((roll -= weight) < 0)
            {
                return key;
            }
        }

        return weights.Keys.Last();
    }

    /// <summary>A label <paramref name="distance"/> levels away; a random side when both exist.</summary>
    private string OtherLabel(string label, int distance)
    {
        var index = Array.IndexOf(Labels, label);
        var up = index - distance;
        var down = index + distance;
        if (up < 0)
        {
            return Labels[Math.Min(down, Labels.Length - 1)];
        }

        return down >= Labels.Length || random.Chance(0.5) ? Labels[up] : Labels[down];
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private sealed record Ticket(string Greeting, IReadOnlyList<string> Sentences, string Closer, string Label, IReadOnlyList<string> Tags, string Prompt)
    {
        public string Text => string.Join("\n\n", new[] { Greeting, string.Join(' ', Sentences), Closer }.Where(p => p.Length > 0));

        /// <summary>Adds a sentence just before the last one, where a writer would put contact details.</summary>
        public Ticket WithExtraSentence(string sentence)
        {
            var sentences = Sentences.ToList();
            sentences.Insert(Math.Max(sentences.Count - 1, 0), sentence);
            return this with { Sentences = sentences };
        }
    }
}
