using System.Text;
using System.Text.Json;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using Microsoft.Extensions.AI;

namespace FineTuneStudio.Core.Feedback;

/// <summary>The request sent for synthetic drafts and the reading of the model's answer.</summary>
public static class SyntheticPrompt
{
    public static List<ChatMessage> Build(string template, IReadOnlyList<ExampleContent> seeds, IReadOnlyList<string> labels, int count)
    {
        var system = new StringBuilder()
            .AppendLine("You write new, varied training examples for a fine-tuning dataset, in the style of the seed examples.")
            .AppendLine($"Answer with exactly {count} lines of JSON and nothing else, one object per line: {{\"input\": \"...\", \"output\": \"...\"{(labels.Count > 0 ? ", \"label\": \"...\"" : "")}}}.")
            .AppendLine("Do not copy a seed; do not include real names, e-mail addresses, phone numbers or card numbers.");
        if (labels.Count > 0)
        {
            system.AppendLine($"label must be one of: {string.Join(", ", labels)}.");
        }

        var user = new StringBuilder().AppendLine($"What to write: {template.Trim()}").AppendLine().AppendLine("Seed examples:");
        foreach (var seed in seeds)
        {
            var input = string.Join("\n", seed.Messages.Where(m => m.Role == MessageRole.User).Select(m => m.Content));
            var output = seed.Messages.LastOrDefault(m => m.Role == MessageRole.Assistant)?.Content ?? "";
            user.AppendLine(JsonSerializer.Serialize(new { input, output, label = seed.Label }));
        }

        return [new ChatMessage(ChatRole.System, system.ToString()), new ChatMessage(ChatRole.User, user.ToString())];
    }

    /// <summary>Reads the JSON lines of the answer (code fences tolerated); lines that are not usable objects are skipped.</summary>
    public static IEnumerable<ExampleContent> Parse(string? text, string? systemPrompt, IReadOnlyList<string> labels)
    {
        foreach (var raw in (text ?? "").Split('\n'))
        {
            var line = raw.Trim().TrimEnd(',');
            if (!line.StartsWith('{'))
            {
                continue;
            }

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException)
            {
                continue;
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object
                    || !root.TryGetProperty("input", out var input) || input.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(input.GetString())
                    || !root.TryGetProperty("output", out var output) || output.ValueKind != JsonValueKind.String)
                {
                    continue;
                }

                string? label = null;
                if (labels.Count > 0 && root.TryGetProperty("label", out var l) && l.ValueKind == JsonValueKind.String)
                {
                    label = labels.FirstOrDefault(x => string.Equals(x, l.GetString(), StringComparison.OrdinalIgnoreCase));
                }

                var messages = new List<MessageContent>();
                if (!string.IsNullOrEmpty(systemPrompt))
                {
                    messages.Add(new MessageContent(MessageRole.System, systemPrompt));
                }

                messages.Add(new MessageContent(MessageRole.User, input.GetString()));
                messages.Add(new MessageContent(MessageRole.Assistant, output.GetString()));
                yield return new ExampleContent(messages, label, ["synthetic"]);
            }
        }
    }
}
