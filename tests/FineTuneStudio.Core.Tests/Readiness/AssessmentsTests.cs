using Microsoft.Extensions.Logging.Abstractions;
using FineTuneStudio.Core.Jobs;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Core.Training;
using System.Text.Json;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Quality;
using FineTuneStudio.Core.Readiness;
using FineTuneStudio.Core.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Q = FineTuneStudio.Core.Readiness.ReadinessQuestionIds;

namespace FineTuneStudio.Core.Tests.Readiness;

public sealed class AssessmentsTests
{
    private static readonly Actor Owner = new("u-owner", "owner@example.test");
    private readonly ManualClock _clock = new(new DateTime(2026, 11, 23, 9, 0, 0, DateTimeKind.Utc));

    private (Assessments Readiness, TrainingTargetService Targets) Services(TestDatabase database)
    {
        var targets = new TrainingTargetService(database, _clock);
        return (new Assessments(database, _clock, targets, Evidence(database)), targets);
    }

    private ReadinessEvidenceReader Evidence(TestDatabase database) =>
        new(database, new QualityService(database, _clock, Options.Create(new QualityThresholds())), Judging.For(database, _clock).Calibration);

    [Fact]
    public async Task GatherEvidence_FromSeededRows_MeasuresExamplesLabelersAgreementEvalAndPace()
    {
        await using var database = await TestDatabase.CreateAsync();
        var projectId = await SeedProjectAsync(database);
        var readiness = Evidence(database);

        var evidence = await readiness.GatherEvidenceAsync(projectId, default);

        evidence.ApprovedExamples.ShouldBe(3);          // examples 1–3 approved, 4 is a draft
        evidence.Labelers.ShouldBe(2);                  // u1 and u2; u3's annotation is not submitted
        // Fleiss over 4 items × 2 ratings: items 1–3 agree (P_i = 1), item 4 splits (P_i = 0): P̄ = 3/4.
        // p(a) = 5/8, p(b) = 3/8, P_e = 25/64 + 9/64 = 17/32; kappa = (3/4 − 17/32) / (1 − 17/32) = 7/15.
        evidence.AgreementKappa!.Value.ShouldBe(7.0 / 15, 1e-9);
        evidence.EvalSets.ShouldBe(1);
        evidence.EvalItems.ShouldBe(2);
        evidence.BaselineRuns.ShouldBe(1);              // the failed baseline run does not count
        evidence.BaselineScore.ShouldBe(0.7);
        evidence.DatasetVersions.ShouldBe(0);
        // Submitted seconds 10, 20, 30, 40, 50, 60, 70, 80: median (40 + 50) / 2 = 45.
        evidence.MedianSecondsPerExample.ShouldBe(45);
    }

    [Fact]
    public async Task GatherEvidence_CountsRunsOfModelsTrainedOnAVersionThatBeatTheBaseline()
    {
        await using var database = await TestDatabase.CreateAsync();
        var seed = new Seed(database);
        var dataset = await seed.DatasetAsync("Greetings", "Replies");
        await seed.ExamplesAsync(dataset.DatasetId, ExampleStatus.Approved, Enumerable.Range(0, 12).Select(i => Seed.Chat($"hello {i}", "world")));
        var version = await new VersionCutter(database, _clock, new VersionStorage(Directory.CreateTempSubdirectory("fts-evidence-").FullName),
                new JobLeaseService(database, _clock, NullLogger<JobLeaseService>.Instance))
            .CutAsync(new CutRequest(dataset.DatasetId, TrainingTargets.HfMessages), new("lead", "Lead"), null, default);
        await using (var db = database.CreateDbContext())
        {
            var set = new EvalSet { ProjectId = dataset.ProjectId, Name = "Held out", CreatedAt = _clock.UtcNow };
            set.Runs.Add(new EvalRun { Name = "Prompted", IsBaseline = true, Status = EvalRunStatus.Completed, SummaryJson = """{"accuracy":0.7}""", CreatedAt = _clock.UtcNow });
            set.Runs.Add(new EvalRun { Name = "Tuned on v1", DatasetVersionId = version.Id, Status = EvalRunStatus.Completed, SummaryJson = """{"accuracy":0.85}""", CreatedAt = _clock.UtcNow.AddMinutes(1) });
            // Not trained on a version of this project's data: a better prompt, not evidence that training helps.
            set.Runs.Add(new EvalRun { Name = "Better prompt", Status = EvalRunStatus.Completed, SummaryJson = """{"accuracy":0.95}""", CreatedAt = _clock.UtcNow.AddMinutes(2) });
            db.EvalSets.Add(set);
            await db.SaveChangesAsync();
        }

        var evidence = await Evidence(database).GatherEvidenceAsync(dataset.ProjectId, default);

        // 0.85 − 0.70 = 0.15: one trained run beats the baseline by 15 points.
        evidence.TrainedRunsBeatingBaseline.ShouldBe(1);
        evidence.BestTrainedGain!.Value.ShouldBe(0.15, 1e-9);
        ReadinessEvidenceText.MeasuredHint(ReadinessQuestionIds.BaselineGap, evidence).ShouldBe("a model trained on this project's data beats the baseline by 15.0 points");
        ReadinessEvidenceText.MeasuredLines(evidence).ShouldContain(("Runs of trained models that beat the baseline", "1 (best gain +15.0 points)"));
    }

    [Fact]
    public async Task Evaluate_TakesTokensPerExampleFromTheApprovedExamples_UnlessGiven()
    {
        await using var database = await TestDatabase.CreateAsync();
        var seed = new Seed(database);
        var dataset = await seed.DatasetAsync("Greetings", "Replies");
        // o200k_base, as the cookbook counts a conversation: 3 per message + its role (1) + its content, plus 3 for
        // the reply primer. "hello" and " hello" are one token each, "world" one: 3+1+1 + 3+1+1 + 3 = 13, then 14, 15.
        await seed.ExamplesAsync(dataset.DatasetId, ExampleStatus.Approved,
            [Seed.Chat("hello", "world"), Seed.Chat("hello hello", "world"), Seed.Chat("hello hello hello", "world")]);
        // A draft, however long, is not what the project trains on.
        await seed.ExampleAsync(dataset.DatasetId, ExampleStatus.Draft, Seed.Chat(string.Join(' ', Enumerable.Repeat("long ticket text", 400)), "world"));
        var (readiness, _) = Services(database);

        var measured = await readiness.EvaluateAsync(new ReadinessSubmission(ReadinessAnswerSets.Ready()), dataset.ProjectId, default);
        measured.Evidence.AverageTokensPerExample.ShouldBe(14);
        measured.Evidence.TokenSampleSize.ShouldBe(3);
        measured.AverageTokensPerExample.ShouldBe(14);
        measured.AverageTokensSource.ShouldBe("measured on 3 approved examples");
        // The training estimate is priced on the measured figure: 14 tokens for every example of an epoch.
        var full = measured.Estimate.FullTraining;
        full.TokensPerEpoch.ShouldBe(full.Examples * 14L);

        var given = await readiness.EvaluateAsync(new ReadinessSubmission(ReadinessAnswerSets.Ready(), AverageTokensPerExample: 800), dataset.ProjectId, default);
        (given.AverageTokensPerExample, given.AverageTokensSource).ShouldBe((800, "given"));
        var elsewhere = await readiness.EvaluateAsync(new ReadinessSubmission(ReadinessAnswerSets.Ready()), null, default);
        (elsewhere.AverageTokensPerExample, elsewhere.AverageTokensSource).ShouldBe((ReadinessEvaluator.DefaultAverageTokensPerExample, "assumed"));
    }

    [Fact]
    public async Task GatherEvidence_OnBlankProject_MeasuresNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var projectId = await AddProjectAsync(database, "Blank");
        var readiness = Evidence(database);

        var evidence = await readiness.GatherEvidenceAsync(projectId, default);

        evidence.ShouldBe(new ReadinessEvidence());
    }

    [Fact]
    public async Task Submit_EvidenceContradictsAnswer_UsesTheMeasuredValueAndSaysSo()
    {
        await using var database = await TestDatabase.CreateAsync();
        var projectId = await SeedProjectAsync(database);
        var (readiness, _) = Services(database);
        var answers = ReadinessAnswerSets.Ready(); // claims 800 high-quality examples

        var detail = await readiness.SubmitAsync(projectId, new ReadinessSubmission(answers), Owner, default);

        var evaluation = detail.Evaluation!;
        evaluation.Estimate.ExamplesNow.ShouldBe(3);
        var use = evaluation.Result.EvidenceUses.Single(u => u.QuestionId == Q.HighQualityExamples);
        use.Used.ShouldBe(EvidenceSource.Measured);
        use.Explanation.ShouldContain("measured value is used");
        // 3 examples is below the 50 of a pilot: the verdict cannot be "ready".
        evaluation.Result.Verdict.ShouldNotBe(ReadinessVerdict.ReadyToFineTune);
        detail.Summary.Status.ShouldBe(AssessmentStatus.Submitted);
    }

    [Fact]
    public async Task Submit_IsImmutableAndSubmittingAgainAddsARow()
    {
        await using var database = await TestDatabase.CreateAsync();
        var projectId = await AddProjectAsync(database, "Triage");
        var (readiness, _) = Services(database);
        var submission = new ReadinessSubmission(ReadinessAnswerSets.Ready());

        var first = await readiness.SubmitAsync(projectId, submission, Owner, default);
        await Should.ThrowAsync<ConflictException>(() => readiness.SaveDraftAsync(projectId, first.Summary.Id, submission, Owner, default));
        _clock.Advance(TimeSpan.FromDays(1));
        var second = await readiness.SubmitAsync(projectId, submission, Owner, default);

        second.Summary.Id.ShouldNotBe(first.Summary.Id);
        var history = await readiness.ListAsync(projectId, default);
        history.Select(h => h.Id).ShouldBe([first.Summary.Id, second.Summary.Id]);
        (await readiness.GetAsync(projectId, first.Summary.Id, default)).Summary.SubmittedAt.ShouldBe(new DateTime(2026, 11, 23, 9, 0, 0, DateTimeKind.Utc));
        await using var db = database.CreateDbContext();
        (await db.AuditEvents.CountAsync(a => a.Action == "assessment.submit")).ShouldBe(2);
    }

    [Fact]
    public async Task SaveDraft_ThenResume_ReturnsTheAnswersAndUpdatesInPlace()
    {
        await using var database = await TestDatabase.CreateAsync();
        var projectId = await AddProjectAsync(database, "Triage");
        var (readiness, _) = Services(database);

        var id = await readiness.SaveDraftAsync(projectId, null, new ReadinessSubmission(ReadinessAnswerSets.Parse($$"""{"{{Q.Prompting}}": "system_prompt_only"}""")), Owner, default);
        var again = await readiness.SaveDraftAsync(projectId, id, new ReadinessSubmission(ReadinessAnswerSets.Parse($$"""{"{{Q.Prompting}}": "system_and_few_shot", "{{Q.RequestsPerDay}}": 1200}""")), Owner, default);
        var resumed = await readiness.GetDraftAsync(projectId, Owner, default);

        again.ShouldBe(id);
        resumed!.Summary.Id.ShouldBe(id);
        resumed.Answers[Q.Prompting].GetString().ShouldBe("system_and_few_shot");
        resumed.Answers[Q.RequestsPerDay].GetDouble().ShouldBe(1200);
        (await readiness.GetDraftAsync(projectId, new Actor("someone-else", "x"), default)).ShouldBeNull();
        (await readiness.ListAsync(projectId, default)).ShouldBeEmpty();

        var submitted = await readiness.SubmitAsync(projectId, new ReadinessSubmission(resumed.Answers), Owner, default, draftId: id);
        submitted.Summary.Id.ShouldBe(id);
        (await readiness.GetDraftAsync(projectId, Owner, default)).ShouldBeNull();
    }

    [Fact]
    public async Task Submit_WithBadAnswer_FailsNamingTheQuestionAndStoresNothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var projectId = await AddProjectAsync(database, "Triage");
        var (readiness, _) = Services(database);
        var answers = ReadinessAnswerSets.Ready().With($$"""{"{{Q.RequestsPerDay}}": "lots"}""");

        var error = await Should.ThrowAsync<StudioValidationException>(() => readiness.SubmitAsync(projectId, new ReadinessSubmission(answers), Owner, default));

        error.Errors.Single().Field.ShouldBe(Q.RequestsPerDay);
        await using var db = database.CreateDbContext();
        (await db.Assessments.CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task TrainingTargets_SeededOnce_WithTheClosingOpenAiTarget()
    {
        await using var database = await TestDatabase.CreateAsync();
        var (_, targets) = Services(database);

        (await targets.SeedAsync(default)).ShouldBe(9);
        (await targets.SeedAsync(default)).ShouldBe(0);
        var all = await targets.ListAsync(default);

        all.Count.ShouldBe(9);
        var openAi = all.Single(t => t.Key == "openai-chat");
        openAi.Status.ShouldBe("closing");
        openAi.ClosesOn.ShouldBe(new DateOnly(2027, 1, 6));
        openAi.Notice.ShouldContain("edit to your contract");
        openAi.Alternatives.ShouldContain("target vertex-gemini");
        // Hosted without a price: its notice says how Vertex bills, not the self-hosted advice.
        var vertex = all.Single(t => t.Key == "vertex-gemini");
        (vertex.Kind, vertex.Status).ShouldBe(("hosted", "available"));
        vertex.Notice.ShouldStartWith("Vertex AI bills tuning per training token");
        var nova = all.Single(t => t.Key == "bedrock-nova");
        (nova.Kind, nova.Status, nova.TokenLimitPerExample).ShouldBe(("hosted", "available", 32_000));
        nova.Notice.ShouldStartWith("Amazon Bedrock bills customization per training token");
    }

    [Fact]
    public async Task TrainingTargetUpdate_ChangesPriceAndAudits_AndRejectsClosingWithoutDate()
    {
        await using var database = await TestDatabase.CreateAsync();
        var (_, targets) = Services(database);

        var updated = await targets.UpdateAsync("hf-messages", new TrainingTargetInput(null, 20, 4096, 1.25, "available", null, "our GPU cost", null), Owner, default);
        var error = await Should.ThrowAsync<StudioValidationException>(() =>
            targets.UpdateAsync("hf-messages", new TrainingTargetInput(null, 20, 4096, 1.25, "closing", null, null, null), Owner, default));

        updated.PricePerMillionTokens.ShouldBe(1.25);
        updated.MinExamples.ShouldBe(20);
        error.Errors.Single().Field.ShouldBe("closesOn");
        await using var db = database.CreateDbContext();
        (await db.AuditEvents.CountAsync(a => a.Action == "training-target.update")).ShouldBe(1);
    }

    [Fact]
    public async Task Evaluate_WithClosingTarget_WarnsAndNamesAlternatives_AndCostsByHand()
    {
        await using var database = await TestDatabase.CreateAsync();
        var (readiness, _) = Services(database);
        var answers = ReadinessAnswerSets.Ready();

        var evaluation = await readiness.EvaluateAsync(new ReadinessSubmission(answers, "openai-chat", AverageTokensPerExample: 500), null, default);

        evaluation.TargetWarning.ShouldNotBeNull();
        evaluation.TargetWarning.Text.ShouldContain("2027-01-06");
        evaluation.TargetWarning.Alternatives.ShouldContain("hf-messages");
        // 800 examples (answered, nothing measured) × 500 tokens = 400,000 tokens per epoch.
        evaluation.Estimate.FullTraining.TokensPerEpoch.ShouldBe(400_000);
        // × epochs × $3 per million.
        evaluation.Estimate.FullTraining.CostUsd.ShouldBe(400_000m * evaluation.Estimate.FullTraining.Epochs * 3m / 1_000_000m);
    }

    [Fact]
    public async Task Report_HasVerdictScoresWarningAndAFileName()
    {
        await using var database = await TestDatabase.CreateAsync();
        var projectId = await SeedProjectAsync(database);
        var (readiness, _) = Services(database);
        var detail = await readiness.SubmitAsync(projectId, new ReadinessSubmission(ReadinessAnswerSets.Ready(), "openai-chat"), Owner, default);

        var report = await new ReadinessReports(readiness).ReportAsync(projectId, detail.Summary.Id, default);

        report.FileName.ShouldBe($"readiness-triage-{detail.Summary.Id}.md");
        report.Markdown.ShouldContain("## Verdict: ");
        report.Markdown.ShouldContain("## Training target warning");
        report.Markdown.ShouldContain("- Approved examples: 3");
        report.Markdown.IndexOf("## Measured in the project", StringComparison.Ordinal).ShouldBeLessThan(report.Markdown.IndexOf("## Next steps", StringComparison.Ordinal));
    }

    [Fact]
    public void ParseSubmission_AcceptsPlainAnswersOrAWrapper_AndNamesUnknownFields()
    {
        using var plain = JsonDocument.Parse($$"""{"{{Q.Prompting}}": "none"}""");
        using var wrapped = JsonDocument.Parse($$"""{"answers": {"{{Q.Prompting}}": "none"}, "targetKey": "openai-chat"}""");
        using var bad = JsonDocument.Parse("""{"answers": {}, "target": "x"}""");

        ReadinessSubmissionParser.Parse(plain.RootElement).Answers.Keys.ShouldBe([Q.Prompting]);
        ReadinessSubmissionParser.Parse(wrapped.RootElement).TargetKey.ShouldBe("openai-chat");
        Should.Throw<StudioValidationException>(() => ReadinessSubmissionParser.Parse(bad.RootElement)).Errors.Single().Field.ShouldBe("target");
    }

    private Task<int> AddProjectAsync(TestDatabase database, string name) => new Seed(database, _clock.UtcNow).ProjectAsync(name);

    /// <summary>4 examples (3 approved), 2 labelers who agree on 3 of 4, one unsubmitted annotation, an eval set with 2 items and a baseline.</summary>
    private async Task<int> SeedProjectAsync(TestDatabase database)
    {
        var projectId = await AddProjectAsync(database, "Triage");
        await using var db = database.CreateDbContext();
        foreach (var id in new[] { "u1", "u2", "u3" })
        {
            db.Users.Add(new StudioUser { Id = id, UserName = id, Email = $"{id}@example.test" });
        }

        var dataset = new Dataset { ProjectId = projectId, Name = "Tickets", TaskKind = TaskKind.Classification, Labels = ["a", "b"] };
        var statuses = new[] { ExampleStatus.Approved, ExampleStatus.Approved, ExampleStatus.Approved, ExampleStatus.Draft };
        var u1 = new[] { "a", "a", "b", "b" };
        var u2 = new[] { "a", "a", "b", "a" };
        for (var i = 0; i < 4; i++)
        {
            var example = new Example { Status = statuses[i], ContentHash = $"h{i}", CreatedAt = _clock.UtcNow, UpdatedAt = _clock.UtcNow };
            example.Annotations.Add(new Annotation { LabelerId = "u1", Label = u1[i], SecondsSpent = 10 * (i + 1), Submitted = true });
            example.Annotations.Add(new Annotation { LabelerId = "u2", Label = u2[i], SecondsSpent = 10 * (i + 5), Submitted = true });
            if (i == 0)
            {
                example.Annotations.Add(new Annotation { LabelerId = "u3", Label = "b", SecondsSpent = 999, Submitted = false });
            }

            dataset.Examples.Add(example);
        }

        db.Datasets.Add(dataset);
        var set = new EvalSet { ProjectId = projectId, Name = "Held out", CreatedAt = _clock.UtcNow };
        set.Items.Add(new EvalItem { ExternalId = "e1", Expected = "a" });
        set.Items.Add(new EvalItem { ExternalId = "e2", Expected = "b" });
        set.Runs.Add(new EvalRun { Name = "Prompted", IsBaseline = true, Status = EvalRunStatus.Completed, SummaryJson = """{"accuracy":0.7}""", CreatedAt = _clock.UtcNow });
        set.Runs.Add(new EvalRun { Name = "Broken", IsBaseline = true, Status = EvalRunStatus.Failed, CreatedAt = _clock.UtcNow.AddMinutes(1) });
        db.EvalSets.Add(set);
        await db.SaveChangesAsync();
        return projectId;
    }
}
