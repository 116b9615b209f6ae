using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Tests.Datasets;

public sealed class DatasetDraftTests
{
    private static DatasetSummary Urgency() => new(7, 1, "Urgency", TaskKind.Classification, "", "", ["urgent", "low"], 1, 0, DateTime.UnixEpoch,
        AnswerStyle.PerLabel, "", new Dictionary<string, string> { ["urgent"] = "Reply today.", ["low"] = "Reply this week." },
        new Dictionary<string, LabelGuide> { ["urgent"] = new("Money at stake", "Charged twice") });

    [Fact]
    public void ToInput_AfterRenamingARow_CarriesItsGuideAndAnswerUnderTheNewName()
    {
        var draft = DatasetDraft.From(Urgency());

        draft.Rows[0].Label = "critical";
        var input = draft.ToInput();

        input.Labels.ShouldBe(["critical", "low"]);
        input.LabelGuides!["critical"].ShouldBe(new LabelGuide("Money at stake", "Charged twice"));
        input.LabelAnswers!["critical"].ShouldBe("Reply today.");
    }

    [Fact]
    public void ToInput_AfterRemovingARowOrLeavingItBlank_DropsTheLabelAndItsGuide()
    {
        var draft = DatasetDraft.From(Urgency());
        draft.AddRow();

        draft.RemoveRow(draft.Rows[0]);
        var input = draft.ToInput();

        input.Labels.ShouldBe(["low"]);
        input.LabelGuides!.Keys.ShouldNotContain("urgent");
        draft.AnswerPreview.ShouldBe("For 'low' the model learns: Reply this week.");
    }

    [Fact]
    public void ToInput_ForAChatDataset_SendsNoLabels()
    {
        var draft = DatasetDraft.From(Urgency());
        draft.TaskKind = TaskKind.Chat;

        var input = draft.ToInput();

        input.Labels.ShouldBeEmpty();
        input.LabelGuides.ShouldBeEmpty();
        input.AnswerStyle.ShouldBe(AnswerStyle.Label);
    }
}
