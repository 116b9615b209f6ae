using System.Security.Cryptography;
using System.Text;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>
/// What an eval item and an example share when the example is the item: the conversation the model is asked to answer.
/// For an item that is its input; for an example, every turn before its last assistant answer (all turns when it has
/// none). System prompts are left out, because a held-out file often carries another one (or none) than the dataset,
/// and text is compared trimmed with white space folded, as duplicates are. Only role and text count: an eval item
/// stores no tool calls.
/// </summary>
public static class HeldOutKey
{
    /// <summary>Null when the item asks nothing but a system prompt (a label-only row): it holds no example out.</summary>
    public static string? OfItem(string inputJson) =>
        Of(EvalInputTurn.Parse(inputJson).Select(t => (t.Role.Trim().ToLowerInvariant(), (string?)t.Content)));

    public static string? OfExample(IReadOnlyList<MessageContent> messages)
    {
        var answer = -1;
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i].Role == MessageRole.Assistant)
            {
                answer = i;
                break;
            }
        }

        return Of(messages.Take(answer < 0 ? messages.Count : answer).Select(m => (m.Role.ToString().ToLowerInvariant(), m.Content)));
    }

    private static string? Of(IEnumerable<(string Role, string? Content)> turns)
    {
        var text = new StringBuilder();
        foreach (var (role, content) in turns)
        {
            if (role == "system")
            {
                continue;
            }

            text.Append(role).Append('\u001f').Append(ExampleContent.Normalize(content)).Append('\u001e');
        }

        return text.Length == 0 ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
