using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Demo;
using FineTuneStudio.Core.Tests.Support;
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
        services.AddSingleton<TimeProvider>(new ManualClock(new DateTime(2026, 11, 20, 9, 0, 0, DateTimeKind.Utc)));
        services.AddScoped<DemoSeeder>();
        return services.BuildServiceProvider();
    }

    private static async Task SeedAsync(ServiceProvider provider)
    {
        await using var scope = provider.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DemoSeeder>().SeedAsync(CancellationToken.None);
    }

    [Fact]
    public async Task SeedAsync_Twice_StoresDemoOnceWithAllParts()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using (var db = database.CreateDbContext())
        {
            await AccountService.EnsureRolesAsync(db, CancellationToken.None);
        }

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
        first.EvalItems.ShouldBe(40);
        first.EvalRuns.ShouldBe(1);
        first.EvalResults.ShouldBe(40);

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
        resultItemsInSet.ShouldBe(40);
    }
}
