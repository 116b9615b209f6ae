using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Judges;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Demo;

/// <summary>
/// The brand project's evaluation: 24 held-out customer questions answered by the prompted baseline and by a
/// fine-tuned candidate, a blind A/B review by the two copywriters, and an LLM judge run over the same pairs.
/// The table is written by hand so the calibration reads as a team would meet it: the judge agrees with the
/// people on 21 of 24 pairs (kappa 0.76), prefers the long care-leaflet answer once, and flips with the order twice.
/// </summary>
internal sealed class BrandReviewDemo(Random random, DateTime now, IReadOnlyDictionary<string, string> userIds)
{
    public const string SetName = "Brand voice held-out";
    public const string ComparisonName = "Fine-tuned vs prompted";
    public const string JudgeName = "Brand voice";
    public const int ComparisonSeed = 20261207;

    private const string Kim = "labeler3@demo.local";
    private const string Noor = "contractor@demo.local";
    private const string Lead = "Malik Lead";

    public const string Rubric = """
        You compare two replies from Fernway's customer care to the same customer message.

        Prefer the reply that:
        - answers the customer's actual question in its first sentence;
        - is short and plain: two to four sentences, no stock phrases ("we apologise for any inconvenience", "please be advised");
        - keeps to the policy: returns within 30 days, refunds 3 to 5 working days after the parcel is back, repairs under the 2-year warranty;
        - ends with one concrete next step;
        - never suggests a product the customer did not ask about.

        A reply that breaks the policy or misses the question loses, however well it reads. Say "tie" when both are
        equally good or equally poor.
        """;


    private readonly Dictionary<EvalItem, Pair> _pairs = [];
    private EvalRun _baseline = null!;
    private EvalRun _candidate = null!;
    private Comparison? _comparison;
    private JudgeVersion? _judgeVersion;

    /// <summary>
    /// One pair: the customer's message, the fact a right reply contains, both replies, the two copywriters'
    /// picks and the judge's pick in each order (all in run terms: A is the baseline, B the candidate), and
    /// what decided it.
    /// </summary>
    private sealed record Pair(
        string Customer, string Fact, string Baseline, string Tuned,
        JudgementChoice KimPick, JudgementChoice NoorPick, JudgementChoice JudgeAFirst, JudgementChoice JudgeBFirst,
        string Why, string KimReason, string NoorReason = "");

    private const JudgementChoice A = JudgementChoice.A;
    private const JudgementChoice B = JudgementChoice.B;
    private const JudgementChoice Tie = JudgementChoice.Tie;

    private static readonly Pair[] Pairs =
    [
        new("Hi, I'm Rosa. I sent back the Tarn rain shell on Monday. When will I see the refund?", "3 to 5 working days",
            "Dear Rosa, thank you for contacting Fernway. We apologise for any inconvenience. Please be advised that refunds are processed within 3 to 5 working days of the parcel arriving at our warehouse. While you wait, you may enjoy our new Gale softshell jacket.",
            "Hi Rosa, your refund goes out within 3 to 5 working days of the shell reaching us. I'll e-mail you the moment it's processed.",
            B, B, B, B, "answers in its first sentence and ends with a next step; the other opens with stock phrases and suggests a jacket nobody asked about",
            "Answers first, no upsell.", "The other one tries to sell her a jacket."),
        new("How long does a repair take?", "two weeks",
            "Repairs usually take about two weeks from the day the item reaches our workshop, and we'll e-mail you when it's on its way back.",
            "Usually a few days! We'll be in touch.",
            A, A, A, A, "gives the actual repair time and says what happens next; the other is vague and wrong",
            "B invents a few days.", "A is right and still short."),
        new("What temperature should I wash the Moss merino base layer at?", "30 degrees",
            "Thank you for your question about caring for your Moss merino base layer. Merino wool is a natural fibre that benefits from gentle care. We recommend a cool machine wash at 30 degrees using a mild detergent suitable for wool. Please avoid fabric softener, as it can coat the fibres, and avoid tumble drying. Dry flat away from direct heat. Following these steps will help your garment last for many seasons.",
            "30 degrees, on a gentle cycle with a mild wool detergent and no softener. Dry it flat, away from direct heat.",
            B, B, A, A, "is more thorough: it explains the reason behind each care step",
            "Answers in the first word; the other is a care leaflet.", "Same facts, a third of the words."),
        new("Do you ship to Ireland?", "Ireland",
            "Yes, we deliver to Ireland. Standard delivery takes 3 to 5 working days.",
            "Yes, we ship to Ireland: standard delivery takes 3 to 5 working days.",
            Tie, Tie, Tie, Tie, "say yes and give the delivery time in one sentence",
            "Both fine."),
        new("Can I return the Kestrel trail shoes if I've worn them once on a muddy walk?", "30 days",
            "Thank you for your enquiry. Our returns policy allows returns within 30 days for unused items only. Worn footwear cannot be accepted. We apologise for any inconvenience.",
            "I'm sorry, we can only take shoes back unused, within 30 days. If they're letting you down, tell me what's wrong: a fault is covered by our 2-year warranty.",
            B, B, B, B, "says no kindly and offers a way forward under the warranty; the other is a policy notice",
            "Same answer, but it leaves the door open.", "Warmer."),
        new("My order FW-30412 hasn't arrived and I leave for a trip on Friday.", "Thursday",
            "We apologise for any inconvenience. Your parcel is in transit. Please allow up to 5 working days for delivery. Should it not arrive, please contact us again.",
            "Sorry for the worry. FW-30412 is with the courier and due Thursday; if it hasn't arrived by Thursday evening, tell me and I'll send a replacement next-day at no cost.",
            B, B, A, B, "is polite and addresses the delivery",
            "B has a real plan before Friday.", "A would miss the trip."),
        new("Can I swap the Fell fleece for a medium?", "free",
            "Exchanges are free. Please return the item using the enclosed label and place a new order for the medium, which we will dispatch on receipt of payment.",
            "Happy to, and it's free both ways. I've reserved a medium for you and e-mailed a return label.",
            B, A, B, B, "does the swap for the customer instead of sending them to order again",
            "B does the work for her.", "B reserves stock we may not have; A is the safer promise."),
        new("The zip on my Summit down jacket broke after 18 months. Is that covered?", "2-year warranty",
            "Dear Customer, zips are covered under our 2-year warranty. Please be advised that you must submit a photograph and proof of purchase. Repairs are subject to assessment by our workshop team.",
            "Yes, it's covered by our 2-year warranty. Send a photo of the zip and your order number and I'll book a free repair.",
            B, B, B, B, "says yes at once and gives the next step; the other reads like terms and conditions",
            "Yes first, then what to do.", "No 'please be advised'."),
        new("Is the Ridgeline 40L pack waterproof?", "rain cover",
            "The Ridgeline 40L pack is water-resistant but not waterproof; we recommend a rain cover in heavy rain.",
            "It's water-resistant rather than waterproof, so use a rain cover when it pours.",
            Tie, Tie, Tie, Tie, "are right, short and plain",
            "Can't split them."),
        new("I'd like to cancel order FW-77120, I ordered the wrong size.", "cancel",
            "I've cancelled order FW-77120 and refunded you in full; it should show within 3 to 5 working days. Would you like me to place the right size for you?",
            "Sure, just send it back when it arrives.",
            A, A, A, A, "cancels the order and offers the right size; the other makes the customer wait for a parcel they do not want",
            "B never cancels it.", "A actually helps."),
        new("I used WELCOME10 but it didn't apply. Order FW-52817.", "14 days",
            "Thank you for reaching out. Discount codes can be applied retrospectively within 14 days of purchase. We have processed your request and the discount will be refunded to your original payment method.",
            "No problem, we can add it within 14 days of ordering. I've refunded the 10 percent on FW-52817 to your card; it shows in 3 to 5 working days.",
            B, B, B, B, "says what was done and when the money shows; the other is stiff and vaguer",
            "Says when the money arrives.", "Friendlier, more concrete."),
        new("Where's my refund? I returned the Brook water filter two weeks ago.", "3 to 5 working days",
            "Dear Customer, please be advised that refunds are processed within 3 to 5 working days of receipt. We apologise for any inconvenience caused.",
            "Sorry it's taking so long. The filter reached us last week, so your refund should have gone out within 3 to 5 working days; I've chased it and you'll get a confirmation today.",
            B, B, B, B, "owns the delay and chases the refund; the other repeats the policy with a stock apology",
            "Owns the delay.", "The other is the old template."),
        new("Can I pay with PayPal?", "PayPal",
            "Yes, we accept PayPal as well as all major cards.",
            "Yes, PayPal works at checkout, as do all major cards.",
            Tie, Tie, A, B, "answers the question directly",
            "Identical really."),
        new("The buckle on my Otter dry bag snapped. Can you fix it?", "2-year warranty",
            "Yes, buckles are covered by our 2-year warranty. I've e-mailed you a free postage label for our repair team.",
            "Oh no! Have you seen our new Cairn trekking poles? Buckles are covered, just send it in.",
            A, A, A, A, "arranges the repair; the other pushes trekking poles the customer never asked about",
            "B upsells poles to a customer with a broken bag.", "A sends the label."),
        new("The Lantern headlamp stopped working after a month.", "replacement",
            "We are sorry to hear about the issue with your product. Please be advised that all faulty items must be returned for inspection before a replacement can be considered. We apologise for any inconvenience.",
            "Sorry about that, it should last far longer. Send me your order number and I'll ship a replacement today; no need to return the old one first.",
            B, B, B, B, "fixes the problem today; the other makes the customer prove the fault first",
            "Solves it today.", "Much kinder."),
        new("Can I get a refund 40 days after delivery? The Heron sleeping bag is unopened.", "30 days",
            "Our returns window is 30 days, so this is outside it, but as the bag is unopened we can make an exception this time. I've sent a prepaid label to your e-mail.",
            "Of course! Refunds are always fine, no matter when. I've sent you a label.",
            A, A, A, A, "keeps to the 30-day policy while still helping; the other promises refunds at any time",
            "B makes up a policy.", "B would get us in trouble."),
        new("Do you have the Drift walking trousers in a short leg?", "short leg",
            "Thank you for your enquiry. The Drift walking trousers are available in short leg in selected sizes. Please check the product page for availability. May we also suggest the Gale softshell jacket to complete your outfit?",
            "Yes, the short leg comes in sizes 8 to 16. Tell me your size and I'll check stock for you.",
            B, B, B, B, "answers and offers to check stock; the other sends the customer away and adds a jacket",
            "No upsell, offers to check.", "Better."),
        new("I typed the wrong postcode on my order!", "hasn't shipped",
            "Please be advised that address changes cannot be guaranteed once an order has been placed. We will endeavour to update your details.",
            "No worries, it hasn't shipped yet. Send me the right postcode and I'll fix the label now.",
            B, B, B, B, "reassures and fixes it now; the other hedges",
            "Calm and quick.", "A sounds like a lawyer."),
        new("Is it okay to tumble dry the Summit down jacket?", "low heat",
            "Down products may be tumble dried on low heat with clean tennis balls to restore loft. Please refer to the care label for full instructions. We apologise for any confusion.",
            "Yes, on low heat, with two clean tennis balls to fluff the down back up. It takes a couple of hours to dry right through.",
            B, B, B, B, "starts with yes and adds a useful detail; the other apologises for nothing",
            "Starts with yes.", "Why apologise?"),
        new("Can I use two discount codes on one order?", "one code",
            "Please be advised that only one code may be used per order. We apologise for any inconvenience this may cause.",
            "Only one code per order, I'm afraid, but I'm happy to check which of yours saves you more.",
            B, B, B, B, "gives the same rule with a helpful offer; the other is a notice",
            "Helpful offer.", "Warmer."),
        new("Hi, Theo here. The Alder camp stove arrived with a dent in the burner.", "photo",
            "Dear Customer, we apologise for any inconvenience. Please provide a photo of the damage and our team will review your claim within 5-7 business days.",
            "Sorry, Theo, that's not how it should arrive. Send me a photo of the dent and I'll get a replacement out the same day.",
            B, B, B, B, "uses the customer's name and promises a same-day replacement; the other is the old template with a week's wait",
            "Uses his name, same day.", "5-7 days is the old template."),
        new("Will the Heron sleeping bag be back in stock before December?", "three weeks",
            "We expect the Heron sleeping bag to return in approximately three weeks. Please be advised that dates are subject to change. In the meantime, we recommend browsing our range of sleeping mats.",
            "We're expecting it in about three weeks, so well before December. Want me to add you to the restock e-mail?",
            B, B, B, B, "answers the December question and offers the restock e-mail; the other adds sleeping mats",
            "Answers 'before December'.", "No mats, thanks."),
        new("Do I need the original box to return something?", "sturdy box",
            "Items must be returned in suitable packaging. Please be advised that Fernway cannot accept responsibility for items damaged in transit. We recommend a sturdy box.",
            "Any sturdy box is fine. Pop the item in clean and unused, with the tags on if you still have them.",
            B, B, B, B, "answers in the first sentence; the other buries the answer after a disclaimer",
            "Answer first.", "Friendlier."),
        new("How do I re-waterproof my Tarn rain shell?", "technical cleaner",
            "Thank you for contacting us regarding garment care. Waterproof garments should be washed with a technical cleaner and tumble dried on a low setting to reactivate the water repellency. Should the issue persist, a spray-on proofer may be applied. We also stock a full range of proofing products.",
            "Wash it with a technical cleaner, then tumble dry on low for twenty minutes: the heat wakes the coating up. If it still wets out, a spray-on proofer will bring it back.",
            B, B, B, B, "gives the steps plainly; the other opens with a stock line and ends with a sales pitch",
            "Plain steps.", "No sales pitch."),
    ];

    /// <summary>The eval set with its two runs; outputs, the review and the judge follow once ids exist.</summary>
    public EvalSet BuildEvalSet()
    {
        var set = new EvalSet
        {
            Name = SetName,
            Description = "Twenty-four customer messages kept out of the Brand replies dataset; each expected text is the fact a right reply must state.",
            Metrics = [EvalMetrics.Contains],
            CreatedAt = now.AddDays(-9),
        };
        for (var i = 0; i < Pairs.Length; i++)
        {
            var messages = Messages(Pairs[i]);
            var item = new EvalItem
            {
                ExternalId = $"v-{i + 1:000}",
                InputJson = EvalSets.SerializeMessages(messages),
                Expected = Pairs[i].Fact,
                ContentHash = new ExampleContent(messages).ComputeHash(),
            };
            set.Items.Add(item);
            _pairs[item] = Pairs[i];
        }

        _baseline = Run("Prompted baseline", "gpt-4o-mini", "The canonical prompt alone: what the team had before fine-tuning.", daysAgo: 8);
        _baseline.IsBaseline = true;
        _candidate = Run("Fine-tuned on Brand replies", "ft:gpt-4o-mini:fernway:brand-replies:1", "Trained on the approved Brand replies conversations.", daysAgo: 7);
        set.Runs.Add(_baseline);
        set.Runs.Add(_candidate);
        return set;
    }

    /// <summary>What the model is sent for one pair: the brand prompt and the customer's message.</summary>
    private static List<MessageContent> Messages(Pair pair) => [new(MessageRole.System, BrandReplyDemo.CanonicalPrompt), new(MessageRole.User, pair.Customer)];

    private EvalRun Run(string name, string model, string notes, int daysAgo) => new()
    {
        Name = name,
        Model = model,
        Provider = "openai",
        SystemPrompt = BrandReplyDemo.CanonicalPrompt,
        SettingsJson = """{"temperature":0}""",
        Notes = notes,
        Status = EvalRunStatus.Completed,
        CreatedAt = now.AddDays(-daysAgo),
        CompletedAt = now.AddDays(-daysAgo).AddMinutes(2),
    };

    public IEnumerable<EvalResult> BuildResults() => _pairs.SelectMany(p => new[]
    {
        Result(_baseline, p.Key, p.Value.Baseline),
        Result(_candidate, p.Key, p.Value.Tuned),
    });

    /// <summary>The blind review both copywriters finished; it stays open so another reviewer can still add theirs.</summary>
    public Comparison BuildComparison()
    {
        _comparison = new Comparison { RunAId = _baseline.Id, RunBId = _candidate.Id, Name = ComparisonName, Seed = ComparisonSeed, CreatedAt = now.AddDays(-6) };
        var sides = BlindOrder.Assign(ComparisonSeed, _pairs.Keys.Select(i => i.Id)).ToDictionary(s => s.ItemId, s => s.AIsLeft);
        foreach (var (item, pair) in _pairs)
        {
            _comparison.Judgements.Add(Judgement(item, sides[item.Id], Kim, pair.KimPick, pair.KimReason, hoursAgo: 140));
            _comparison.Judgements.Add(Judgement(item, sides[item.Id], Noor, pair.NoorPick, pair.NoorReason, hoursAgo: 110));
        }

        return _comparison;
    }

    public Judge BuildJudge(Project project)
    {
        _judgeVersion = new JudgeVersion
        {
            Number = 1,
            Rubric = Rubric,
            Mode = JudgeMode.Pairwise,
            Endpoint = "openai",
            Model = "gpt-4o",
            Temperature = 0,
            CreatedBy = Lead,
            CreatedAt = now.AddDays(-5),
        };
        return new Judge { ProjectId = project.Id, Name = JudgeName, CreatedAt = now.AddDays(-5), Versions = [_judgeVersion] };
    }

    /// <summary>The judge's run over the review: every pair asked in both orders, as the executor does.</summary>
    public JudgeRun BuildJudgeRun()
    {
        var run = new JudgeRun
        {
            JudgeVersionId = _judgeVersion!.Id,
            ComparisonId = _comparison!.Id,
            Status = EvalRunStatus.Completed,
            CreatedBy = Lead,
            CreatedAt = now.AddDays(-5).AddMinutes(10),
            CompletedAt = now.AddDays(-5).AddMinutes(13),
        };
        foreach (var (item, pair) in _pairs)
        {
            var (choice, positionDependent) = JudgeCalibration.Combine(pair.JudgeAFirst, pair.JudgeBFirst);
            run.Verdicts.Add(new JudgeVerdict
            {
                EvalItemId = item.Id,
                AFirstChoice = pair.JudgeAFirst,
                BFirstChoice = pair.JudgeBFirst,
                Choice = choice,
                PositionDependent = positionDependent,
                ReasoningAFirst = Reasoning(pair, pair.JudgeAFirst, bShownFirst: false),
                ReasoningBFirst = Reasoning(pair, pair.JudgeBFirst, bShownFirst: true),
                PromptTokens = 2 * (TokenCounter.O200k.Count(Rubric + pair.Customer + pair.Fact + pair.Baseline + pair.Tuned) + 40),
                CompletionTokens = 2 * (TokenCounter.O200k.Count(pair.Why) + 16),
                LatencyMs = 2 * random.Next(700, 1600),
            });
        }

        return run;
    }

    /// <summary>What the judge wrote in one order, naming the answers as it saw them (A is whichever was shown first).</summary>
    private static string Reasoning(Pair pair, JudgementChoice runPick, bool bShownFirst)
    {
        if (runPick == Tie)
        {
            return $"Both answers {pair.Why}.";
        }

        var shown = (runPick == A) != bShownFirst ? "A" : "B";
        return $"Answer {shown} {pair.Why}.";
    }

    private Judgement Judgement(EvalItem item, bool aWasLeft, string reviewer, JudgementChoice choice, string reason, int hoursAgo) => new()
    {
        EvalItemId = item.Id,
        ReviewerId = userIds[reviewer],
        AWasLeft = aWasLeft,
        Choice = choice,
        Reason = reason,
        CreatedAt = now.AddHours(-hoursAgo).AddMinutes(random.Next(0, 90)),
    };

    private EvalResult Result(EvalRun run, EvalItem item, string output) => new()
    {
        EvalRunId = run.Id,
        EvalItemId = item.Id,
        Output = output,
        LatencyMs = random.Next(380, 1400),
        PromptTokens = TokenCounter.O200k.CountMessages(Messages(_pairs[item])),
        CompletionTokens = TokenCounter.O200k.Count(output),
        ScoresJson = "{}",
    };
}
