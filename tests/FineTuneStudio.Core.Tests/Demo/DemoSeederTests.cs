using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Demo;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Tests.Support;
using FineTuneStudio.Core.Readiness;
using FineTuneStudio.Core.Training;
using FineTuneStudio.Core.Quality;
using Microsoft.Extensions.Options;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FineTuneStudio.Core.Tests.Demo;

public class DemoSeederTests
{
    private sealed record Counts(int Users, int Projects, int Examples, int Messages, int Annotations, int EvalItems, int EvalRuns, int EvalResults);

    private static async Task<Counts> CountAsync(TestDatabase database)
    {
        await using var db = database.CreateDbContext();
        return new Counts(
            await db.Users.CountAsync(),
            await db.Projects.CountAsync(),
            await db.Examples.CountAsync(),
            await db.ExampleMessages.CountAsync(),
            await db.Annotations.CountAsync(),
            await db.EvalItems.CountAsync(),
            await db.EvalRuns.CountAsync(),
            await db.EvalResults.CountAsync());
    }

    private static ServiceProvider Services(TestDatabase database)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IDbContextFactory<StudioDbContext>>(database);
        services.AddScoped<StudioDbContext>(_ => database.CreateDbContext());
        services.AddStudioIdentityStores();
        services.Configure<DemoOptions>(o => o.Enabled = true);
        var clock = new ManualClock(new DateTime(2026, 11, 20, 9, 0, 0, DateTimeKind.Utc));
        services.AddSingleton<TimeProvider>(clock);
        // The seeder submits the demo's readiness assessments through the real scoring, over the seeded evidence.
        var targets = new TrainingTargetService(database, clock);
        var evidence = new ReadinessEvidenceReader(database, new QualityService(database, clock, Options.Create(new QualityThresholds())), Judging.For(database, clock).Calibration);
        services.AddSingleton(new Assessments(database, clock, targets, evidence));
        services.AddScoped<DemoSeeder>();
        return services.BuildServiceProvider();
    }

    private static async Task<TestDatabase> WithRolesAsync()
    {
        var database = await TestDatabase.CreateAsync();
        await using var db = database.CreateDbContext();
        await AccountService.EnsureRolesAsync(db, CancellationToken.None);
        return database;
    }

    private static async Task SeedAsync(ServiceProvider provider)
    {
        await using var scope = provider.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(CancellationToken.None);
    }

    [Fact]
    public async Task SeedAsync_Twice_StoresDemoOnceWithAllParts()
    {
        await using var database = await WithRolesAsync();
        await using var provider = Services(database);

        await SeedAsync(provider);
        var first = await CountAsync(database);
        await SeedAsync(provider);
        var second = await CountAsync(database);

        second.ShouldBe(first);
        first.Users.ShouldBe(7);
        first.Projects.ShouldBe(2);
        first.Examples.ShouldBeInRange(370, 420);
        first.Messages.ShouldBeGreaterThan(first.Examples * 3 - 1);
        // 40 triples + 80 doubles + 10 singles = 120 + 160 + 10 annotations.
        first.Annotations.ShouldBe(290);
        // 40 ticket items with one baseline run; 24 brand items with a baseline and a candidate.
        first.EvalItems.ShouldBe(40 + 24);
        first.EvalRuns.ShouldBe(1 + 2);
        first.EvalResults.ShouldBe(40 + 2 * 24);

        await using var check = database.CreateDbContext();
        // The five team members are in both projects; the contractor only in the brand project; the admin needs none.
        var members = await check.ProjectMembers.Select(m => new { m.User!.Email, Project = m.Project!.Name, m.Role }).ToListAsync();
        members.Count.ShouldBe(11);
        members.Where(m => m.Email == "contractor@demo.local").Select(m => m.Project).ShouldBe([DemoSeeder.BrandProjectName]);
        members.ShouldNotContain(m => m.Email == "admin@demo.local");
        members.ShouldContain(m => m.Email == "lead@demo.local" && m.Project == DemoSeeder.SupportProjectName && m.Role == "MlLead");
        var annotated = await check.Annotations.Select(a => a.Example!.Dataset!.Name).Distinct().ToListAsync();
        annotated.ShouldBe(["Ticket urgency"]);
        var labelers = await check.Annotations.Select(a => a.Labeler!.Email).Distinct().OrderBy(e => e).ToListAsync();
        labelers.ShouldBe(["labeler1@demo.local", "labeler2@demo.local", "labeler3@demo.local"]);
        var resultItemsInSet = await check.EvalResults.CountAsync(r => check.EvalItems.Any(i => i.Id == r.EvalItemId && i.EvalSetId == check.EvalRuns.Single(run => run.Id == r.EvalRunId).EvalSetId));
        resultItemsInSet.ShouldBe(88);
    }

    [Fact]
    public async Task SeedAsync_ReadinessHistory_TwoTicketAssessmentsFiveWeeksApartAndOneForTheBrand()
    {
        await using var database = await WithRolesAsync();
        await using var provider = Services(database);
        await SeedAsync(provider);

        await using var check = database.CreateDbContext();
        var rows = await check.Assessments.OrderBy(a => a.Id)
            .Select(a => new { Project = a.Project!.Name, a.Status, a.SubmittedAt, a.Verdict, a.OverallScore, a.CreatedByName }).ToListAsync();
        rows.Select(r => r.Project).ShouldBe([DemoSeeder.SupportProjectName, DemoSeeder.SupportProjectName, DemoSeeder.BrandProjectName]);
        rows.ShouldAllBe(r => r.Status == AssessmentStatus.Submitted && r.CreatedByName == "Priya Product");
        var now = new DateTime(2026, 11, 20, 9, 0, 0, DateTimeKind.Utc);
        rows.Select(r => r.SubmittedAt).ShouldBe([now.AddDays(-35), now, now]);
        // Settling who retrains, the budget and monitoring raised the ticket project's score and verdict.
        rows[1].OverallScore!.Value.ShouldBeGreaterThan(rows[0].OverallScore!.Value);
        (rows[0].Verdict, rows[1].Verdict).ShouldBe(("FineTuningPilot", "FineTuningPilot"));
        // The brand team tried a system prompt only: for a voice, examples in the prompt come first.
        rows[2].Verdict.ShouldBe("UsePromptEngineering");
    }

    [Fact]
    public async Task SeedAsync_BrandProject_HasABlindReviewAndAJudgeCalibratedAgainstIt()
    {
        await using var database = await WithRolesAsync();
        await using var provider = Services(database);
        await SeedAsync(provider);

        await using var check = database.CreateDbContext();
        var brand = await check.Projects.SingleAsync(p => p.Name == DemoSeeder.BrandProjectName);
        var comparison = await check.Comparisons.Include(c => c.Judgements).SingleAsync();
        (await check.EvalRuns.Where(r => r.Id == comparison.RunAId || r.Id == comparison.RunBId).Select(r => r.EvalSet!.ProjectId).Distinct().ToListAsync()).ShouldBe([brand.Id]);
        // Both copywriters judged every pair; the sides they saw are the review's own blind order.
        var reviewers = await check.Users.Where(u => comparison.Judgements.Select(j => j.ReviewerId).Contains(u.Id)).Select(u => u.Email).OrderBy(e => e).ToListAsync();
        reviewers.ShouldBe(["contractor@demo.local", "labeler3@demo.local"]);
        comparison.Judgements.Count.ShouldBe(48);
        var sides = Core.Evaluation.BlindOrder.Assign(comparison.Seed, comparison.Judgements.Select(j => j.EvalItemId)).ToDictionary(s => s.ItemId, s => s.AIsLeft);
        comparison.Judgements.ShouldAllBe(j => j.AWasLeft == sides[j.EvalItemId]);

        var judge = await check.Judges.SingleAsync();
        judge.ProjectId.ShouldBe(brand.Id);
        var judging = Judging.For(database, new ManualClock(new DateTime(2026, 11, 20, 9, 0, 0, DateTimeKind.Utc)));
        var report = await judging.Calibration.CalibrateAsync(judge.Id, null, CancellationToken.None);

        // By hand, people's verdict (rows) against the judge's (columns), A / B / tie:
        //   A: 4 0 0    B: 1 14 1    tie: 0 1 3   -> 21 of 24 agree, po = 0.875;
        //   pe = (4*5 + 16*15 + 4*4) / 24^2 = 276/576; kappa = (504 - 276) / (576 - 276) = 228/300 = 0.76.
        report.Figures.Pairs.ShouldBe(24);
        report.Figures.Agreements.ShouldBe(21);
        report.Figures.Kappa!.Value.ShouldBe(0.76, 1e-9);
        report.Trust.Trusted.ShouldBeTrue();
        report.Figures.KappaInterval.ShouldNotBeNull();
        // The judges list, the dashboard and readiness read trust without the bootstrap, and must read the same.
        (await judging.Calibration.TrustAsync(brand.Id, CancellationToken.None)).Single().Trust.ShouldBe(report.Trust);
        // Two pairs flip with the order (the delivery question and the PayPal one).
        report.PositionBias!.Successes.ShouldBe(2);
        report.PositionBias.Trials.ShouldBe(24);
        report.Disagreements.Select(d => (d.ExternalId, d.Human, d.Judge, d.PositionDependent)).OrderBy(d => d.ExternalId).ShouldBe(
        [
            ("v-003", JudgementChoice.B, JudgementChoice.A, false), // the care leaflet: the judge prefers the longer answer
            ("v-006", JudgementChoice.B, JudgementChoice.Tie, true),
            ("v-007", JudgementChoice.Tie, JudgementChoice.B, false), // the copywriters split
        ]);
    }
}
