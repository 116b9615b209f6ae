using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Training;

/// <summary>Token counts of an example with o200k_base: per message (with its 3-token envelope) and in total (plus the 3-token reply primer).</summary>
public static class ExampleTokens
{
    public static (IReadOnlyList<int> PerMessage, int Total) Count(IReadOnlyList<MessageContent> messages)
    {
        var counter = TokenCounter.O200k;
        var perMessage = messages.Select(counter.CountMessage).ToList();
        return (perMessage, perMessage.Sum() + TokenCounter.TokensPerConversation);
    }

    /// <summary>Tokens of an assistant turn with this text (the answer a label renders to), envelope included.</summary>
    public static int CountAnswer(string answer) => TokenCounter.O200k.CountMessage(new MessageContent(MessageRole.Assistant, answer));
}
