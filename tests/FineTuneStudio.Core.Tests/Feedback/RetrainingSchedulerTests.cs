using FineTuneStudio.Core.Feedback;

namespace FineTuneStudio.Core.Tests.Feedback;

public class RetrainingSchedulerTests
{
    private static readonly DateTime VersionCut = new(2026, 1, 10, 15, 0, 0, DateTimeKind.Utc);

    private static RetrainingInputs Inputs(DateTime now, bool drift = false) =>
        new(now, 90, "quarterly, from the readiness assessment", 3, VersionCut, drift, drift ? "Input terms unseen in training 0.41 > 0.25" : null, 12, null, 500);

    [Fact]
    public void Schedule_QuarterlyCadence_DueNinetyDaysAfterTheVersion()
    {
        // 2026-01-10 + 90 days: 21 left in January, 28 in February, 31 in March → 80; + 10 = April 10.
        var due = RetrainingScheduler.Schedule(Inputs(new DateTime(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc)));

        due.DueDate.ShouldBe(new DateTime(2026, 4, 10, 0, 0, 0, DateTimeKind.Utc));
        due.IsDue.ShouldBeFalse();
        due.DaysLeft(new DateTime(2026, 2, 1, 0, 0, 0, DateTimeKind.Utc)).ShouldBe(68);
        due.Reason.ShouldContain("due on 2026-04-10");
        due.Checklist.Select(c => c.Done).ShouldBe([true, false, true]);
    }

    [Fact]
    public void Schedule_OnTheDueDate_IsDue()
    {
        var due = RetrainingScheduler.Schedule(Inputs(new DateTime(2026, 4, 10, 8, 0, 0, DateTimeKind.Utc)));

        due.IsDue.ShouldBeTrue();
        due.Checklist[2].ShouldBe(new ChecklistItem("Cut version 4 and export it", false) { Step = RetrainingStep.NewVersion });
    }

    [Fact]
    public void Schedule_DriftAlert_BringsTheDateForwardToToday()
    {
        var now = new DateTime(2026, 2, 1, 12, 0, 0, DateTimeKind.Utc);

        var due = RetrainingScheduler.Schedule(Inputs(now, drift: true));

        due.DueDate.ShouldBe(now.Date);
        due.IsDue.ShouldBeTrue();
        due.Reason.ShouldStartWith("Logged traffic has drifted");
        // The cadence alone would have waited until 2026-04-10 (see the quarterly case above).
        due.Summary.ShouldBe("logged traffic has drifted from the training data; by the cadence alone it would be 2026-04-10");
        due.CadenceReason.ShouldBe("Version 3 was cut on 2026-01-10; a retraining every 90 days (quarterly, from the readiness assessment) makes the next one due on 2026-04-10.");
        due.Checklist.Select(c => c.Step).ShouldBe([RetrainingStep.NewExamples, RetrainingStep.Evaluation, RetrainingStep.NewVersion]);
    }

    [Fact]
    public void Schedule_NoVersionYet_NoDateAndSaysWhy()
    {
        var due = RetrainingScheduler.Schedule(new RetrainingInputs(DateTime.UtcNow, 30, "monthly", null, null, false, null, 0, null, 0));

        due.DueDate.ShouldBeNull();
        due.Reason.ShouldContain("No dataset version");
    }
}
