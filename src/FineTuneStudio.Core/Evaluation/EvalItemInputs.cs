using System.Text.Json;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Evaluation;

/// <summary>An eval item's stored input (<see cref="EvalItem.InputJson"/>, a JSON array of {role, content}) read back.</summary>
internal static class EvalItemInputs
{
    public static IReadOnlyList<MessageContent> Messages(string inputJson)
    {
        using var document = JsonDocument.Parse(inputJson);
        return document.RootElement.EnumerateArray().Select(m => new MessageContent(
            Enum.TryParse<MessageRole>(m.GetProperty("role").GetString(), true, out var role) ? role : MessageRole.User,
            m.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null)).ToList();
    }

    /// <summary>What the item asks last: its last user turn's text, or null when it has none.</summary>
    public static string? LastQuestion(string inputJson) =>
        Messages(inputJson).LastOrDefault(m => m.Role == MessageRole.User && !string.IsNullOrWhiteSpace(m.Content))?.Content;
}
