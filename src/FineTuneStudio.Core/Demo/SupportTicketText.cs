namespace FineTuneStudio.Core.Demo;

/// <summary>The building blocks of the demo support tickets: scenarios per urgency and the phrases around them.</summary>
internal static class SupportTicketText
{
    public const string CanonicalPrompt =
        "Classify the support ticket by urgency. Answer with one word: critical, high, normal or low.";

    /// <summary>The wording used before the guidelines were written; some older examples still carry it.</summary>
    public const string LegacyPrompt =
        "You are a helpdesk assistant. Read the ticket and reply with its priority (critical, high, normal, low).";

    public static readonly string[] Labels = ["critical", "high", "normal", "low"];

    /// <summary>A kind of ticket; <paramref name="Fault"/> is false for questions, requests and feedback, which take no troubleshooting details.</summary>
    public sealed record Scenario(string Label, string[] Tags, string[] Bodies, bool Fault = true);

    public static readonly IReadOnlyDictionary<string, string[]> Slots = new Dictionary<string, string[]>
    {
        ["product"] = ["the web dashboard", "the mobile app", "the reporting module", "the admin console", "the booking page", "the scheduler", "the desktop client", "the customer portal"],
        ["feature"] = ["CSV export", "the monthly report", "bulk edit", "saved filters", "the PDF invoice download", "the timesheet export", "the audit trail view"],
        ["region"] = ["EU", "US East", "Sydney", "Frankfurt", "Toronto", "Singapore", "London"],
        ["time"] = ["about 8:15 this morning", "around 14:00 UTC", "the last half hour", "roughly 9:40 today", "shortly after midnight", "the start of our shift"],
        ["plan"] = ["Team", "Business", "Enterprise", "Starter", "Growth"],
        ["company"] = ["Harbor Street Dental", "Bluefin Freight", "Copperleaf Studio", "Meadow Lane School", "Quarry Point Legal", "Tandem Bike Works", "Lakeside Vets", "Orchard Row Bakery", "Granite Peak Realty", "Silverline Couriers", "Brightwater Clinic", "Pinecrest Hotels"],
        ["name"] = ["Dana", "Luis", "Mei", "Tomasz", "Aisha", "Jonas", "Farah", "Ben", "Ines", "Kwame", "Sofia", "Raj", "Hannah", "Diego", "Yuki", "Olu", "Marta", "Sam"],
        ["browser"] = ["Firefox", "Chrome", "Safari", "Edge"],
        ["device"] = ["Android", "iPhone", "iPad", "Android tablet"],
        ["count"] = ["12", "25", "40", "all 60", "over 100", "about 30", "most of our 80"],
        ["orders"] = ["17", "42", "over 200", "about 90", "63"],
        ["amount"] = ["$49.00", "$318.40", "$1,200.00", "EUR 89.00", "$640.00", "GBP 275.50"],
        ["days"] = ["two", "three", "five", "seven", "ten"],
        ["hours"] = ["three", "four", "six", "eight"],
        ["day"] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the weekend"],
        ["staff"] = ["accountants", "warehouse staff", "support agents", "sales reps", "front-desk staff", "drivers", "teachers"],
        ["seats"] = ["25", "40", "15", "60"],
        ["fewer"] = ["18", "31", "9", "52"],
        ["lang"] = ["Portuguese", "Polish", "Vietnamese", "Turkish", "Dutch"],
        ["deadline"] = ["by Thursday", "before month-end close on Friday", "for a board meeting tomorrow", "by the end of the week", "before payroll runs on Monday"],
    };

    public static readonly Scenario[] Scenarios =
    [
        new("critical", ["outage"],
        [
            "{product} shows a blank white page for everyone in our {region} office since {time}. The status page says all systems are fine, but none of us can sign in.",
            "Nothing loads for anyone on our side since {time}: {product} just spins and then times out. We have tried different networks and machines in {region}.",
        ]),
        new("critical", ["data-loss"],
        [
            "After this morning's sync every project created in the last {days} days has vanished from {product}. The trash is empty and yesterday's backup file is missing them as well.",
            "Records we entered over the past {days} days are gone. They were there last night, and this morning {product} shows the old versions as if our changes never happened.",
        ]),
        new("critical", ["billing", "outage"],
        [
            "Checkout fails for every customer with the message 'payment session expired'. We have lost {orders} orders since {time} and the shop is effectively closed.",
            "No card payment has gone through since {time}. Customers get to the last step of checkout and it bounces them back to the cart. {orders} abandoned orders so far.",
        ]),
        new("critical", ["security"],
        [
            "One of our admins got an alert about a sign-in to his account from a country none of us are in, and two new API keys were created a minute later. We have not revoked anything yet and need help right away.",
            "Someone changed the owner e-mail on our account overnight and it was not any of us. We are locked out of the admin settings and worried about what else they can see.",
        ]),
        new("critical", ["security", "billing"],
        [
            "When I open the billing page in {product} I can see invoices that belong to another company, including their address and card ending. I have not shared this with anyone, but it looks like a serious leak.",
        ]),
        new("critical", ["api", "outage"],
        [
            "Every call to the public API has returned 503 since {time}. Our warehouse scanners depend on it, so shipping has stopped completely.",
            "The API is refusing all requests with a gateway error since {time}. Our order intake runs on it, so nothing is coming in at the moment.",
        ]),
        new("critical", ["data-loss", "import"],
        [
            "Today's import attached {orders} orders to the wrong customer accounts. Our drivers are heading to the wrong addresses and customers can see each other's orders.",
        ]),
        new("critical", ["mobile", "outage"],
        [
            "Since the last update the {device} app closes as soon as it opens, for every one of our field staff. They cannot clock in or see their jobs for today.",
        ]),
        new("high", ["login"],
        [
            "About {count} people on our team cannot sign in with single sign-on since yesterday afternoon. Anyone who still has a local password gets in fine.",
            "Our single sign-on stopped working for {count} users after we renewed our certificate. Those users see 'invalid response' and are stuck at the sign-in page.",
        ]),
        new("high", ["billing"],
        [
            "We were charged twice for the {plan} plan this month, {amount} both times, two minutes apart. Please refund the second charge.",
            "Our card was billed {amount} for an upgrade we never made. The plan page still says {plan}, so something went wrong on your side.",
        ]),
        new("high", ["performance"],
        [
            "Since {day} {product} takes over a minute to open any report. Small reports used to appear in a couple of seconds, and our {staff} now wait on every screen.",
            "Everything in {product} has become very slow for our whole office since {day}. Saving a simple form takes twenty seconds or more.",
        ]),
        new("high", ["mobile", "sync"],
        [
            "Changes made in the {device} app take hours to show up in {product}. Our dispatchers are planning routes from stale data and sending drivers to jobs that were already done.",
        ]),
        new("high", ["reporting"],
        [
            "{feature} fails with 'unexpected error' for any date range longer than a week. We need the quarterly numbers {deadline}.",
            "{feature} has been producing empty files since {day}, whatever range we choose. Our {staff} need it {deadline}.",
        ]),
        new("high", ["api"],
        [
            "Webhooks for new orders stopped firing about {hours} hours ago. We are copying each order into our system by hand until they come back.",
        ]),
        new("high", ["permissions"],
        [
            "After we reorganised roles yesterday our {staff} lost access to the shared folders they use all day. I cannot see what changed in the role settings.",
        ]),
        new("high", ["notifications"],
        [
            "Our customers have not received booking confirmation e-mails since {day}. Several have phoned to check whether their appointment exists.",
        ]),
        new("normal", ["login"],
        [
            "I asked for a password reset link twice this morning and nothing arrived, not even in spam. Could you send it again or check my account?",
            "The password reset e-mail says the link has expired even when I click it straight away. Is there another way to reset it?",
        ]),
        new("normal", ["billing"],
        [
            "Our latest invoice shows {seats} seats, but only {fewer} people use the account. How are seats counted, and can we lower the number?",
            "Could you explain the line 'prorated adjustment' on this month's invoice? The total is {amount} and I cannot match it to anything we changed.",
        ], Fault: false),
        new("normal", ["how-to"],
        [
            "How do I move a project from one workspace to another without losing its comments and attachments?",
            "Is there a way to copy a set of saved filters to a colleague, or does each person have to build them again?",
        ], Fault: false),
        new("normal", ["bug"],
        [
            "The date picker in {product} jumps back to January whenever I choose a date in {browser}. It works in another browser, so I can get by.",
            "In {browser} the search box in {product} loses what I typed if I switch tabs. Retyping works, it is just annoying.",
        ]),
        new("normal", ["billing"],
        [
            "We have moved offices. Please change the billing address on our account; the new address is in the attached letter.",
        ], Fault: false),
        new("normal", ["login"],
        [
            "I got a new phone and my authenticator codes are gone. How do I set up two-factor sign-in again on the new device?",
        ], Fault: false),
        new("normal", ["import"],
        [
            "Our CSV import skips rows whose notes column contains a comma. Is there a way to quote those values so they come through?",
        ]),
        new("normal", ["notifications"],
        [
            "I keep getting a daily summary e-mail that I never subscribed to. Where can I switch it off?",
        ]),
        new("normal", ["api"],
        [
            "What is the request limit on the public API for the {plan} plan? We are planning a nightly sync of roughly ten thousand records.",
        ], Fault: false),
        new("low", ["feature-request"],
        [
            "It would be lovely to have a dark theme in {product}. Our evening staff look at it for hours at a time.",
            "Could you add keyboard shortcuts for moving between items in the list view? Reaching for the mouse every time slows me down a little.",
            "Would it be possible to export charts as PNG images as well as PDF? We paste them into slides.",
        ], Fault: false),
        new("low", ["cosmetic"],
        [
            "Small thing: the settings page says 'Notifcations' instead of 'Notifications'.",
            "On a narrow screen the Save button overlaps the footer text in {product}. It still works, it just looks odd.",
        ]),
        new("low", ["feedback"],
        [
            "Just wanted to say the new calendar view is a real improvement. One wish: let us choose which day the week starts on.",
        ], Fault: false),
        new("low", ["docs"],
        [
            "The help article about webhooks still shows screenshots of the old menu, which confused a new colleague for a few minutes.",
        ], Fault: false),
        new("low", ["feature-request"],
        [
            "Any plans to translate the interface into {lang}? Several of our new {staff} would appreciate it.",
        ], Fault: false),
    ];

    public static readonly string[] Greetings = ["Hi team,", "Hello,", "Hi support,", "Good morning,", "Hey there,", "Hello support team,", "Hi,", ""];

    public static readonly string[] Contexts =
    [
        "We are on the {plan} plan at {company}.",
        "I manage the account for {company}.",
        "Writing on behalf of {company} ({plan} plan).",
        "I'm the office manager at {company}.",
        "Our company, {company}, has used you for a couple of years.",
    ];

    public static readonly string[] Details =
    [
        "I tried clearing the cache and signing out and in again, no change.",
        "A screenshot is attached.",
        "Colleagues in other offices see the same thing.",
        "We use {browser} on company laptops.",
        "Nothing changed on our side as far as I know.",
        "It started right after your latest release.",
    ];

    public static readonly IReadOnlyDictionary<string, string[]> Impacts = new Dictionary<string, string[]>
    {
        ["critical"] = ["Nobody here can work until this is fixed.", "Please treat this as an emergency.", "Every minute this lasts is costing us money.", "Please call us back as soon as possible."],
        ["high"] = ["We have a workaround, but it costs the team hours every day.", "It is slowing everyone down.", "Could someone look at this today?", "It is hurting us more each day it stays like this."],
        ["normal"] = ["Not urgent, whenever someone has a moment.", "Thanks for looking into it.", "No rush.", ""],
        ["low"] = ["No hurry at all.", "Nice to have, nothing is blocked.", "Thought you would like to know.", ""],
    };

    public static readonly string[] Closers = ["Thanks,\n{name}", "Thank you,\n{name}", "Regards,\n{name}", "Cheers, {name}", "{name}", "Thanks in advance.", "Best,\n{name}"];

    /// <summary>Single-word swaps used to plant near-duplicates (a re-typed or lightly edited ticket).</summary>
    public static readonly IReadOnlyDictionary<string, string> Swaps = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["about"] = "around",
        ["every"] = "each",
        ["team"] = "staff",
        ["customers"] = "clients",
        ["people"] = "users",
        ["please"] = "kindly",
        ["lovely"] = "great",
        ["small"] = "minor",
        ["since"] = "from",
        ["again"] = "once more",
        ["office"] = "branch",
        ["really"] = "truly",
        ["right"] = "straight",
        ["yesterday"] = "recently",
    };

    public static readonly string[] RejectionReasons =
    [
        "Two separate problems in one ticket; split it and label each part.",
        "The label does not follow the guidelines: one person's sign-in trouble is normal, not high.",
        "The ticket text is cut off; re-import it from the original.",
        "Not a support ticket: this is an internal note that slipped into the import.",
    ];

    public const string Guidelines = """
        # Ticket urgency: labeling guidelines

        Give every ticket exactly one label. Judge the **impact on the customer's business right now**,
        not the tone of the message: a polite ticket can be critical and an angry one can be low.

        ## critical
        Work has stopped for many people, money or data is being lost, or there is a security problem.
        The desk must react within minutes.

        > "Every call to the API has returned 503 since 8:15. Our warehouse scanners depend on it, so shipping has stopped."

        ## high
        Something important is broken for a group of people or has a deadline soon, but work goes on,
        often through a painful workaround. Someone should pick it up the same day.

        > "About 25 people cannot sign in with single sign-on; those with a local password get in fine."

        ## normal
        One person is affected, or the customer asks a question, needs an account change or reports a
        bug they can work around easily. Answer within the usual service time.

        > "I asked for a password reset link twice and nothing arrived. Could you send it again?"

        ## low
        Ideas, wishes, cosmetic flaws, documentation fixes and praise. Nothing is blocked.

        > "It would be lovely to have a dark theme in the web dashboard."

        ## Edge cases
        - **Security always wins.** Any sign of someone else in an account, or of one customer seeing
          another's data, is critical, even if the writer sounds calm.
        - **Count the people, not the exclamation marks.** One user locked out is normal; a whole team
          locked out is high; nobody able to work is critical.
        - **Money taken by mistake** (double charges, unexpected upgrades) is high. A question about an
          invoice is normal.
        - **A deadline raises a ticket by at most one level**, and only when the date is close and real.
        - **Two problems in one ticket:** label the more urgent one and add a comment so a reviewer can
          split it.
        - **Personal data in the text** (e-mail addresses, phone numbers): label the ticket as usual and
          tag it `pii` so it is cleaned before export. Order numbers, version numbers and dates are not
          personal data.
        """;
}
