using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Training;

/// <summary>
/// One part of an example. MessageIndex is the position in the example's messages, or -1 for the preferred
/// and -2 for the rejected completion. Tokens counts the text (and tool-call JSON) only, without the fixed
/// per-message overhead, which the loss never sees.
/// </summary>
public sealed record TokenSegment(int MessageIndex, MessageRole Role, string Text, int Tokens, bool Trained, string Reason);

public sealed record TrainablePreview(string Target, IReadOnlyList<TokenSegment> Segments)
{
    public int TrainedTokens => Segments.Where(s => s.Trained).Sum(s => s.Tokens);

    public int MaskedTokens => Segments.Where(s => !s.Trained).Sum(s => s.Tokens);
}

/// <summary>
/// Shows which parts of an example the training loss sees for a target, and which are only context.
/// The rules follow what each trainer does by default with the file our writer produces.
/// </summary>
public static class TrainableTokenPreview
{
    public const int PreferredIndex = -1;
    public const int RejectedIndex = -2;

    public static TrainablePreview Preview(ExampleContent example, TrainingTargetProfile target, TokenCounter? tokenCounter = null)
    {
        var counter = tokenCounter ?? TokenCounter.For(target.Encoding);
        var segments = new List<TokenSegment>(example.Messages.Count + 2);
        var lastAssistant = LastIndex(example.Messages, MessageRole.Assistant);
        for (var i = 0; i < example.Messages.Count; i++)
        {
            var message = example.Messages[i];
            var (trained, reason) = Decide(target, message, i, lastAssistant, example.Messages.Count);
            segments.Add(Segment(counter, i, message, trained, reason));
        }

        if (target.IsPreference || (target.FileShape == TargetFileShape.PromptCompletion && lastAssistant != example.Messages.Count - 1))
        {
            AddCompletions(example, target, counter, segments);
        }

        return new TrainablePreview(target.Key, segments);
    }

    private static (bool Trained, string Reason) Decide(TrainingTargetProfile target, MessageContent message, int index, int lastAssistant, int count)
    {
        if (target.IsPreference)
        {
            return (false, "Prompt: context for both completions.");
        }

        switch (target.FileShape)
        {
            case TargetFileShape.PromptCompletion:
                return index == lastAssistant && index == count - 1 && index > 0
                    ? (true, "Completion: the trainer computes the loss on the completion only.")
                    : (false, "Prompt: context only.");
            case TargetFileShape.GeminiContents:
                return message.Role == MessageRole.Assistant
                    ? (true, "Model turn: Vertex AI trains on every model turn.")
                    : (false, "Not a model turn: context only.");
            case TargetFileShape.BedrockText or TargetFileShape.BedrockConverse:
                return message.Role == MessageRole.Assistant
                    ? (true, "Assistant turn: Bedrock trains on every assistant turn.")
                    : (false, "Not an assistant turn: context only.");
            case TargetFileShape.ChatMessages when target.WeightSupport == WeightSupport.None:
                // TRL's SFT trainer computes the loss on the whole conversation unless assistant-only loss is switched on.
                return (true, "Whole conversation: trained by default (switch on assistant-only loss to train replies only).");
        }

        if (message.Role != MessageRole.Assistant)
        {
            return (false, "Not an assistant turn: context only.");
        }

        return message.Weight == 0
            ? (false, target.WeightSupport == WeightSupport.TrainFlag ? "Assistant turn with train false: context only." : "Assistant turn with weight 0: context only.")
            : (true, "Assistant turn: trained.");
    }

    private static void AddCompletions(ExampleContent example, TrainingTargetProfile target, TokenCounter counter, List<TokenSegment> segments)
    {
        if (!string.IsNullOrEmpty(example.PreferredCompletion))
        {
            segments.Add(new TokenSegment(PreferredIndex, MessageRole.Assistant, example.PreferredCompletion, counter.Count(example.PreferredCompletion), true,
                target.IsPreference ? "Preferred completion: its likelihood is raised." : "Completion: the trainer computes the loss on the completion only."));
        }

        if (target.IsPreference && !string.IsNullOrEmpty(example.RejectedCompletion))
        {
            segments.Add(new TokenSegment(RejectedIndex, MessageRole.Assistant, example.RejectedCompletion, counter.Count(example.RejectedCompletion), true,
                "Rejected completion: its likelihood is lowered."));
        }
    }

    private static TokenSegment Segment(TokenCounter counter, int index, MessageContent message, bool trained, string reason)
    {
        var tokens = counter.Count(message.Content);
        if (message.ToolCallsJson is not null)
        {
            tokens += counter.Count(TokenCounter.CompactJson(message.ToolCallsJson));
        }

        return new TokenSegment(index, message.Role, message.Content ?? message.ToolCallsJson ?? "", tokens, trained, reason);
    }

    private static int LastIndex(IReadOnlyList<MessageContent> messages, MessageRole role)
    {
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i].Role == role)
            {
                return i;
            }
        }

        return -1;
    }
}
