using System.Text.RegularExpressions;
using FineTuneStudio.Core.Tests.Evaluation;

namespace FineTuneStudio.Core.Tests.Judges;

/// <summary>Judges by rule, for a <see cref="ScriptedChatServer"/>: they read the tagged answers the judge prompt sends.</summary>
public static partial class ScriptedJudges
{
    /// <summary>The two answers of a pairwise prompt, in the order shown.</summary>
    public static (string First, string Second) AnswersOf(string prompt)
    {
        var match = Answers().Match(prompt);
        return (match.Groups[1].Value, match.Groups[2].Value);
    }

    /// <summary>Reads both answers and prefers the longer one, whichever place it has.</summary>
    public static FakeReply PrefersLonger(string prompt, int attempt)
    {
        var (first, second) = AnswersOf(prompt);
        var pick = first.Length > second.Length ? "A" : second.Length > first.Length ? "B" : "tie";
        return FakeReply.Text($$"""{"reasoning": "answer {{pick}} says more", "verdict": "{{pick}}"}""", promptTokens: 100, completionTokens: 20);
    }

    /// <summary>Always picks the answer shown first.</summary>
    public static FakeReply AlwaysA(string prompt, int attempt) => FakeReply.Text("""{"reasoning": "the first one reads well", "verdict": "A"}""");

    [GeneratedRegex("<answer_a>\n(.*?)\n</answer_a>.*<answer_b>\n(.*?)\n</answer_b>", RegexOptions.Singleline)]
    private static partial Regex Answers();
}
