using FineTuneStudio.Core.Domain;

namespace FineTuneStudio.Core.Tests.Examples;

/// <summary>The example's own methods: tokens, hashes and which state changes are refused.</summary>
public sealed class ExampleStateTests
{
    private static readonly DateTime Created = new(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Later = Created.AddMinutes(5);

    private static readonly ExampleContent Ticket = new(
        [new MessageContent(MessageRole.User, "The printer is on fire"), new MessageContent(MessageRole.Assistant, "high")],
        Label: "high", Tags: ["hardware"]);

    private static Example NewExample(ExampleStatus status = ExampleStatus.Draft) =>
        Example.Create(7, ExampleSource.Manual, status, Ticket, "ana", Created, "from a call");

    [Fact]
    public void Create_SetsContentHashSearchTextTimestampsAndAToken()
    {
        var example = NewExample(ExampleStatus.Submitted);

        (example.DatasetId, example.Source, example.Status, example.Split).ShouldBe((7, ExampleSource.Manual, ExampleStatus.Submitted, SplitPin.Auto));
        (example.CreatedById, example.Notes, example.Label).ShouldBe(("ana", "from a call", "high"));
        example.Messages.Select(m => (m.Position, m.Role, m.Content)).ShouldBe([(0, MessageRole.User, "The printer is on fire"), (1, MessageRole.Assistant, "high")]);
        example.Tags.ShouldBe(["hardware"]);
        example.ContentHash.ShouldBe(Ticket.ComputeHash());
        example.SearchText.ShouldBe("the printer is on fire\nhigh");
        (example.CreatedAt, example.UpdatedAt).ShouldBe((Created, Created));
        example.Version.ShouldNotBe(Guid.Empty);
        NewExample().Version.ShouldNotBe(example.Version);
    }

    [Fact]
    public void Create_TakesAHashTheCallerComputedAlready()
    {
        var example = Example.Create(7, ExampleSource.JsonlImport, ExampleStatus.Approved, Ticket, null, Created, contentHash: "precomputed");
        example.ContentHash.ShouldBe("precomputed");
    }

    [Fact]
    public void Create_Rejected_IsRefused_BecauseARejectionNeedsAReason() =>
        Should.Throw<InvalidOperationException>(() => Example.Create(7, ExampleSource.Manual, ExampleStatus.Rejected, Ticket, "ana", Created));

    public static TheoryData<string> Changes => ["edit", "replace content", "submit", "approve", "reject", "adjudicate", "label", "add tag", "remove tag", "pin split", "annotation submitted", "annotations complete"];

    [Theory]
    [MemberData(nameof(Changes))]
    public void EveryChange_RenewsTheVersionAndTheUpdateTime(string change)
    {
        var example = NewExample();
        var before = example.Version;

        Apply(example, change);

        example.Version.ShouldNotBe(before);
        example.UpdatedAt.ShouldBe(Later);
        example.CreatedAt.ShouldBe(Created);
    }

    [Fact]
    public void SetLabel_RecomputesTheHash_WhichIncludesTheLabel()
    {
        var example = NewExample();
        var before = example.ContentHash;

        example.SetLabel("low", Later);

        example.Label.ShouldBe("low");
        example.ContentHash.ShouldNotBe(before);
        example.ContentHash.ShouldBe((Ticket with { Label = "low" }).ComputeHash());
        example.SetLabel("high", Later);
        example.ContentHash.ShouldBe(before);
    }

    [Fact]
    public void AnnotationsComplete_AdoptsTheAgreedLabel_RehashesAndWaitsForReview()
    {
        var example = NewExample();

        example.AnnotationsComplete("low", Later);

        (example.Status, example.Label).ShouldBe((ExampleStatus.Submitted, "low"));
        example.ContentHash.ShouldBe((Ticket with { Label = "low" }).ComputeHash());
    }

    [Fact]
    public void AnnotationsComplete_WithoutConsensus_KeepsTheLabelAndHash()
    {
        var example = NewExample();
        var hash = example.ContentHash;

        example.AnnotationsComplete(null, Later);

        (example.Status, example.Label, example.ContentHash).ShouldBe((ExampleStatus.Submitted, "high", hash));
    }

    [Theory]
    [InlineData(ExampleStatus.Approved)]
    [InlineData(ExampleStatus.Rejected)]
    public void Annotations_OnADecidedExample_AreRefused_AndNothingChanges(ExampleStatus decided)
    {
        var example = NewExample();
        if (decided == ExampleStatus.Approved)
        {
            example.Approve("lead", Created);
        }
        else
        {
            example.Reject("off topic", "lead", Created);
        }

        var (version, label, hash) = (example.Version, example.Label, example.ContentHash);

        example.TakesAnnotations.ShouldBeFalse();
        Should.Throw<InvalidOperationException>(() => example.AnnotationSubmitted(Later));
        Should.Throw<InvalidOperationException>(() => example.AnnotationsComplete("low", Later));
        (example.Status, example.Version, example.Label, example.ContentHash, example.UpdatedAt).ShouldBe((decided, version, label, hash, Created));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Reject_WithoutAReason_IsRefused_AndTheStatusStays(string reason)
    {
        var example = NewExample(ExampleStatus.Submitted);
        var version = example.Version;

        Should.Throw<InvalidOperationException>(() => example.Reject(reason, "lead", Later));
        Should.Throw<InvalidOperationException>(() => example.Reject(new string('x', Example.MaxRejectionReasonLength + 1), "lead", Later));

        (example.Status, example.RejectionReason, example.ReviewedById, example.Version).ShouldBe((ExampleStatus.Submitted, null, null, version));
    }

    [Fact]
    public void Review_RecordsTheReviewer_AndApprovingDropsTheReason()
    {
        var example = NewExample(ExampleStatus.Submitted);
        example.Reject("wrong label", "lead", Created);
        (example.Status, example.RejectionReason, example.ReviewedById, example.ReviewedAt).ShouldBe((ExampleStatus.Rejected, "wrong label", "lead", Created));

        example.Approve("sam", Later);

        (example.Status, example.RejectionReason, example.ReviewedById, example.ReviewedAt).ShouldBe((ExampleStatus.Approved, null, "sam", Later));
    }

    [Fact]
    public void Edit_ReopensARejectedExample_KeepingTheReason_AndSubmitDropsIt()
    {
        var example = NewExample(ExampleStatus.Submitted);
        example.Reject("wrong label", "lead", Created);

        example.Edit(Ticket with { Label = "low" }, 4, "  ", "fixed", SplitPin.Test, Later);

        (example.Status, example.RejectionReason).ShouldBe((ExampleStatus.Draft, "wrong label"));
        (example.Label, example.Rating, example.CorrectedOutput, example.Notes, example.Split).ShouldBe(("low", 4, null, "fixed", SplitPin.Test));
        example.ContentHash.ShouldBe((Ticket with { Label = "low" }).ComputeHash());

        example.Submit(Later);
        (example.Status, example.RejectionReason).ShouldBe((ExampleStatus.Submitted, null));
    }

    [Fact]
    public void ReplaceContent_KeepsTheStatus()
    {
        var example = NewExample(ExampleStatus.Submitted);
        example.Reject("duplicate", "lead", Created);

        example.ReplaceContent(Ticket with { Messages = [new MessageContent(MessageRole.System, "Classify."), .. Ticket.Messages] }, Later);

        (example.Status, example.RejectionReason).ShouldBe((ExampleStatus.Rejected, "duplicate"));
        example.Messages.Count.ShouldBe(3);
    }

    [Fact]
    public void Adjudicate_SetsTheFinalLabel_KeepsWhatIsNotGiven_AndApproves()
    {
        var example = NewExample(ExampleStatus.Submitted);
        example.Edit(Ticket, 3, "Escalate now.", "", SplitPin.Auto, Created);

        example.Adjudicate("low", null, " ", "lead", Later);

        (example.Status, example.Label, example.Rating, example.CorrectedOutput).ShouldBe((ExampleStatus.Approved, "low", 3, "Escalate now."));
        (example.ReviewedById, example.ReviewedAt).ShouldBe(("lead", Later));
        example.ContentHash.ShouldBe((Ticket with { Label = "low" }).ComputeHash());
    }

    [Fact]
    public void Tags_AreComparedIgnoringCase()
    {
        var example = NewExample();

        example.AddTag("HARDWARE", Later);
        example.AddTag("urgent", Later);
        example.Tags.ShouldBe(["hardware", "urgent"]);

        example.RemoveTag("Hardware", Later);
        example.Tags.ShouldBe(["urgent"]);
    }

    [Fact]
    public void Annotation_AddsTheTimeSpent_AndIsFinalOnceSubmitted()
    {
        var annotation = Annotation.Start("ana", Created);
        annotation.Record("high", 4, " ", "", 20, submit: false, Created);
        var draft = annotation.Version;

        annotation.Record("low", null, "Call back.", "changed my mind", 15, submit: true, Later);

        (annotation.Label, annotation.Rating, annotation.CorrectedOutput, annotation.Comment).ShouldBe(("low", null, "Call back.", "changed my mind"));
        (annotation.SecondsSpent, annotation.Submitted, annotation.CreatedAt, annotation.UpdatedAt).ShouldBe((35, true, Created, Later));
        annotation.Version.ShouldNotBe(draft);
        Should.Throw<InvalidOperationException>(() => annotation.Record("high", null, null, "", 5, submit: true, Later));
        (annotation.Label, annotation.SecondsSpent).ShouldBe(("low", 35));
    }

    private static void Apply(Example example, string change)
    {
        switch (change)
        {
            case "edit": example.Edit(Ticket, null, null, "", SplitPin.Auto, Later); break;
            case "replace content": example.ReplaceContent(Ticket, Later); break;
            case "submit": example.Submit(Later); break;
            case "approve": example.Approve("lead", Later); break;
            case "reject": example.Reject("off topic", "lead", Later); break;
            case "adjudicate": example.Adjudicate("low", 2, null, "lead", Later); break;
            case "label": example.SetLabel("low", Later); break;
            case "add tag": example.AddTag("urgent", Later); break;
            case "remove tag": example.RemoveTag("hardware", Later); break;
            case "pin split": example.PinSplit(SplitPin.Validation, Later); break;
            case "annotation submitted": example.AnnotationSubmitted(Later); break;
            case "annotations complete": example.AnnotationsComplete("low", Later); break;
            default: throw new ArgumentOutOfRangeException(nameof(change), change, null);
        }
    }
}
