using System.Collections.Concurrent;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Quality;

/// <summary>
/// Tokens of an example for quality analysis: exactly <see cref="TokenCounter.CountMessages(IEnumerable{MessageContent})"/>
/// plus the preferred and rejected completions, but cheaper at scale. Role names are counted once, and
/// system prompts (usually one or two wordings shared by every example) are remembered instead of being
/// tokenized again. Thread-safe, so batches can be counted in parallel.
/// </summary>
public sealed class QualityTokenCounter(TokenCounter counter)
{
    // Enough for every wording a real dataset has; past it, prompts are simply counted each time.
    private const int MaxRememberedPrompts = 256;

    private readonly Dictionary<MessageRole, int> _roles =
        Enum.GetValues<MessageRole>().ToDictionary(r => r, r => counter.Count(ChatRoleNames.Of(r)));

    private readonly ConcurrentDictionary<string, int> _prompts = new(StringComparer.Ordinal);

    public int Count(ExampleContent content)
    {
        var tokens = TokenCounter.TokensPerConversation;
        foreach (var message in content.Messages)
        {
            tokens += CountMessage(message);
        }

        return tokens + counter.Count(content.PreferredCompletion) + counter.Count(content.RejectedCompletion);
    }

    private int CountMessage(MessageContent message)
    {
        var role = _roles.TryGetValue(message.Role, out var known) ? known : counter.Count(ChatRoleNames.Of(message.Role));
        var tokens = TokenCounter.TokensPerMessage + role
            + (message.Role == MessageRole.System ? CountPrompt(message.Content) : counter.Count(message.Content));
        if (message.Name is not null)
        {
            tokens += counter.Count(message.Name) + TokenCounter.TokensPerName;
        }

        if (message.ToolCallsJson is not null)
        {
            tokens += counter.Count(TokenCounter.CompactJson(message.ToolCallsJson));
        }

        if (message.ToolCallId is not null)
        {
            tokens += counter.Count(message.ToolCallId);
        }

        return tokens;
    }

    private int CountPrompt(string? prompt)
    {
        if (string.IsNullOrEmpty(prompt))
        {
            return 0;
        }

        if (_prompts.TryGetValue(prompt, out var known))
        {
            return known;
        }

        var tokens = counter.Count(prompt);
        if (_prompts.Count < MaxRememberedPrompts)
        {
            _prompts.TryAdd(prompt, tokens);
        }

        return tokens;
    }
}
