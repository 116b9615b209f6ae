using System.Globalization;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Core.Versions;

/// <summary>
/// Counts, over the examples of a cut, what their target's files could not hold: features the target lacks
/// (tools, per-turn weights, system turns, multi-turn conversations, preference pairs) and examples whose shape does
/// not fit it at all (no preference pair for a preference target, no final answer for prompt / completion). A cut
/// is refused with one error per feature, never one per example. Lost features may be dropped on request
/// (<see cref="Drop"/>); misfits cannot, as nothing would be left to write.
/// </summary>
public sealed class TargetFitChecker(TrainingTargetProfile target, IReadOnlyList<TrainingTargetProfile>? others = null)
{
    /// <summary>Feature names as the manifest records them.</summary>
    public static string KeyOf(TargetCapabilities feature) => feature switch
    {
        TargetCapabilities.Tools => "tools",
        TargetCapabilities.TurnWeights => "turn_weights",
        TargetCapabilities.SystemTurn => "system_turn",
        TargetCapabilities.MultiTurn => "multi_turn",
        TargetCapabilities.PreferencePairs => "preference_pairs",
        _ => feature.ToString(),
    };

    private const int ListedIds = 5;

    private static readonly TargetCapabilities[] Features =
    [
        TargetCapabilities.Tools, TargetCapabilities.TurnWeights, TargetCapabilities.SystemTurn,
        TargetCapabilities.MultiTurn, TargetCapabilities.PreferencePairs,
    ];

    private readonly Dictionary<TargetCapabilities, Tally> _lost = [];
    private readonly Tally _withoutPair = new();
    private readonly Tally _withoutCompletion = new();
    private readonly Tally _notAlternating = new();
    private int _misfits;

    public TrainingTargetProfile Target { get; } = target;

    public int Examples { get; private set; }

    /// <summary>Examples with a preferred or rejected completion.</summary>
    public int WithPreference { get; private set; }

    /// <summary>Per feature the target lacks, how many examples use it.</summary>
    public IReadOnlyDictionary<TargetCapabilities, int> Lost => _lost.ToDictionary(p => p.Key, p => p.Value.Count);

    /// <summary>Examples a preference target cannot take because they have no preferred and rejected completion.</summary>
    public int WithoutPreferencePair => _withoutPair.Count;

    /// <summary>Examples prompt / completion cannot take because no assistant answer ends them.</summary>
    public int WithoutCompletion => _withoutCompletion.Count;

    /// <summary>Examples Bedrock's lines cannot take: tool calls or results, or turns that do not alternate from a user turn to an answer.</summary>
    public int NotAlternating => _notAlternating.Count;

    /// <summary>What of <paramref name="example"/> the target could not carry; no counting.</summary>
    public TargetCapabilities LostBy(ExampleContent example)
    {
        var lost = TargetCapabilities.None;
        if (!Target.Carries(TargetCapabilities.Tools) && !string.IsNullOrWhiteSpace(example.ToolsJson))
        {
            lost |= TargetCapabilities.Tools;
        }

        if (!Target.Carries(TargetCapabilities.TurnWeights) && WeightsDisagree(example))
        {
            lost |= TargetCapabilities.TurnWeights;
        }

        if (!Target.Carries(TargetCapabilities.SystemTurn) && example.Messages.Any(m => m.Role == MessageRole.System))
        {
            lost |= TargetCapabilities.SystemTurn;
        }

        if (!Target.Carries(TargetCapabilities.MultiTurn) && example.Messages.Count(m => m.Role == MessageRole.User) > 1)
        {
            lost |= TargetCapabilities.MultiTurn;
        }

        if (!Target.IsPreference && HasPreference(example))
        {
            lost |= TargetCapabilities.PreferencePairs;
        }

        return lost;
    }

    /// <summary>
    /// Counts one example. True when it can be written as asked: it fits the target's shape and loses nothing,
    /// or loses only what <paramref name="dropUnsupported"/> allows to be left out.
    /// </summary>
    public bool Add(ExampleContent example, bool dropUnsupported, int? exampleId = null)
    {
        Examples++;
        WithPreference += HasPreference(example) ? 1 : 0;
        var fits = true;
        if (Target.IsPreference && !JsonlExampleWriter.HasPreferencePair(example))
        {
            _withoutPair.Add(exampleId);
            fits = false;
        }

        if (Target.FileShape == TargetFileShape.PromptCompletion && !JsonlExampleWriter.HasCompletion(example))
        {
            _withoutCompletion.Add(exampleId);
            fits = false;
        }

        // Checked on the turns as they would be written: dropping a preference pair may add the answer.
        if (Target.NeedsAlternatingText && BedrockLineWriter.AlternationProblem((dropUnsupported ? Drop(example) : example).Messages) is not null)
        {
            _notAlternating.Add(exampleId);
            fits = false;
        }

        var lost = LostBy(example);
        foreach (var feature in Features.Where(f => lost.HasFlag(f)))
        {
            (_lost.TryGetValue(feature, out var tally) ? tally : _lost[feature] = new Tally()).Add(exampleId);
        }

        _misfits += fits ? 0 : 1;
        return fits && (dropUnsupported || lost == TargetCapabilities.None);
    }

    /// <summary>The example without what the target cannot carry; the same instance when nothing is lost.</summary>
    public ExampleContent Drop(ExampleContent example)
    {
        var lost = LostBy(example);
        if (lost == TargetCapabilities.None)
        {
            return example;
        }

        var messages = example.Messages;
        var result = example;
        if (lost.HasFlag(TargetCapabilities.Tools))
        {
            result = result with { ToolsJson = null };
        }

        if (lost.HasFlag(TargetCapabilities.TurnWeights))
        {
            messages = messages.Select(m => m.Weight is null ? m : m with { Weight = null }).ToList();
        }

        if (lost.HasFlag(TargetCapabilities.SystemTurn))
        {
            messages = messages.Where(m => m.Role != MessageRole.System).ToList();
        }

        if (lost.HasFlag(TargetCapabilities.MultiTurn))
        {
            // The last question and what answers it: the part a single-turn trainer learns from.
            var lastUser = LastIndex(messages, MessageRole.User);
            messages = messages.Where((m, i) => i >= lastUser || m.Role == MessageRole.System).ToList();
        }

        if (lost.HasFlag(TargetCapabilities.PreferencePairs))
        {
            // The preferred completion stays as the answer when the conversation has none of its own.
            if (!string.IsNullOrWhiteSpace(example.PreferredCompletion) && (messages.Count == 0 || messages[^1].Role != MessageRole.Assistant))
            {
                messages = [.. messages, new MessageContent(MessageRole.Assistant, example.PreferredCompletion)];
            }

            result = result with { PreferredCompletion = null, RejectedCompletion = null };
        }

        return ReferenceEquals(messages, example.Messages) ? result : result with { Messages = messages };
    }

    /// <summary>
    /// One error per lost feature and per misfit, each with the number of examples, what would be lost and
    /// which targets keep it; lost features are not errors when <paramref name="dropUnsupported"/> is set, nor when no
    /// example fits the target's shape (dropping them would not make anything writable, so only the misfit is said).
    /// </summary>
    public IReadOnlyList<InputError> Errors(bool dropUnsupported)
    {
        var errors = new List<InputError>();
        var key = Target.Key;
        if (_withoutPair.Count > 0)
        {
            errors.Add(new InputError("preference_pairs",
                $"{Of(_withoutPair)} no preference pair (a preferred and a rejected completion), which {key} needs on every example; "
                + $"cut them to {Alternatives(t => !t.IsPreference, preferShape: false)} instead, or add the pairs first."));
        }

        if (_withoutCompletion.Count > 0)
        {
            errors.Add(new InputError("completion",
                $"{Of(_withoutCompletion, "do", "does")} not end with an assistant answer after a prompt, which {key} needs as the completion; "
                + $"finish those conversations or cut them to {Alternatives(t => t.FileShape == TargetFileShape.ChatMessages, preferShape: false)}."));
        }

        if (_notAlternating.Count > 0)
        {
            errors.Add(new InputError("turns",
                $"{Of(_notAlternating)} tool calls or results, or turns that do not alternate between user and assistant from a user turn to a closing answer, "
                + $"which {key} needs; cut them to {Alternatives(t => t.Carries(TargetCapabilities.Tools) && !t.IsPreference, preferShape: false)} instead, or edit those conversations."));
        }

        if (dropUnsupported || (Examples > 0 && _misfits == Examples))
        {
            return errors;
        }

        foreach (var feature in Features)
        {
            if (!_lost.TryGetValue(feature, out var tally))
            {
                continue;
            }

            var (what, dropped) = feature switch
            {
                TargetCapabilities.Tools => ("tool definitions", "leave them out"),
                TargetCapabilities.TurnWeights => ("per-turn weights (assistant turns marked as trained or not)", $"train the turns {key} trains"),
                TargetCapabilities.SystemTurn => ("a system turn", "leave it out"),
                TargetCapabilities.MultiTurn => ("more than one user turn", "keep only the last question and its answer"),
                _ => ("preference pairs (a preferred and a rejected completion)", "keep only the preferred completion"),
            };
            errors.Add(new InputError(KeyOf(feature),
                $"{Of(tally)} {what}, which {key} cannot carry; {Alternatives(t => t.Carries(feature) || (feature == TargetCapabilities.PreferencePairs && t.IsPreference), preferShape: true)} "
                + $"{(tally.Count == 1 ? "keeps it" : "keep them")}, or cut with --drop-unsupported (\"Leave out what the target cannot carry\" on the page) to {dropped}."));
        }

        return errors;
    }

    /// <summary>The checks of <see cref="Add"/> and <see cref="Errors"/> over a whole set, for callers that hold it.</summary>
    public static IReadOnlyList<InputError> Check(IEnumerable<ExampleContent> examples, TrainingTargetProfile target, bool dropUnsupported = false)
    {
        var checker = new TargetFitChecker(target);
        foreach (var example in examples)
        {
            checker.Add(example, dropUnsupported);
        }

        return checker.Errors(dropUnsupported);
    }

    public static bool HasPreference(ExampleContent example) =>
        !string.IsNullOrWhiteSpace(example.PreferredCompletion) || !string.IsNullOrWhiteSpace(example.RejectedCompletion);

    /// <summary>
    /// Whether an explicit weight says something the target's default would not do: every assistant turn of a
    /// conversation is trained, only the completion of prompt / completion, no prompt turn of a preference pair.
    /// </summary>
    private bool WeightsDisagree(ExampleContent example)
    {
        var messages = example.Messages;
        var completion = Target.FileShape == TargetFileShape.PromptCompletion && messages.Count > 1 && messages[^1].Role == MessageRole.Assistant
            ? messages.Count - 1
            : -1;
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not { Role: MessageRole.Assistant, Weight: { } weight })
            {
                continue;
            }

            var trainedByDefault = Target.FileShape switch
            {
                TargetFileShape.ChatMessages or TargetFileShape.GeminiContents or TargetFileShape.BedrockText or TargetFileShape.BedrockConverse => true,
                TargetFileShape.PromptCompletion => i == completion,
                _ => false,
            };
            if ((weight != 0) != trainedByDefault)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Other targets that match, preferring those that also fit the set's shape (preference pairs or not).</summary>
    private string Alternatives(Func<TrainingTargetProfile, bool> carries, bool preferShape)
    {
        var candidates = (others ?? TrainingTargets.All).Where(t => t.Key != Target.Key && carries(t)).ToList();
        if (preferShape)
        {
            var fitting = candidates.Where(t => t.IsPreference ? WithPreference == Examples : WithPreference == 0).ToList();
            if (fitting.Count > 0)
            {
                candidates = fitting;
            }
        }

        var keys = candidates.Select(t => t.Key).ToList();
        return keys.Count switch
        {
            0 => "no other target",
            1 => keys[0],
            _ => string.Join(", ", keys[..^1]) + " or " + keys[^1],
        };
    }

    private static string Of(Tally tally, string plural = "have", string singular = "has")
    {
        var count = tally.Count.ToString("N0", CultureInfo.InvariantCulture);
        var ids = tally.Ids.Count == 0
            ? ""
            : $" ({(tally.Ids.Count == 1 && tally.Count == 1 ? "id" : "ids")} {string.Join(", ", tally.Ids.Select(i => i.ToString(CultureInfo.InvariantCulture)))}{(tally.Count > tally.Ids.Count ? ", …" : "")})";
        return tally.Count == 1 ? $"1 example{ids} {singular}" : $"{count} examples{ids} {plural}";
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

        return 0;
    }

    private sealed class Tally
    {
        public int Count { get; private set; }

        public List<int> Ids { get; } = [];

        public void Add(int? id)
        {
            Count++;
            if (id is { } known && Ids.Count < ListedIds)
            {
                Ids.Add(known);
            }
        }
    }
}
