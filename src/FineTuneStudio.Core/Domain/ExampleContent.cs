using System.Security.Cryptography;
using System.Text;

namespace FineTuneStudio.Core.Domain;

/// <summary>One conversation turn, detached from the database.</summary>
public sealed record MessageContent(
    MessageRole Role,
    string? Content,
    string? Name = null,
    string? ToolCallsJson = null,
    string? ToolCallId = null,
    int? Weight = null);

/// <summary>
/// The content of an example without database identity: what import produces, export writes and
/// quality analysis reads. Pure code works on this, never on tracked entities.
/// </summary>
public sealed record ExampleContent(
    IReadOnlyList<MessageContent> Messages,
    string? Label = null,
    IReadOnlyList<string>? Tags = null,
    string? PreferredCompletion = null,
    string? RejectedCompletion = null,
    string? ToolsJson = null)
{
    public string? SystemPrompt => Messages.FirstOrDefault(m => m.Role == MessageRole.System)?.Content;

    /// <summary>
    /// SHA-256 over the normalised content (roles, trimmed text with collapsed white space, tool calls,
    /// label, preference completions). Two examples with the same hash are exact duplicates.
    /// </summary>
    public string ComputeHash()
    {
        var text = new StringBuilder();
        foreach (var m in Messages)
        {
            text.Append(m.Role.ToString().ToLowerInvariant()).Append('\u001f')
                .Append(Normalize(m.Content)).Append('\u001f')
                .Append(m.ToolCallsJson ?? "").Append('\u001f')
                .Append(m.ToolCallId ?? "").Append('\u001e');
        }

        text.Append("label:").Append(Normalize(Label)).Append('\u001e')
            .Append("chosen:").Append(Normalize(PreferredCompletion)).Append('\u001e')
            .Append("rejected:").Append(Normalize(RejectedCompletion));
        if (!string.IsNullOrEmpty(ToolsJson))
        {
            // Appended only when present, so hashes of examples without tools stay as they were.
            text.Append('\u001e').Append("tools:").Append(ToolsJson);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Lower-cased text of every turn, for search.</summary>
    public string SearchText()
    {
        var text = string.Join("\n", Messages.Select(m => m.Content).Where(c => !string.IsNullOrEmpty(c)));
        if (!string.IsNullOrEmpty(PreferredCompletion))
        {
            text += "\n" + PreferredCompletion;
        }

        if (!string.IsNullOrEmpty(RejectedCompletion))
        {
            text += "\n" + RejectedCompletion;
        }

        return text.ToLowerInvariant();
    }

    /// <summary>Trimmed, with runs of white space folded to one space.</summary>
    public static string Normalize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "";
        }

        var result = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value.AsSpan().Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace)
            {
                result.Append(' ');
                pendingSpace = false;
            }

            result.Append(c);
        }

        return result.ToString();
    }

    public static ExampleContent FromEntity(Example example) => new(
        example.Messages.OrderBy(m => m.Position)
            .Select(m => new MessageContent(m.Role, m.Content, m.Name, m.ToolCallsJson, m.ToolCallId, m.Weight)).ToList(),
        example.Label,
        example.Tags,
        example.PreferredCompletion,
        example.RejectedCompletion,
        example.ToolsJson);

    /// <summary>Copies content into an entity: messages replaced, hash and search text refreshed.</summary>
    public void ApplyTo(Example example) => ApplyTo(example, ComputeHash());

    /// <summary>For callers that computed <see cref="ComputeHash"/> already (import checks it for duplicates first).</summary>
    public void ApplyTo(Example example, string contentHash)
    {
        example.Messages.Clear();
        for (var i = 0; i < Messages.Count; i++)
        {
            var m = Messages[i];
            example.Messages.Add(new ExampleMessage
            {
                Position = i,
                Role = m.Role,
                Content = m.Content,
                Name = m.Name,
                ToolCallsJson = m.ToolCallsJson,
                ToolCallId = m.ToolCallId,
                Weight = m.Weight,
            });
        }

        example.Label = Label;
        example.Tags = Tags?.ToList() ?? [];
        example.PreferredCompletion = PreferredCompletion;
        example.RejectedCompletion = RejectedCompletion;
        example.ToolsJson = ToolsJson;
        example.ContentHash = contentHash;
        example.SearchText = SearchText();
    }
}
