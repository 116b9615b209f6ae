using System.Text.Json;

namespace FineTuneStudio.Bench;

/// <summary>
/// Support-ticket chats in OpenAI's JSONL shape, seeded so every run writes the same file: a system prompt, one or
/// two user turns of varied length, the urgency as the assistant's answer; about 1 in 50 uses a tool call with its
/// tool definitions, and about 1 in 100 repeats an earlier ticket (the import skips those as duplicates).
/// </summary>
internal static class DatasetGenerator
{
    public const string SystemPrompt = "You sort support tickets by urgency: answer critical, high, normal or low.";

    public static readonly string[] Labels = ["critical", "high", "normal", "low"];

    public static readonly string[] Products = ["invoice", "export", "dashboard", "login", "webhook", "report", "billing", "upload"];

    private static readonly string[] Problems =
    [
        "times out after {0} seconds", "shows an empty page", "charged us twice this month", "rejects my password since {0} minutes",
        "sends the same email {0} times", "is missing the rows from last week", "crashes when the file is larger than {0} MB",
        "loads fine but the totals are off by {0} percent",
    ];

    private static readonly string[] Openers = ["Hi team,", "Hello,", "Urgent:", "Quick question:", "Good morning,", ""];

    private static readonly string[] Closers =
    [
        "", "Thanks.", "Our customers are waiting on this.", "Nothing critical, just curious.", "We have a board meeting tomorrow and need the numbers.",
        "This blocks the whole finance team, please call me back as soon as you can.",
    ];

    private const string Tools = """[{"type":"function","function":{"name":"lookup_account","description":"Account details by number","parameters":{"type":"object","properties":{"account":{"type":"string"}},"required":["account"]}}}]""";

    /// <summary>Writes <paramref name="count"/> lines and returns the file size in bytes.</summary>
    public static long Write(string path, int count)
    {
        var random = new Random(20261130);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 256 * 1024);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        var previous = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var ticket = i > 100 && random.Next(100) == 0 ? previous[random.Next(previous.Count)] : Ticket(random, i);
            if (previous.Count < 1000)
            {
                previous.Add(ticket);
            }

            var label = Labels[(ticket.Length * 7 + ticket[^2]) % Labels.Length];
            writer.WriteStartObject();
            writer.WriteStartArray("messages");
            Message(writer, "system", SystemPrompt);
            Message(writer, "user", ticket);
            if (i % 50 == 7)
            {
                writer.WriteStartObject();
                writer.WriteString("role", "assistant");
                writer.WriteStartArray("tool_calls");
                writer.WriteStartObject();
                writer.WriteString("id", $"call_{i}");
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", "lookup_account");
                writer.WriteString("arguments", $$"""{"account":"{{1000 + i % 9000}}"}""");
                writer.WriteEndObject();
                writer.WriteEndObject();
                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteStartObject();
                writer.WriteString("role", "tool");
                writer.WriteString("tool_call_id", $"call_{i}");
                writer.WriteString("content", $$"""{"plan":"{{(i % 3 == 0 ? "enterprise" : "team")}}","open_tickets":{{i % 17}}}""");
                writer.WriteEndObject();
            }
            else if (i % 10 == 3)
            {
                Message(writer, "assistant", "Which account number is affected?");
                Message(writer, "user", $"Account {1000 + random.Next(9000)}, since this morning.");
            }

            Message(writer, "assistant", label);
            writer.WriteEndArray();
            if (i % 50 == 7)
            {
                writer.WritePropertyName("tools");
                using var tools = JsonDocument.Parse(Tools);
                tools.RootElement.WriteTo(writer);
            }

            writer.WriteEndObject();
            writer.Flush();
            stream.WriteByte((byte)'\n');
            writer.Reset();
        }

        writer.Flush();
        return stream.Length;
    }

    private static string Ticket(Random random, int i)
    {
        var product = Products[random.Next(Products.Length)];
        var problem = string.Format(System.Globalization.CultureInfo.InvariantCulture, Problems[random.Next(Problems.Length)], random.Next(2, 120));
        return $"{Openers[random.Next(Openers.Length)]} ticket {i}: the {product} {problem} for account {1000 + random.Next(9000)}. {Closers[random.Next(Closers.Length)]}".Trim();
    }

    private static void Message(Utf8JsonWriter writer, string role, string content)
    {
        writer.WriteStartObject();
        writer.WriteString("role", role);
        writer.WriteString("content", content);
        writer.WriteEndObject();
    }
}
