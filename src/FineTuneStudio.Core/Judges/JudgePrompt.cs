using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using Microsoft.Extensions.AI;

namespace FineTuneStudio.Core.Judges;

/// <summary>What one judge call said: a pick ("A", "B" or tie) or a score, and the reasoning; or why it could not be read.</summary>
public sealed record JudgeReading(string? Pick, int? Score, string Reasoning, string? Error);

/// <summary>
/// The messages a judge model is sent, and the reading of its answer. The rubric is the system message; the
/// conversation, the reference answer and the output(s) go in tagged blocks, so an output cannot pass itself
/// off as the other one.
/// </summary>
public static partial class JudgePrompt
{
    public const int MaxReasoning = 8000;

    /// <summary>Both outputs, <paramref name="first"/> shown as answer A.</summary>
    public static List<ChatMessage> Pairwise(string rubric, string inputJson, string? expected, string first, string second, IReadOnlyList<string>? alsoAccepted = null)
    {
        var user = new StringBuilder();
        AppendConversation(user, inputJson, expected, alsoAccepted);
        Block(user, "answer_a", first);
        Block(user, "answer_b", second);
        user.Append("Which answer is better by the criteria? Reply with JSON only: {\"reasoning\": \"...\", \"verdict\": \"A\" | \"B\" | \"tie\"}");
        return [new ChatMessage(ChatRole.System, Instructions(rubric)), new ChatMessage(ChatRole.User, user.ToString())];
    }

    /// <summary>One output alone, scored 1 to 5 or marked pass or fail against the reference.</summary>
    public static List<ChatMessage> Single(JudgeMode mode, string rubric, string inputJson, string? expected, string output, IReadOnlyList<string>? alsoAccepted = null)
    {
        var user = new StringBuilder();
        AppendConversation(user, inputJson, expected, alsoAccepted);
        Block(user, "answer", output);
        user.Append(mode == JudgeMode.PassFail
            ? "Does the answer pass by the criteria and the reference? Reply with JSON only: {\"reasoning\": \"...\", \"verdict\": \"pass\" | \"fail\"}"
            : "Score the answer by the criteria from 1 (poor) to 5 (excellent). Reply with JSON only: {\"reasoning\": \"...\", \"score\": 1-5}");
        return [new ChatMessage(ChatRole.System, Instructions(rubric)), new ChatMessage(ChatRole.User, user.ToString())];
    }

    /// <summary>
    /// Reads a judge's answer: a JSON object (anywhere in the text, fenced or not) with <c>verdict</c> or
    /// <c>score</c>, else a "verdict: X" / "score: N" line. Never throws.
    /// </summary>
    public static JudgeReading Read(JudgeMode mode, string? answer)
    {
        var text = answer ?? "";
        string? verdict = null;
        int? score = null;
        var reasoning = "";
        if (JsonObjectOf(text) is { } json)
        {
            verdict = json.Verdict;
            score = json.Score;
            reasoning = json.Reasoning ?? "";
        }

        verdict ??= VerdictLine().Match(text) is { Success: true } v ? v.Groups[1].Value : null;
        score ??= ScoreLine().Match(text) is { Success: true } s && int.TryParse(s.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        if (reasoning.Length == 0)
        {
            reasoning = text.Trim();
        }

        reasoning = reasoning.Length > MaxReasoning ? reasoning[..MaxReasoning] : reasoning;
        var shown = text.Length > 200 ? text[..200] + "…" : text;
        switch (mode)
        {
            case JudgeMode.Pairwise:
                var pick = verdict?.Trim().ToUpperInvariant() switch
                {
                    "A" or "ANSWER A" or "ANSWER_A" => "A",
                    "B" or "ANSWER B" or "ANSWER_B" => "B",
                    "TIE" or "EQUAL" or "DRAW" or "NEITHER" or "BOTH" => "tie",
                    _ => null,
                };
                return pick is null ? new JudgeReading(null, null, reasoning, $"the judge's answer has no verdict A, B or tie: \"{shown}\"") : new JudgeReading(pick, null, reasoning, null);
            case JudgeMode.PassFail:
                var passed = verdict?.Trim().ToUpperInvariant() switch
                {
                    "PASS" or "PASSED" or "TRUE" or "YES" => (int?)1,
                    "FAIL" or "FAILED" or "FALSE" or "NO" => 0,
                    _ => null,
                };
                return passed is null ? new JudgeReading(null, null, reasoning, $"the judge's answer has no verdict pass or fail: \"{shown}\"") : new JudgeReading(null, passed, reasoning, null);
            default:
                return score is >= 1 and <= 5 ? new JudgeReading(null, score, reasoning, null)
                    : new JudgeReading(null, null, reasoning, $"the judge's answer has no score from 1 to 5: \"{shown}\"");
        }
    }

    private static string Instructions(string rubric) =>
        "You are an impartial evaluator of a model's answers. Judge only by these criteria:\n\n" + rubric.Trim() +
        "\n\nThe order in which answers are shown says nothing about their quality; length alone is no merit.";

    private static void AppendConversation(StringBuilder user, string inputJson, string? expected, IReadOnlyList<string>? alsoAccepted)
    {
        var conversation = new StringBuilder();
        foreach (var turn in EvalInputTurn.Parse(inputJson))
        {
            conversation.Append(turn.Role).Append(": ").Append(turn.Content).Append('\n');
        }

        Block(user, "conversation", conversation.ToString().TrimEnd());
        if (!string.IsNullOrWhiteSpace(expected))
        {
            Block(user, "reference_answer", expected);
            if (alsoAccepted is { Count: > 0 })
            {
                // The item's other answers that count as right (other spellings, say), one per line.
                Block(user, "also_acceptable_answers", string.Join('\n', alsoAccepted));
            }
        }
    }

    private static void Block(StringBuilder text, string tag, string content) =>
        // A closing tag inside the content would end the block early; it is broken up instead.
        text.Append('<').Append(tag).Append(">\n").Append(content.Replace("</", "<\u200B/", StringComparison.Ordinal)).Append("\n</").Append(tag).Append(">\n\n");

    private static (string? Verdict, int? Score, string? Reasoning)? JsonObjectOf(string text)
    {
        var start = text.IndexOf('{');
        var end = text.LastIndexOf('}');
        if (start < 0 || end <= start)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text.AsMemory(start, end - start + 1));
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            string? verdict = null;
            int? score = null;
            string? reasoning = null;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name.ToLowerInvariant())
                {
                    case "verdict" or "winner" or "choice" or "result":
                        verdict = property.Value.ValueKind switch
                        {
                            JsonValueKind.String => property.Value.GetString(),
                            JsonValueKind.True => "pass",
                            JsonValueKind.False => "fail",
                            _ => null,
                        };
                        break;
                    case "pass" or "passed":
                        verdict ??= property.Value.ValueKind switch { JsonValueKind.True => "pass", JsonValueKind.False => "fail", _ => null };
                        break;
                    case "score" or "rating":
                        if (property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetDouble(out var number) && Math.Abs(number - Math.Round(number)) < 1e-9 && Math.Abs(number) < 1000)
                        {
                            score = (int)Math.Round(number);
                        }
                        else if (property.Value.ValueKind == JsonValueKind.String && int.TryParse(property.Value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                        {
                            score = parsed;
                        }

                        break;
                    case "reasoning" or "reason" or "explanation" or "rationale":
                        reasoning = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
                        break;
                }
            }

            return (verdict, score, reasoning);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            // A lone surrogate, for one: not JSON we can read.
            return null;
        }
    }

    [GeneratedRegex(@"(?im)^\W*(?:final\s+)?verdict\W*(A|B|tie|pass|fail)\b")]
    private static partial Regex VerdictLine();

    // A decimal such as 3.5 is no score on a 1–5 scale: it is not read as 3.
    [GeneratedRegex(@"(?im)^\W*score\W*([0-9]{1,3})(?![0-9]|[.,][0-9])")]
    private static partial Regex ScoreLine();
}
