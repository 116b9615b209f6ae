using FineTuneStudio.Core.Datasets;

namespace FineTuneStudio.Core.Tests.Examples;

public sealed class LabelTextTests
{
    [Fact]
    public void ParseLabels_OneLine_SplitsAtCommas() =>
        LabelText.ParseLabels(" urgent, normal ,low ").ShouldBe(["urgent", "normal", "low"]);

    [Fact]
    public void ParseLabels_SeveralLines_KeepsCommasInsideALabel() =>
        LabelText.ParseLabels("# classes\r\nbilling, refunds\r\n\r\nlogin\r\n").ShouldBe(["billing, refunds", "login"]);

    [Fact]
    public void ParseAnswers_LabelBarAnswer_ReadsEachLine() =>
        LabelText.ParseAnswers("urgent | Page the on-call engineer.\nlow|Backlog it.").ShouldBe(
            new Dictionary<string, string> { ["urgent"] = "Page the on-call engineer.", ["low"] = "Backlog it." });

    [Fact]
    public void ParseAnswers_LineWithoutBar_NamesTheLine()
    {
        var error = Should.Throw<StudioValidationException>(() => LabelText.ParseAnswers("urgent | now\nlow backlog")).Errors.Single();

        (error.Line, error.Field).ShouldBe((2, "labelAnswers"));
    }
}
