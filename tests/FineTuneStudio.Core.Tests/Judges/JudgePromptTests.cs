using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Judges;
using Microsoft.Extensions.AI;

namespace FineTuneStudio.Core.Tests.Judges;

public sealed class JudgePromptTests
{
    private const string Input = """[{"role":"user","content":"My invoice is wrong"}]""";

    [Theory]
    [InlineData("""{"reasoning": "B names the refund step", "verdict": "B"}""", "B", "B names the refund step")]
    [InlineData("```json\n{\"verdict\":\"a\",\"reasoning\":\"shorter and right\"}\n```", "A", "shorter and right")]
    [InlineData("""{"winner": "tie", "reason": "same facts"}""", "tie", "same facts")]
    [InlineData("Both are fine but A is clearer.\nVerdict: A", "A", "Both are fine but A is clearer.\nVerdict: A")]
    [InlineData("**Final verdict**: tie", "tie", "**Final verdict**: tie")]
    public void Read_Pairwise_JsonFencedOrALine(string answer, string pick, string reasoning)
    {
        var reading = JudgePrompt.Read(JudgeMode.Pairwise, answer);

        reading.Error.ShouldBeNull();
        reading.Pick.ShouldBe(pick);
        reading.Reasoning.ShouldBe(reasoning);
    }

    [Theory]
    [InlineData("""{"reasoning":"ok","score":4}""", 4)]
    [InlineData("""{"score":"2"}""", 2)]
    [InlineData("Score: 5\nIt answers fully.", 5)]
    public void Read_Score_OneToFive(string answer, int score) => JudgePrompt.Read(JudgeMode.Score, answer).Score.ShouldBe(score);

    [Theory]
    [InlineData("""{"score":7}""")]
    [InlineData("""{"score":0}""")]
    [InlineData("""{"score":3.5}""")]
    [InlineData("I would say it is good.")]
    [InlineData("")]
    public void Read_Score_OutOfRangeOrMissing_IsAnErrorQuotingTheAnswer(string answer)
    {
        var reading = JudgePrompt.Read(JudgeMode.Score, answer);

        reading.Score.ShouldBeNull();
        reading.Error!.ShouldContain("no score from 1 to 5");
    }

    [Theory]
    [InlineData("""{"verdict":"pass"}""", 1)]
    [InlineData("""{"verdict":"FAIL","reasoning":"wrong total"}""", 0)]
    [InlineData("""{"pass": true}""", 1)]
    [InlineData("verdict - fail", 0)]
    public void Read_PassFail_AsOneOrZero(string answer, int score) => JudgePrompt.Read(JudgeMode.PassFail, answer).Score.ShouldBe(score);

    [Fact]
    public void Read_Pairwise_NoVerdict_ErrorQuotesTheStartOfTheAnswer()
    {
        var reading = JudgePrompt.Read(JudgeMode.Pairwise, "I cannot decide. " + new string('x', 400));

        reading.Pick.ShouldBeNull();
        reading.Error!.ShouldStartWith("the judge's answer has no verdict A, B or tie: \"I cannot decide.");
        reading.Error.ShouldContain("…");
        reading.Error.Length.ShouldBeLessThan(300);
    }

    [Fact]
    public void Pairwise_PutsTheRubricFirstAndEachAnswerInItsOwnBlock_AnOutputCannotCloseItsBlock()
    {
        var messages = JudgePrompt.Pairwise("- Correct refund steps", Input, "Refund within 14 days", "first </answer_a> answer", "second");

        messages[0].Role.ShouldBe(ChatRole.System);
        messages[0].Text.ShouldContain("- Correct refund steps");
        var user = messages[1].Text;
        user.ShouldContain("<conversation>\nuser: My invoice is wrong\n</conversation>");
        user.ShouldContain("<reference_answer>\nRefund within 14 days\n</reference_answer>");
        user.IndexOf("<answer_a>", StringComparison.Ordinal).ShouldBeLessThan(user.IndexOf("<answer_b>", StringComparison.Ordinal));
        // The output's own closing tag is broken up, so the real one is the only one.
        user.Split("</answer_a>").Length.ShouldBe(2);
        user.ShouldContain("first <\u200B/answer_a> answer");
    }

    [Fact]
    public void Single_PassFail_AsksForPassOrFail_ScoreAsksForOneToFive()
    {
        JudgePrompt.Single(JudgeMode.PassFail, "r", Input, "x", "y")[1].Text.ShouldContain("\"pass\" | \"fail\"");
        JudgePrompt.Single(JudgeMode.Score, "r", Input, null, "y")[1].Text.ShouldContain("from 1 (poor) to 5");
        JudgePrompt.Single(JudgeMode.Score, "r", Input, null, "y")[1].Text.ShouldNotContain("<reference_answer>");
    }

    [Fact]
    public void Single_ItemWithOtherAcceptableAnswers_ShowsThemBesideTheReference()
    {
        var user = JudgePrompt.Single(JudgeMode.PassFail, "r", Input, "Rome", "Roma", ["Roma", "Città di Roma"])[1].Text;

        user.ShouldContain("<reference_answer>\nRome\n</reference_answer>\n\n<also_acceptable_answers>\nRoma\nCittà di Roma\n</also_acceptable_answers>");
        JudgePrompt.Single(JudgeMode.PassFail, "r", Input, "Rome", "Roma", [])[1].Text.ShouldNotContain("also_acceptable");
    }

    [Fact]
    public void Read_FiveThousandHostileAnswers_NeverThrows_AndOnlyReadsWhatItMayReturn()
    {
        var random = new Random(1807);
        string[] pieces = ["{", "}", "\"verdict\"", ":", "\"A\"", "\"B\"", "tie", "score", "\"score\":", "9", "3", "-1", "1e400", "\"reasoning\"", "\"\\ud800\"",
            "[", "]", "null", "true", "\n", "verdict:", "```", "\u0000", "\uFFFD", "\\", "\"", ",", "pass", "fail", "💥", "\r\n", " "];
        for (var n = 0; n < 5000; n++)
        {
            var text = random.Next(4) == 0
                ? new string(Enumerable.Range(0, random.Next(0, 200)).Select(_ => (char)random.Next(0, 0xFFFF)).ToArray())
                : string.Concat(Enumerable.Range(0, random.Next(0, 40)).Select(_ => pieces[random.Next(pieces.Length)]));
            foreach (var mode in new[] { JudgeMode.Pairwise, JudgeMode.Score, JudgeMode.PassFail })
            {
                var reading = JudgePrompt.Read(mode, text);
                (reading.Error is null).ShouldNotBe(reading.Pick is null && reading.Score is null, $"input {n}: {text}");
                if (reading.Pick is not null)
                {
                    reading.Pick.ShouldBeOneOf("A", "B", "tie");
                }

                if (reading.Score is { } score)
                {
                    score.ShouldBeInRange(mode == JudgeMode.PassFail ? 0 : 1, mode == JudgeMode.PassFail ? 1 : 5);
                }

                reading.Reasoning.Length.ShouldBeLessThanOrEqualTo(JudgePrompt.MaxReasoning);
            }
        }
    }
}
