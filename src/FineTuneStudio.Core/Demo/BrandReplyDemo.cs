using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;

namespace FineTuneStudio.Core.Demo;

/// <summary>
/// The "Brand replies" chat dataset: short multi-turn conversations in which a fictional outdoor
/// shop answers customers warmly and briefly. A few keep an off-voice first reply for context,
/// masked from training with weight 0.
/// </summary>
internal sealed class BrandReplyDemo(Random random, DateTime now, IReadOnlyDictionary<string, string> userIds)
{
    public const int ConversationCount = 100;
    public const int MaskedCount = 6;
    private const double MaxSimilarity = 0.7;

    public const string CanonicalPrompt =
        "You are Fernway's customer care assistant. Write the way our team talks: warm, brief and plain. " +
        "Answer the question in your first sentence, use the customer's name when you know it, offer one clear next step, " +
        "and never push a sale.";

    public const string Guidelines = """
        # Brand replies: writing guidelines

        Our replies sound like a helpful person at the shop counter, not like a legal notice.

        ## Do
        - Answer the actual question in the first sentence.
        - Keep it short: two to four sentences per turn is plenty.
        - Use the customer's first name once, if they gave it.
        - End with one concrete next step (a link, an action, what happens next and when).
        - Say sorry once, and mean it, when we got something wrong.

        ## Don't
        - Don't suggest products the customer did not ask about.
        - Don't promise dates or refunds the policy does not allow: 30 days for returns, refunds 3 to 5
          working days after the parcel arrives back, repairs under the 2-year warranty.
        - Don't use stock phrases such as "we apologise for any inconvenience" or "please be advised".

        ## Masked turns
        Some conversations start with an old template reply. Keep it so the later turns make sense, but
        set its weight to 0 so the model does not learn from it.
        """;

    private static readonly string[] Names = ["Alex", "Priya", "Jordan", "Mateo", "Chloe", "Sanjay", "Freya", "Noah", "Leila", "Ewan", "Rosa", "Theo", "Amara", "Finn", "Iris", "Kai"];
    private static readonly string[] Garments = ["Moss merino base layer", "Summit down jacket", "Tarn rain shell", "Gale softshell jacket", "Drift walking trousers", "Kestrel trail shoes", "Fell fleece"];
    private static readonly string[] Gear = ["Ridgeline 40L pack", "Alder camp stove", "Brook water filter", "Lantern headlamp", "Heron sleeping bag", "Cairn trekking poles", "Otter dry bag"];

    // Which products fit which question: nobody asks how to wash a camp stove.
    private static readonly IReadOnlyDictionary<string, string[]> ProductSlots = new Dictionary<string, string[]>
    {
        ["item"] = [.. Garments, .. Gear],
        ["garment"] = Garments,
        ["shell"] = ["Tarn rain shell", "Gale softshell jacket", "Drift walking trousers"],
        ["zipped"] = ["Ridgeline 40L pack", "Summit down jacket", "Heron sleeping bag", "Tarn rain shell", "Fell fleece"],
        ["buckled"] = ["Ridgeline 40L pack", "Otter dry bag", "Kestrel trail shoes"],
    };

    private sealed record Turn(string User, string Assistant);

    private sealed record Topic(string Tag, Turn[] Openings, Turn[] FollowUps);

    private static readonly Topic[] Topics =
    [
        new("delivery",
        [
            new("Hi, I'm {name}. My order {order} was due yesterday and the tracking hasn't moved in three days.", "Sorry for the wait, {name}. I've checked {order}: the parcel is held at the courier's depot and I've asked them to release it today. You'll get a fresh tracking e-mail once it moves."),
            new("Where is my {item}? Order {order}. It said two to three days and it's been a week.", "Thanks for your patience. Order {order} left us on time but the courier missed a scan, so tracking looks frozen. I've opened a trace with them and will update you by tomorrow midday."),
        ],
        [
            new("Can you send it to my work address instead?", "Yes, as long as it hasn't gone out for delivery yet. Send me the address here and I'll pass it to the courier straight away."),
            new("I need it for a trip on Saturday. Will it make it?", "It should arrive by Thursday. If it hasn't by Thursday evening, tell me and I'll send a replacement by next-day delivery at no cost."),
        ]),
        new("returns",
        [
            new("Hello, I'd like to return the {item} from order {order}. It's unused.", "Of course, {name}. Returns are free within 30 days: I've e-mailed you a prepaid label for order {order}. Drop the parcel at any post office whenever suits you."),
            new("The {item} isn't what I expected. How do I send it back?", "No problem at all. Reply with your order number and I'll send a prepaid return label; once it's back with us the refund takes 3 to 5 working days."),
        ],
        [
            new("Do I need the original box?", "Any sturdy box is fine. Just pop the item in clean and unused, with the tags on if you still have them."),
            new("When will I get my money back?", "Within 3 to 5 working days of the parcel reaching us. You'll get an e-mail the moment we process it."),
            new("It's been 35 days, is that too late?", "It's a few days past our 30-day window, but as it's unused I'm happy to accept it this time. I've sent you the label."),
        ]),
        new("exchange",
        [
            new("The {garment} is a bit too small. Can I swap for the next size up?", "Absolutely. I've reserved the next size for you and e-mailed a free return label; we'll ship the new one as soon as the courier scans your parcel."),
            new("Hi, {name} here. Can I exchange the {garment} for a different colour?", "Happy to, {name}. Tell me which colour you'd like and I'll hold it for you while the original makes its way back."),
        ],
        [
            new("Do I pay postage for the swap?", "No, exchanges are free both ways."),
            new("How long until the new one arrives?", "Usually two to three working days after your return is scanned. I'll send tracking as soon as it leaves."),
        ]),
        new("damaged",
        [
            new("My {item} arrived with a torn seam. Order {order}.", "I'm sorry, that's not the welcome we want for you. Could you send a photo of the seam? I'll get a replacement out as soon as I see it."),
            new("The {item} was broken when I opened the box.", "Sorry about that. A photo of the damage is all I need; then I'll send a replacement or a full refund, whichever you prefer."),
        ],
        [
            new("Photo attached.", "Thank you, that's clearly a fault. A replacement is on its way today and you don't need to send the damaged one back."),
            new("I'd rather have a refund, actually.", "Of course. I've refunded the full amount to your card; it should show within 3 to 5 working days."),
        ]),
        new("care",
        [
            new("How should I wash the {garment}?", "Cool machine wash, 30 degrees, mild detergent and no fabric softener. Let it dry flat away from direct heat."),
            new("Can I re-waterproof my {shell}? It's started to wet out.", "Yes. Wash it with a technical cleaner, then tumble dry on low for twenty minutes; the heat wakes up the coating. If it still wets out, a spray-on proofer will restore it."),
        ],
        [
            new("Can I iron it?", "Best not to. A short, low tumble dry does the same job without any risk to the fabric."),
            new("Is dry cleaning okay?", "Please avoid it: the solvents strip the coating. A gentle home wash is kinder to it."),
        ]),
        new("discount",
        [
            new("The code WELCOME10 says it's invalid at checkout.", "Sorry about that. The code works on full-price items only, which may be why. If your basket is all full price, tell me and I'll apply the discount by hand."),
            new("I forgot to use my discount code on order {order}. Can you still apply it?", "Yes, {name}, we can do that within 14 days of ordering. I've refunded the 10 percent to your original payment method."),
        ],
        [
            new("Can I use two codes together?", "Only one code per order, I'm afraid. I'm happy to check which one saves you more."),
        ]),
        new("warranty",
        [
            new("The zip on my {zipped} broke after a year. Is that covered?", "Yes, zips are covered by our 2-year warranty. Send us a photo and your order number and we'll arrange a free repair."),
            new("A buckle snapped on my {buckled}. Can you fix it?", "We can, {name}. Buckles are covered for two years; I've e-mailed you a free postage label for the repair team."),
        ],
        [
            new("How long does a repair take?", "About two weeks from when it reaches our workshop. We'll e-mail you when it's on its way back."),
            new("I don't have the receipt anymore.", "That's fine, we can find the order from your e-mail address or the card you paid with."),
        ]),
        new("stock",
        [
            new("Will the {item} be back in stock soon?", "We're expecting it in about three weeks. Want me to put you on the restock e-mail so you hear first?"),
            new("Is the {garment} available in a smaller size?", "Right now the smallest size is sold out online. I can set an alert for you, or check whether one of our shops still has it."),
        ],
        [
            new("Yes please, add me to the list.", "Done. You'll get one e-mail when it's back, and nothing else."),
        ]),
        new("address",
        [
            new("I typed the wrong house number on order {order}!", "No worries, {name}, it hasn't shipped yet. What's the right number? I'll fix it now."),
        ],
        [
            new("It's 14, not 41.", "All sorted: the label now says 14. Your order goes out tomorrow as planned."),
        ]),
    ];

    private static readonly Turn[] Closings =
    [
        new("Thanks, that's really helpful!", "You're welcome. Enjoy your next trip!"),
        new("Great, thank you.", "My pleasure. Just reply here if anything else comes up."),
        new("Perfect, cheers.", "Glad I could help. Have a lovely week."),
    ];

    // The old template the team used before the guidelines; kept for context, never trained on.
    private const string OffVoiceReply =
        "Dear Customer, thank you for contacting Fernway Customer Services. We acknowledge receipt of your enquiry and " +
        "apologise for any inconvenience caused. Please be advised that a member of our team will respond within 5-7 business days.";

    private static readonly string[] Nudges =
    [
        "Five to seven days? I only need a quick answer.",
        "Is there a person there? It's a simple question.",
        "That's a long wait. Can anyone help sooner?",
    ];

    private static readonly string[] RejectionReasons =
    [
        "Promises a refund date the policy does not allow.",
        "Second reply recommends a product the customer never asked about.",
        "Too long: the answer is in the fourth sentence.",
    ];

    public Dataset BuildDataset()
    {
        var dataset = new Dataset
        {
            Name = "Brand replies",
            TaskKind = TaskKind.Chat,
            CanonicalSystemPrompt = CanonicalPrompt,
            Guidelines = Guidelines,
            RequiredAnnotations = 1,
            CreatedAt = now.AddDays(-38),
            UpdatedAt = now.AddDays(-1),
        };

        var seen = new List<HashSet<string>>();
        var masked = 0;
        for (var attempt = 0; dataset.Examples.Count < ConversationCount; attempt++)
        {
            if (attempt > 10_000)
            {
                throw new InvalidOperationException("The demo conversation templates cannot produce enough distinct conversations.");
            }

            var mask = masked < MaskedCount && random.Chance(0.1);
            var (content, tag) = Compose(mask);

            // Conversations built from the same turns would all look like near-duplicates; keep them apart.
            var shingles = DemoText.WordShingles(string.Join("\n", content.Messages.Skip(1).Select(m => m.Content)));
            if (seen.Any(s => DemoText.Jaccard(s, shingles) >= MaxSimilarity))
            {
                continue;
            }

            seen.Add(shingles);
            masked += mask ? 1 : 0;
            dataset.Examples.Add(NewExample(content with { Tags = [tag] }, mask));
        }

        return dataset;
    }

    private (ExampleContent Content, string Tag) Compose(bool maskFirstReply)
    {
        var topic = random.Pick(Topics);
        var slots = ProductSlots.ToDictionary(p => p.Key, p => new[] { random.Pick(p.Value) });
        slots["name"] = [random.Pick(Names)];
        slots["order"] = [$"FW-{random.Next(10_000, 100_000)}"];
        var userTurns = random.Next(2, 5);
        var followUps = topic.FollowUps.OrderBy(_ => random.Next()).Take(userTurns - 2).ToList();
        var turns = new List<Turn> { random.Pick(topic.Openings) };
        turns.AddRange(followUps);
        turns.Add(random.Chance(0.6) ? random.Pick(Closings) : random.Pick(topic.FollowUps));
        turns = turns.DistinctBy(t => t.User).ToList();
        if (maskFirstReply)
        {
            // The customer pushes back on the template and the real answer follows in our voice.
            turns.Insert(1, new Turn(random.Pick(Nudges), turns[0].Assistant));
            turns[0] = turns[0] with { Assistant = OffVoiceReply };
            turns = turns.Take(4).ToList();
        }

        var messages = new List<MessageContent> { new(MessageRole.System, CanonicalPrompt) };
        for (var i = 0; i < turns.Count; i++)
        {
            var user = turns[i].User;

            // The assistant may only use a name the customer gave, so sign the first message when a reply needs it.
            if (i == 0 && !user.Contains("{name}", StringComparison.Ordinal) && (turns.Any(t => t.Assistant.Contains("{name}", StringComparison.Ordinal)) || random.Chance(0.4)))
            {
                user += "\n\n{name}";
            }

            messages.Add(new(MessageRole.User, DemoText.Fill(user, random, slots)));
            int? weight = maskFirstReply ? (i == 0 ? 0 : 1) : null;
            messages.Add(new(MessageRole.Assistant, DemoText.Fill(turns[i].Assistant, random, slots), Weight: weight));
        }

        return (new ExampleContent(messages), topic.Tag);
    }

    private Example NewExample(ExampleContent content, bool masked)
    {
        var created = now.AddMinutes(-random.Next(60, 60 * 24 * 35));
        var status = random.NextDouble() switch
        {
            < 0.55 => ExampleStatus.Approved,
            < 0.75 => ExampleStatus.Submitted,
            < 0.94 => ExampleStatus.Draft,
            _ => ExampleStatus.Rejected,
        };
        var example = new Example
        {
            Source = random.Chance(0.3) ? ExampleSource.ProductionLog : ExampleSource.Manual,
            Status = status,
            RejectionReason = status == ExampleStatus.Rejected ? random.Pick(RejectionReasons) : null,
            Notes = masked ? "The first reply is the old template: kept for context, weight 0." : "",
            CreatedById = userIds[random.Chance(0.7) ? "labeler3@demo.local" : "labeler1@demo.local"],
            CreatedAt = created,
            UpdatedAt = created.AddMinutes(random.Next(0, 60 * 48)) is var updated && updated < now ? updated : now,
            Version = Guid.NewGuid(),
        };
        content.ApplyTo(example);
        return example;
    }
}
