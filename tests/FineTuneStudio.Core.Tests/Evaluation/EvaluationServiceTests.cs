using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Imports;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Core.Tests.Evaluation;

public sealed class EvaluationServiceTests
{
    private static readonly Actor Lead = new("user-lead", "lead@example.test");
    private readonly ManualClock _clock = new(new DateTime(2026, 11, 23, 8, 0, 0, DateTimeKind.Utc));

    private const string Items = """
        {"id": "a", "expected": "high", "label": "high", "input": "The site is slow for everyone"}
        {"id": "b", "expected": "low", "label": "low", "input": "Typo on the pricing page"}
        {"id": "c", "expected": "normal", "label": "normal", "input": "How do I export my invoices?"}
        {"id": "d", "expected": "critical", "label": "critical", "input": "Payments fail for all customers"}
        """;

    // Baseline right on a, b (2/4); candidate right on a, c, d (3/4): one regression (b), two fixes (c, d).
    private const string BaselineOutputs = "id,output\na,high\nb,low\nc,high\nd,high\n";
    private const string CandidateOutputs = "{\"id\":\"a\",\"output\":\"High\"}\n{\"id\":\"b\",\"output\":\"normal\"}\n{\"id\":\"c\",\"output\":\"normal\"}\n{\"id\":\"d\",\"output\":\"critical\"}\n";

    private async Task<(TestDatabase Database, EvalRuns Service, int ProjectId, int SetId)> ArrangeAsync()
    {
        var database = await TestDatabase.CreateAsync();
        var project = await new ProjectService(database, _clock).CreateAsync(new ProjectInput("Triage", null), Lead, default);
        var sets = new EvalSets(database, _clock);
        var set = await sets.CreateSetAsync(project.Id, new EvalSetInput("Held-out", "", ["exact", "normalized", "accuracy", "macro-f1"]), Lead, default);
        (await sets.ImportItemsAsync(set.Id, Items, "items.jsonl", Lead, default)).ShouldBe(4);
        return (database, new EvalRuns(database, _clock), project.Id, set.Id);
    }

    /// <summary>A blind review of the candidate against the baseline on the four items, nobody's judgement in it yet.</summary>
    private async Task<(TestDatabase Database, ComparisonService Reviews, int ProjectId, ComparisonSummary Comparison)> ArrangeComparisonAsync()
    {
        var (database, service, projectId, setId) = await ArrangeAsync();
        var baseline = await service.ImportRunAsync(setId, new EvalRunInput("Prompted", IsBaseline: true), BaselineOutputs, "o.csv", Lead, default);
        var candidate = await service.ImportRunAsync(setId, new EvalRunInput("Tuned"), CandidateOutputs, "o.jsonl", Lead, default);
        var reviews = new ComparisonService(database, _clock);
        return (database, reviews, projectId, await reviews.CreateAsync(baseline.Id, candidate.Id, null, Lead, default));
    }

    [Fact]
    public async Task ImportRun_ScoresEveryItemAndCompareFindsTheRegression()
    {
        var (database, service, _, setId) = await ArrangeAsync();
        await using var _ = database;

        var baseline = await service.ImportRunAsync(setId, new EvalRunInput("Prompted", Model: "base-model", IsBaseline: true), BaselineOutputs, "out.csv", Lead, default);
        _clock.Advance(TimeSpan.FromHours(1));
        var candidate = await service.ImportRunAsync(setId, new EvalRunInput("Tuned v1", Model: "tuned-model"), CandidateOutputs, "out.jsonl", Lead, default);

        baseline.Summary!.Metrics["accuracy"].ShouldBe(0.5);
        candidate.Summary!.Metrics["accuracy"].ShouldBe(0.75);
        candidate.Summary.Metrics["exact"].ShouldBe(0.5); // "High" is not an exact match; b is wrong
        var comparison = await service.CompareAsync(baseline.Id, candidate.Id, default);
        comparison.Regressions.ShouldBe(1);
        comparison.Fixes.ShouldBe(2);
        comparison.Items.Single(i => i.Change == ItemChange.Regression).ExternalId.ShouldBe("b");
        comparison.Deltas[0].ShouldBe(new MetricDelta("accuracy", 0.5, 0.75, 0.25));
        // n = 3 discordant, smaller count 1: 2·(1 + 3)/8 = 1.
        comparison.McNemar.ExactPValue.ShouldBe(1);
        comparison.Bootstrap.MeanDifference.ShouldBe(0.25); // (0 − 1 + 1 + 1)/4

        await using var db = database.CreateDbContext();
        (await db.AuditEvents.Select(a => a.Action).ToListAsync()).ShouldContain("evalrun.import");
    }

    [Fact]
    public async Task OpenAiEvalsItemsWithSeveralIdealAnswers_AreStoredWhole_AndARunScoresAnyOfThemRight()
    {
        await using var database = await TestDatabase.CreateAsync();
        var project = await new ProjectService(database, _clock).CreateAsync(new ProjectInput("Geography", null), Lead, default);
        var sets = new EvalSets(database, _clock);
        var set = await sets.CreateSetAsync(project.Id, new EvalSetInput("Capitals", "", ["normalized"]), Lead, default);
        const string registry = """
            {"input": [{"role": "user", "content": "Capital of Italy?"}], "ideal": ["Rome", "Roma"]}
            {"input": [{"role": "user", "content": "Capital of Spain?"}], "ideal": "Madrid"}
            {"input": [{"role": "user", "content": "Capital of Germany?"}], "ideal": ["Berlin"]}
            """;

        (await sets.ImportItemsAsync(set.Id, registry, "capitals.jsonl", Lead, default)).ShouldBe(3);
        var stored = await sets.ListItemsAsync(set.Id, 0, 10, default);
        stored.Select(i => (i.ExternalId, i.Expected, string.Join("|", i.AlsoAccepted))).ShouldBe([("1", "Rome", "Roma"), ("2", "Madrid", ""), ("3", "Berlin", "")]);

        // The second spelling counts; Madrid's wrong answer does not. 2 of 3 right.
        var run = await new EvalRuns(database, _clock).ImportRunAsync(set.Id, new EvalRunInput("Tuned"), "id,output\n1,roma\n2,Barcelona\n3,Berlin\n", "o.csv", Lead, default);
        run.Summary!.Metrics["normalised"].ShouldBe(0.6667);
        var results = (await new EvalRuns(database, _clock).GetResultsAsync(run.Id, null, null, default)).Items;
        results[0].Correct.ShouldBe(true);
        results[0].AlsoAccepted.ShouldBe(["Roma"]);

        // A second registry file into the same set is numbered from 1 again: one error says why, nothing is added.
        var again = await Should.ThrowAsync<StudioValidationException>(() => sets.ImportItemsAsync(set.Id, registry, "more.jsonl", Lead, default));
        again.Errors.ShouldHaveSingleItem().ToString().ShouldBe(
            "id: The set already has items 1, 2, 3: a file without ids is numbered by position from 1, so a second one clashes with the first; give each line an \"id\", or import it into a set of its own.");
        (await sets.ListItemsAsync(set.Id, 0, 10, default)).Count.ShouldBe(3);
    }

    [Fact]
    public async Task ImportItems_LeavingOutLinesWithProblems_AddsTheOthers_ButAProblemWithTheFileStillRefusesIt()
    {
        await using var database = await TestDatabase.CreateAsync();
        var project = await new ProjectService(database, _clock).CreateAsync(new ProjectInput("Triage", null), Lead, default);
        var sets = new EvalSets(database, _clock);
        var set = await sets.CreateSetAsync(project.Id, new EvalSetInput("Held-out", "", ["exact"]), Lead, default);
        await sets.ImportItemsAsync(set.Id, "id,expected,input\nt-1,high,Site down\n", "first.csv", Lead, default);
        // A CSV export with a quoted multi-line input: line 4 repeats an id already in the set, line 6 one from line 5.
        const string csv = "id,expected,input\nt-2,low,\"Typo on\nthe pricing page\"\nt-1,high,Site down again\nt-3,normal,Invoices?\nt-3,low,Refund?\nt-5,low,Dark mode\n";

        var refused = await sets.ImportItemsAsync(set.Id, new StringReader(csv), "tickets.csv", Lead, InvalidRecordPolicy.Refuse, default);
        (refused.Succeeded, refused.InvalidRecords, refused.ValidRecords, refused.CanSkipInvalid).ShouldBe((false, 2, 3, true));
        refused.ProblemCounts.ShouldBe("2 lines have problems and 3 have none");
        (await sets.GetSetAsync(set.Id, default)).ItemCount.ShouldBe(1);

        var skipped = await sets.ImportItemsAsync(set.Id, new StringReader(csv), "tickets.csv", Lead, InvalidRecordPolicy.Skip, default);
        (skipped.Succeeded, skipped.Imported, skipped.TotalLeftOut).ShouldBe((true, 3, 2));
        skipped.LeftOutLines.ShouldBe([4, 6]);
        skipped.LeftOut.Select(e => (e.Line, e.Message)).ShouldBe([(6, "The id \"t-3\" was already used on line 5."), (4, "The set already has an item \"t-1\".")]);
        (await sets.ListItemsAsync(set.Id, 0, 10, default)).Select(i => i.ExternalId).ShouldBe(["t-1", "t-2", "t-3", "t-5"]);

        // A header without the expected column is the file's problem: nothing to leave out, nothing added.
        var header = await sets.ImportItemsAsync(set.Id, new StringReader("id,answer\nt-9,low\n"), "other.csv", Lead, InvalidRecordPolicy.Skip, default);
        (header.Succeeded, header.Errors.Single().Field).ShouldBe((false, "header"));
        // Every line with a problem: there is nothing to import, so it is refused too.
        var none = await sets.ImportItemsAsync(set.Id, new StringReader("{\"id\": \"x\"}\nnot json\n"), "bad.jsonl", Lead, InvalidRecordPolicy.Skip, default);
        (none.Succeeded, none.InvalidRecords, none.ValidRecords, none.CanSkipInvalid).ShouldBe((false, 2, 0, false));
        (await sets.GetSetAsync(set.Id, default)).ItemCount.ShouldBe(4);
    }

    [Fact]
    public async Task ImportItems_AFileWithoutIds_CannotLeaveLinesOut_AsTheItemsAfterThemWouldBeRenumbered()
    {
        await using var database = await TestDatabase.CreateAsync();
        var project = await new ProjectService(database, _clock).CreateAsync(new ProjectInput("Geography", null), Lead, default);
        var sets = new EvalSets(database, _clock);
        var set = await sets.CreateSetAsync(project.Id, new EvalSetInput("Capitals", "", ["exact"]), Lead, default);
        // Without line 2, Madrid's question would become item 2, and an oaieval sample 2 meant for item 3 would be scored against it.
        const string registry = "{\"input\": \"Capital of Italy?\", \"ideal\": \"Rome\"}\n{\"input\": \"Capital of France?\", \"ideal\": 7}\n{\"input\": \"Capital of Spain?\", \"ideal\": \"Madrid\"}\n";

        var result = await sets.ImportItemsAsync(set.Id, new StringReader(registry), "capitals.jsonl", Lead, InvalidRecordPolicy.Skip, default);

        (result.Succeeded, result.CanSkipInvalid).ShouldBe((false, false));
        result.Errors.Select(e => (e.Line, e.Field)).ShouldBe([(2, "ideal"), (null, "file")]);
        result.Errors[1].Message.ShouldContain("leaving one out would renumber the items after it");
        (await sets.GetSetAsync(set.Id, default)).ItemCount.ShouldBe(0);
    }

    [Fact]
    public async Task ImportRun_OutputForUnknownItem_NamesTheLineAndSavesNothing()
    {
        var (database, service, _, setId) = await ArrangeAsync();
        await using var _ = database;

        var error = await Should.ThrowAsync<StudioValidationException>(() =>
            service.ImportRunAsync(setId, new EvalRunInput("Bad"), "id,output\na,high\nzz,low\n", "o.csv", Lead, default));

        error.Errors.Single().ToString().ShouldBe("line 3: id: The set has no item \"zz\".");
        await using var db = database.CreateDbContext();
        (await db.EvalRuns.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task ImportRun_MissingOutputs_AreRecordedAsFailed()
    {
        var (database, service, _, setId) = await ArrangeAsync();
        await using var _ = database;

        var run = await service.ImportRunAsync(setId, new EvalRunInput("Partial"), "id,output\na,high\n", "o.csv", Lead, default);

        run.Summary!.Failed.ShouldBe(3);
        var results = (await service.GetResultsAsync(run.Id, null, null, default)).Items;
        results.Count.ShouldBe(4);
        results.Count(r => r.Failed).ShouldBe(3);
    }

    [Fact]
    public async Task BlindComparison_AlwaysPickingLeft_ShowsFullPositionBiasAndBalancedWins()
    {
        var (database, reviews, projectId, comparison) = await ArrangeComparisonAsync();
        await using var _ = database;

        var seen = new List<int>();
        while (await reviews.NextAsync(comparison.Id, "reviewer-1", default) is { } pair)
        {
            seen.Add(pair.ItemId);
            await reviews.JudgeAsync(comparison.Id, pair.ItemId, "reviewer-1", BlindPick.Left, "clearer", Lead, default);
        }

        seen.Count.ShouldBe(4);
        var results = await reviews.ResultsAsync(comparison.Id, default);
        // A is on the left for exactly 2 of 4 items, so "always left" gives A two wins and B two.
        (results.WinsA, results.WinsB).ShouldBe((2, 2));
        results.LeftShare.ShouldBe(1);
        results.CandidateWinRate.Rate.ShouldBe(0.5);
        results.Reviewers.Single().Judgements.ShouldBe(4);
        (await reviews.ListAsync(projectId, default)).Single().Judgements.ShouldBe(4);
    }

    [Fact]
    public async Task ClosedReview_TakesNoJudgement_ShowsNoNextPair_AndReopensWithTheAuditTrail()
    {
        var (database, reviews, projectId, comparison) = await ArrangeComparisonAsync();
        await using var _ = database;
        var first = (await reviews.NextAsync(comparison.Id, "expert", default))!;
        await reviews.JudgeAsync(comparison.Id, first.ItemId, "expert", BlindPick.Left, null, Lead, default);

        var mine = (await reviews.AssignmentsAsync(projectId, "expert", default)).ShouldHaveSingleItem();
        (mine.ComparisonId, mine.Items, mine.JudgedByMe, mine.ClosedAt).ShouldBe((comparison.Id, 4, 1, (DateTime?)null));
        (await reviews.AssignmentsAsync(projectId, "someone-else", default)).Single().JudgedByMe.ShouldBe(0);

        _clock.Advance(TimeSpan.FromHours(2));
        (await reviews.CloseAsync(comparison.Id, Lead, default)).ClosedAt.ShouldBe(_clock.GetUtcNow().UtcDateTime);
        await Should.ThrowAsync<ConflictException>(() => reviews.CloseAsync(comparison.Id, Lead, default));
        (await reviews.NextAsync(comparison.Id, "expert", default)).ShouldBeNull();
        var second = await reviews.PairAsync(comparison.Id, first.ItemId, "expert", default);
        var refused = await Should.ThrowAsync<ConflictException>(() => reviews.JudgeAsync(comparison.Id, second.ItemId, "expert", BlindPick.Right, null, Lead, default));
        refused.Message.ShouldContain("closed");
        (await reviews.ResultsAsync(comparison.Id, default)).Judged.ShouldBe(1);
        (await reviews.AssignmentsAsync(projectId, "expert", default)).Single().ClosedAt.ShouldNotBeNull();

        await reviews.ReopenAsync(comparison.Id, Lead, default);
        await Should.ThrowAsync<ConflictException>(() => reviews.ReopenAsync(comparison.Id, Lead, default));
        // Looking again at the first pair shows it on the same sides; judging it again replaces the pick.
        var again = await reviews.PairAsync(comparison.Id, first.ItemId, "expert", default);
        (again.LeftOutput, again.RightOutput, again.JudgedByMe, again.MyPick).ShouldBe((first.LeftOutput, first.RightOutput, 1, (BlindPick?)BlindPick.Left));
        (await reviews.PairAsync(comparison.Id, first.ItemId, "someone-else", default)).MyPick.ShouldBeNull();
        await reviews.JudgeAsync(comparison.Id, first.ItemId, "expert", BlindPick.Right, null, Lead, default);
        (await reviews.ResultsAsync(comparison.Id, default)).Judged.ShouldBe(1);
        (await reviews.NextAsync(comparison.Id, "expert", default))!.ItemId.ShouldNotBe(first.ItemId);
        await Should.ThrowAsync<NotFoundException>(() => reviews.PairAsync(comparison.Id, 999_999, "expert", default));

        await using var db = database.CreateDbContext();
        var audit = await db.AuditEvents.Where(a => a.EntityType == nameof(Comparison) && a.EntityId == comparison.Id.ToString() && a.Action.StartsWith("comparison.")).OrderBy(a => a.Id).Select(a => a.Action).ToListAsync();
        audit.ShouldBe(["comparison.create", "comparison.close", "comparison.reopen"]);
    }

    [Fact]
    public async Task Dashboard_ScoresAnUnscoredRunAndReportsRegressions()
    {
        var (database, service, projectId, setId) = await ArrangeAsync();
        await using var _ = database;
        var baseline = await service.ImportRunAsync(setId, new EvalRunInput("Prompted", IsBaseline: true), BaselineOutputs, "o.csv", Lead, default);
        _clock.Advance(TimeSpan.FromHours(1));
        await service.ImportRunAsync(setId, new EvalRunInput("Tuned"), CandidateOutputs, "o.jsonl", Lead, default);
        await using (var db = database.CreateDbContext())
        {
            await db.EvalRuns.Where(r => r.Id == baseline.Id).ExecuteUpdateAsync(s => s.SetProperty(r => r.SummaryJson, "{}"));
        }

        var training = new TrainingCurveService(database, _clock);
        var dashboard = await new EvaluationDashboardService(new EvalSets(database, _clock), service, new ComparisonService(database, _clock), training).GetAsync(projectId, default);

        dashboard.Baseline!.Summary!.Metrics["accuracy"].ShouldBe(0.5);
        dashboard.Delta.ShouldBe(0.25);
        dashboard.Regressions.ShouldBe(1);
        dashboard.FormatCompliance.ShouldBe(1); // every candidate output is one of the labels
        dashboard.Trend.Select(t => t.Value).ShouldBe([0.5, 0.75]);
        dashboard.Headline.ShouldContain("25.0 points better");
    }

    [Fact]
    public async Task TrainingImport_OverfittingCurve_IsFlaggedAndBadCellsNamed()
    {
        await using var database = await TestDatabase.CreateAsync();
        var project = await new ProjectService(database, _clock).CreateAsync(new ProjectInput("Triage", null), Lead, default);
        var training = new TrainingCurveService(database, _clock);
        // Validation: 1.0 (best, step 10), then 1.1, 1.2, 1.3 while training falls 0.9 → 0.3.
        const string csv = "step,train_loss,train_mean_token_accuracy,valid_loss,valid_mean_token_accuracy\n" +
            "5,0.95,0.6,,\n10,0.9,0.62,1.0,0.6\n20,0.7,0.7,1.1,0.61\n30,0.5,0.8,1.2,0.6\n40,0.3,0.9,1.3,0.59\n";

        var imported = await training.ImportAsync(project.Id, "Run 1", null, csv, Lead, default);
        var curve = await training.GetAsync(imported.Id, default);

        curve.Points.Count.ShouldBe(5);
        curve.Verdict.Status.ShouldBe(CurveStatus.Overfitting);
        curve.Verdict.RisingSinceStep.ShouldBe(10);
        var error = await Should.ThrowAsync<StudioValidationException>(() => training.ImportAsync(project.Id, "Bad", null, "step,train_loss\n1,0.5\n2,abc\n", Lead, default));
        error.Errors.Single().ToString().ShouldBe("line 3: train_loss: \"abc\" is not a number.");
    }

    [Fact]
    public async Task CreateFromExamples_HashesTheInputAndKeepsTheSource()
    {
        await using var database = await TestDatabase.CreateAsync();
        var project = await new ProjectService(database, _clock).CreateAsync(new ProjectInput("Triage", null), Lead, default);
        var seed = new Seed(database, _clock.UtcNow);
        var datasetId = await seed.DatasetInAsync(project.Id, "Tickets", TaskKind.Chat);
        var exampleId = await seed.ExampleAsync(datasetId, ExampleStatus.Draft, Seed.Chat("Where is my order?", "It ships today."));

        var service = new EvalSets(database, _clock);
        var set = await service.CreateFromExamplesAsync(project.Id, new EvalSetInput("From examples", null, ["normalised"]), datasetId, [exampleId], Lead, default);

        var item = (await service.ListItemsAsync(set.Id, 0, 10, default)).Single();
        item.Expected.ShouldBe("It ships today.");
        item.SourceExampleId.ShouldBe(exampleId);
        item.ContentHash.ShouldBe(new FineTuneStudio.Core.Domain.ExampleContent([new(MessageRole.User, "Where is my order?")]).ComputeHash());
    }

    [Fact]
    public async Task CreateFromTestSplit_HoldsOutExactlyTheVersionsTestExamples()
    {
        await using var database = await TestDatabase.CreateAsync();
        var project = await new ProjectService(database, _clock).CreateAsync(new ProjectInput("Triage", null), Lead, default);
        int withTest, withoutTest;
        var seed = new Seed(database, _clock.UtcNow);
        var datasetId = await seed.DatasetInAsync(project.Id, "Tickets", TaskKind.Chat);
        var ids = await seed.ExamplesAsync(datasetId, ExampleStatus.Draft,
            [Seed.Chat("Where is my order?", "It ships today."), Seed.Chat("Cancel my plan", "Done."), Seed.Chat("Reset my password", "Link sent.")]);
        await using (var db = database.CreateDbContext())
        {
            var v1 = new DatasetVersion { DatasetId = datasetId, Number = 1, Target = "openai-chat", TestShare = 0.34, CreatedAt = _clock.UtcNow };
            v1.Examples.AddRange([
                new DatasetVersionExample { ExampleId = ids[0], Split = SplitPin.Train },
                new DatasetVersionExample { ExampleId = ids[1], Split = SplitPin.Test },
                new DatasetVersionExample { ExampleId = ids[2], Split = SplitPin.Test },
            ]);
            var v2 = new DatasetVersion { DatasetId = datasetId, Number = 2, Target = "openai-chat", CreatedAt = _clock.UtcNow };
            v2.Examples.Add(new DatasetVersionExample { ExampleId = ids[0], Split = SplitPin.Train });
            db.DatasetVersions.AddRange(v1, v2);
            await db.SaveChangesAsync();
            (withTest, withoutTest) = (v1.Id, v2.Id);
        }

        var service = new EvalSets(database, _clock);
        var set = await service.CreateFromTestSplitAsync(withTest, new EvalSetInput("v1 test split", null, ["exact"]), Lead, default);

        var items = await service.ListItemsAsync(set.Id, 0, 10, default);
        items.Select(i => i.SourceExampleId).ShouldBe([ids[1], ids[2]], ignoreOrder: true);
        items.Select(i => i.Expected).ShouldBe(["Done.", "Link sent."], ignoreOrder: true);
        var noTest = await Should.ThrowAsync<StudioValidationException>(() => service.CreateFromTestSplitAsync(withoutTest, new EvalSetInput("v2", null, ["exact"]), Lead, default));
        noTest.Errors.ShouldContain(e => e.Field == "versionId");
        await Should.ThrowAsync<NotFoundException>(() => service.CreateFromTestSplitAsync(withTest + 1000, new EvalSetInput("none", null, ["exact"]), Lead, default));
    }
}
