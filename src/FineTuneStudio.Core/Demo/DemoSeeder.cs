using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Auditing;
using FineTuneStudio.Core.Data;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Readiness;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FineTuneStudio.Core.Demo;

/// <summary>
/// Seeds the demo users and data. Idempotent: users are matched by e-mail and the demo data is
/// only written when the demo project does not exist yet.
/// </summary>
public sealed class DemoSeeder(
    UserManager<StudioUser> users,
    IDbContextFactory<StudioDbContext> factory,
    IOptions<DemoOptions> options,
    TimeProvider clock,
    Assessments assessments,
    ILogger<DemoSeeder> logger)
{
    public const string SupportProjectName = "Support ticket triage";
    public const string BrandProjectName = "Brand voice assistant";

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var userIds = new Dictionary<string, string>();
        foreach (var demoUser in DemoOptions.Users)
        {
            userIds[demoUser.Email] = await EnsureUserAsync(demoUser);
        }

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (await db.Projects.AnyAsync(p => p.Name == SupportProjectName, cancellationToken))
        {
            return;
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var data = DemoData.Build(now, userIds);
        db.Projects.AddRange(data.Projects);
        await db.SaveChangesAsync(cancellationToken);
        db.ProjectMembers.AddRange(Memberships(data.Projects, userIds, now));
        db.Annotations.AddRange(data.Annotations());
        db.EvalResults.AddRange(data.EvalResults());
        await db.SaveChangesAsync(cancellationToken);
        db.Comparisons.AddRange(data.Comparisons());
        db.Judges.AddRange(data.Judges());
        await db.SaveChangesAsync(cancellationToken);
        db.JudgeRuns.AddRange(data.JudgeRuns());
        db.AuditEvents.Add(new AuditEvent { At = now, UserName = "system", Action = "demo.seed", EntityType = nameof(Project), Summary = "demo data" });
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await SeedAssessmentsAsync(data.Projects, userIds, now, cancellationToken);
        logger.LogInformation("Seeded demo data: {ProjectCount} projects", data.Projects.Count);
    }

    /// <summary>
    /// Submitted through the scoring service once the data is in, so each verdict weighs the demo's real evidence.
    /// The ticket project's first one is then dated five weeks back, which gives its history a trend to show.
    /// </summary>
    private async Task SeedAssessmentsAsync(IReadOnlyList<Project> projects, IReadOnlyDictionary<string, string> userIds, DateTime now, CancellationToken cancellationToken)
    {
        var owner = DemoOptions.Users.First(u => u.Role == StudioRoles.ProductOwner);
        var actor = new Actor(userIds[owner.Email], owner.DisplayName);
        var tickets = projects.Single(p => p.Name == SupportProjectName).Id;
        var brand = projects.Single(p => p.Name == BrandProjectName).Id;
        var first = await assessments.SubmitAsync(tickets, new ReadinessSubmission(DemoAssessments.TicketsFirst()), actor, cancellationToken);
        await assessments.SubmitAsync(tickets, new ReadinessSubmission(DemoAssessments.TicketsNow()), actor, cancellationToken);
        await assessments.SubmitAsync(brand, new ReadinessSubmission(DemoAssessments.Brand()), actor, cancellationToken);

        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        var then = now.AddDays(-DemoAssessments.FirstTicketAssessmentDaysAgo);
        await db.Assessments.Where(a => a.Id == first.Summary.Id)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.CreatedAt, then).SetProperty(x => x.SubmittedAt, then), cancellationToken);
    }

    private static IEnumerable<ProjectMember> Memberships(IEnumerable<Project> projects, IReadOnlyDictionary<string, string> userIds, DateTime now) =>
        from demoUser in DemoOptions.Users
        where demoUser.Role != StudioRoles.Admin
        from project in projects
        where demoUser.Projects is null || demoUser.Projects.Contains(project.Name)
        select new ProjectMember { ProjectId = project.Id, UserId = userIds[demoUser.Email], Role = demoUser.Role, AddedAt = now };

    private async Task<string> EnsureUserAsync(DemoUser demoUser)
    {
        var user = await users.FindByEmailAsync(demoUser.Email);
        if (user is null)
        {
            user = new StudioUser
            {
                UserName = demoUser.Email,
                Email = demoUser.Email,
                EmailConfirmed = true,
                DisplayName = demoUser.DisplayName,
                Expertise = demoUser.Expertise,
                CreatedAt = clock.GetUtcNow().UtcDateTime,
            };
            var result = await users.CreateAsync(user, options.Value.Password);
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"Demo user {demoUser.Email}: {string.Join("; ", result.Errors.Select(e => e.Description))}");
            }
        }

        if (!await users.IsInRoleAsync(user, demoUser.Role))
        {
            await users.AddToRoleAsync(user, demoUser.Role);
        }

        return user.Id;
    }
}
