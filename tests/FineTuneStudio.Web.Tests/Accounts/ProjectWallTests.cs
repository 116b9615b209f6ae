using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Demo;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Infrastructure;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Tests.Accounts;

/// <summary>
/// A project the demo team is not in, holding one object of every kind a route can name. Every
/// demo user (each a member of other projects, with every role) tries every project-scoped route
/// and page on it: each must read "not found" and change nothing.
/// </summary>
[Collection(StudioAppCollection.Name)]
public sealed partial class ProjectWallTests(StudioAppFactory app)
{
    private static readonly string[] Outsiders = DemoOptions.Users.Where(u => u.Role != StudioRoles.Admin).Select(u => u.Email).ToArray();

    [Fact]
    public async Task EveryProjectScopedRoute_AsAMemberOfOtherProjects_Is404WithTheMissingObjectsWords_AndChangesNothing()
    {
        var walled = await app.CreateProjectWithOneOfEachAsync();
        var before = await FingerprintAsync(walled.ProjectId);
        var routes = ScopedRoutes(app.RouteEndpoints());
        routes.Count.ShouldBeGreaterThan(60, "the API's project routes should all carry their scope");

        var leaks = new List<string>();
        foreach (var email in Outsiders)
        {
            using var client = await TokenClientAsync(email);
            foreach (var route in routes)
            {
                var (url, target) = route.Url(walled);
                using var request = new HttpRequestMessage(new HttpMethod(route.Method), url);
                if (route.Method is "POST" or "PUT")
                {
                    request.Content = route.TakesForm
                        ? new MultipartFormDataContent { { new StringContent("{}"), "file", "file.jsonl" } }
                        : new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await client.SendAsync(request);
                var body = await response.Content.ReadAsStringAsync();
                var expected = $"{ProjectScopes.EntityName(target.Kind)} {target.Id} was not found.";
                if (response.StatusCode != HttpStatusCode.NotFound || !body.Contains(expected, StringComparison.Ordinal))
                {
                    leaks.Add($"{email} {route.Method} {url}: {(int)response.StatusCode} {body[..Math.Min(body.Length, 160)]}");
                }
            }
        }

        leaks.ShouldBeEmpty();
        (await FingerprintAsync(walled.ProjectId)).ShouldBe(before);
    }

    [Fact]
    public async Task EveryProjectScopedRouteAndPage_AsADisabledMember_Is401OrTheSignInPage()
    {
        var project = await app.CreateProjectWithOneOfEachAsync();
        var email = $"disabled-{Guid.NewGuid():N}@example.test";
        var userId = await app.CreateUserAsync(email, [StudioRoles.MlLead], "wall-pass-1");
        await app.AddMemberAsync(project.ProjectId, email);

        using var client = await TokenClientAsync(email, "wall-pass-1");
        using var session = await app.SignInAsync(email, "wall-pass-1");
        (await client.GetAsync($"api/datasets/{project.DatasetId}/versions")).StatusCode.ShouldBe(HttpStatusCode.OK, "a member before being disabled");
        await session.GetAsync($"projects/{project.ProjectId}/versions").ShouldHaveStatusAsync(HttpStatusCode.OK);
        await app.DisableUserAsync(userId);

        var before = await FingerprintAsync(project.ProjectId);
        var open = new List<string>();
        foreach (var route in ScopedRoutes(app.RouteEndpoints()))
        {
            var (url, _) = route.Url(project);
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(route.Method), url));
            if (response.StatusCode != HttpStatusCode.Unauthorized)
            {
                open.Add($"{route.Method} {url}: {(int)response.StatusCode}");
            }
        }

        // The cookie ends at its next check (a second in tests); from then on every page sends the user to sign in.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while ((await session.GetAsync($"projects/{project.ProjectId}")).StatusCode != HttpStatusCode.Redirect && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        foreach (var page in ProjectPages(app.RouteEndpoints()))
        {
            using var response = await session.GetAsync(page.Url(project));
            if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.AbsolutePath != "/account/login")
            {
                open.Add($"page {page.Url(project)}: {(int)response.StatusCode} {response.Headers.Location}");
            }
        }

        open.ShouldBeEmpty();
        (await FingerprintAsync(project.ProjectId)).ShouldBe(before);
    }

    [Fact]
    public async Task BodyNamedProjects_AsANonMember_Are404()
    {
        var walled = await app.CreateProjectWithOneOfEachAsync();
        using var lead = await TokenClientAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        var ownRun = await app.QueryAsync(db => db.EvalRuns.Where(r => r.EvalSet!.Project!.Name == DemoSeeder.SupportProjectName).Select(r => r.Id).FirstAsync());

        var dataset = await lead.PostAsJsonAsync("api/datasets", new { projectId = walled.ProjectId, dataset = new { name = "Sneaked in", taskKind = "Chat" } });
        var comparison = await lead.PostAsJsonAsync("api/comparisons", new { runAId = ownRun, runBId = walled.RunId, name = "peek" });

        await dataset.ShouldHaveStatusAsync(HttpStatusCode.NotFound);
        await comparison.ShouldHaveStatusAsync(HttpStatusCode.NotFound);
        (await app.QueryAsync(db => db.Datasets.CountAsync(d => d.Name == "Sneaked in"))).ShouldBe(0);
        (await app.QueryAsync(db => db.Comparisons.CountAsync(c => c.Name == "peek"))).ShouldBe(0);
    }

    [Fact]
    public async Task ProjectList_ShowsMemberProjectsOnly_AndAdminsSeeEveryProject()
    {
        var walled = await app.CreateProjectWithOneOfEachAsync();
        using var contractor = await TokenClientAsync("contractor@demo.local");
        using var admin = await TokenClientAsync(StudioAppFactory.Demo(StudioRoles.Admin));

        var seen = (await contractor.GetFromJsonAsync<List<ProjectSummary>>("api/projects"))!.Select(p => p.Name).ToList();
        var all = (await admin.GetFromJsonAsync<List<ProjectSummary>>("api/projects"))!.Select(p => p.Name).ToList();

        seen.ShouldBe([DemoSeeder.BrandProjectName]);
        all.ShouldContain(DemoSeeder.SupportProjectName);
        all.ShouldContain(walled.Name);
        await admin.GetAsync($"api/projects/{walled.ProjectId}").ShouldHaveStatusAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ProjectRole_NotTheUsersOwnRole_DecidesWhatTheyMayDo()
    {
        // A labeler of their own who is made ML lead of one project may curate there, and only there.
        var walled = await app.CreateProjectWithOneOfEachAsync();
        var email = $"promoted-{Guid.NewGuid():N}@example.test";
        await app.CreateUserAsync(email, [StudioRoles.Labeler], "wall-pass-1");
        await app.AddMemberAsync(walled.ProjectId, email, StudioRoles.MlLead);
        await app.AddMemberAsync(await app.TicketProjectIdAsync(), email);

        using var client = await TokenClientAsync(email, "wall-pass-1");
        var ticketDataset = await app.DatasetIdAsync("Ticket urgency");

        await client.GetAsync($"api/datasets/{walled.DatasetId}/versions").ShouldHaveStatusAsync(HttpStatusCode.OK);
        await client.GetAsync($"api/datasets/{ticketDataset}/versions").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await client.GetAsync($"api/datasets/{ticketDataset}/examples").ShouldHaveStatusAsync(HttpStatusCode.OK);
        var members = (await client.GetFromJsonAsync<List<ProjectMemberSummary>>($"api/projects/{walled.ProjectId}/members"))!;
        members.ShouldContain(m => m.Email == email && m.Role == StudioRoles.MlLead);
    }

    [Fact]
    public async Task Members_AddedThenRemoved_SeeTheProjectThenNotFound_AndTheirOpenTokenFollowsAtOnce()
    {
        var walled = await app.CreateProjectWithOneOfEachAsync();
        using var admin = await TokenClientAsync(StudioAppFactory.Demo(StudioRoles.Admin));
        using var labeler = await TokenClientAsync("contractor@demo.local");
        var url = $"api/datasets/{walled.DatasetId}/examples";
        await labeler.GetAsync(url).ShouldHaveStatusAsync(HttpStatusCode.NotFound);

        var added = await admin.PutAsJsonAsync($"api/projects/{walled.ProjectId}/members/contractor@demo.local", new { role = (string?)null });
        await added.ShouldHaveStatusAsync(HttpStatusCode.OK);
        (await added.Content.ReadFromJsonAsync<ProjectMemberSummary>())!.Role.ShouldBe(StudioRoles.Labeler);
        await labeler.GetAsync(url).ShouldHaveStatusAsync(HttpStatusCode.OK);

        await admin.DeleteAsync($"api/projects/{walled.ProjectId}/members/contractor@demo.local").ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await labeler.GetAsync(url).ShouldHaveStatusAsync(HttpStatusCode.NotFound);

        var wrongRole = await admin.PutAsJsonAsync($"api/projects/{walled.ProjectId}/members/contractor@demo.local", new { role = "Admin" });
        await wrongRole.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await wrongRole.Content.ReadAsStringAsync()).ShouldContain("not a project role");
        await admin.PutAsJsonAsync($"api/projects/{walled.ProjectId}/members/nobody@example.test", new { role = "Labeler" }).ShouldHaveStatusAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task EveryProjectPage_AsAMemberOfAnotherProject_ShowsNotFound_AndAMemberSeesThePage()
    {
        var walled = await app.CreateProjectWithOneOfEachAsync();
        var pages = ProjectPages(app.RouteEndpoints());
        pages.Count.ShouldBeGreaterThan(20);
        using var admin = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.Admin));
        var leaks = new List<string>();
        var refusals = 0;
        foreach (var email in new[] { StudioRoles.MlLead, StudioRoles.ProductOwner, StudioRoles.Labeler }.Select(StudioAppFactory.Demo))
        {
            using var outsider = await app.SignInAsync(email);
            foreach (var page in pages)
            {
                var url = page.Url(walled);
                using var response = await outsider.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.Redirect && response.Headers.Location!.AbsolutePath == "/account/access-denied")
                {
                    continue; // A page the user's role never opens, in any project: it says nothing about this one.
                }

                var refused = await response.Content.ReadAsStringAsync();
                refusals++;
                if (response.StatusCode != HttpStatusCode.OK || !refused.Contains("data-testid=\"wall-not-found\"", StringComparison.Ordinal) || refused.Contains(walled.Name, StringComparison.Ordinal))
                {
                    leaks.Add($"{email} {url}: {(int)response.StatusCode}");
                }
            }
        }

        foreach (var page in pages)
        {
            if ((await PageAsync(admin, page.Url(walled))).Contains("data-testid=\"wall-not-found\"", StringComparison.Ordinal))
            {
                leaks.Add($"admin refused at {page.Url(walled)}");
            }
        }

        refusals.ShouldBeGreaterThan(pages.Count, "most pages should have been tried past the role check");
        using var lead = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.MlLead));
        // An object of the walled project named in the query of a page of the caller's own project.
        var brand = await app.QueryAsync(db => db.Projects.Where(p => p.Name == DemoSeeder.BrandProjectName).Select(p => p.Id).SingleAsync());
        (await PageAsync(lead, $"projects/{brand}/examples?dataset={walled.DatasetId}")).ShouldContain("data-testid=\"wall-not-found\"");
        leaks.ShouldBeEmpty();
    }

    private static async Task<string> PageAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, $"GET {url} → {response.Headers.Location}");
        return await response.Content.ReadAsStringAsync();
    }

    // ---- the walled project ----

    /// <summary>What an outsider could have changed: rows of the project's tables and the audit lines about them.</summary>
    private Task<string> FingerprintAsync(int projectId) => app.QueryAsync(async db =>
    {
        var examples = await db.Examples.Where(e => e.Dataset!.ProjectId == projectId).Select(e => new { e.Id, e.Status, e.Version }).ToListAsync();
        var datasets = await db.Datasets.Where(d => d.ProjectId == projectId).Select(d => d.Name + d.UpdatedAt.Ticks).ToListAsync();
        var sets = await db.EvalSets.CountAsync(s => s.ProjectId == projectId);
        var runs = await db.EvalRuns.CountAsync(r => r.EvalSet!.ProjectId == projectId);
        var versions = await db.DatasetVersions.CountAsync(v => v.Dataset!.ProjectId == projectId);
        var members = await db.ProjectMembers.CountAsync(m => m.ProjectId == projectId);
        var logs = await db.ProductionLogs.CountAsync(l => l.ProjectId == projectId);
        var assessments = await db.Assessments.CountAsync(a => a.ProjectId == projectId);
        var judges = await db.JudgeVersions.CountAsync(v => v.Judge!.ProjectId == projectId) + "/" + await db.JudgeRuns.CountAsync(r => r.JudgeVersion!.Judge!.ProjectId == projectId);
        return JsonSerializer.Serialize(new { examples, datasets, sets, runs, versions, members, logs, assessments, judges });
    });

    private async Task<HttpClient> TokenClientAsync(string email, string? password = null)
    {
        using var cookie = await app.SignInAsync(email, password);
        var response = await cookie.PostAsJsonAsync("api/tokens", new { name = $"wall {Guid.NewGuid():N}" });
        await response.ShouldSucceedAsync();
        return app.BearerClient((await response.Content.ReadFromJsonAsync<CreatedApiToken>())!.Secret);
    }

    // ---- the routes and pages, read from the app itself so a new one is covered the day it is added ----

    public sealed record ScopedRoute(string Method, string Pattern, IReadOnlyList<ProjectScopeMetadata> Scopes, bool TakesForm)
    {
        public (string Url, ScopeTarget First) Url(ProjectObjects walled)
        {
            var path = Parameter().Replace(Pattern, m =>
            {
                var name = m.Groups["name"].Value;
                var scope = Scopes.FirstOrDefault(s => s.Source == ScopeSource.Route && s.Parameter == name);
                return scope is not null ? walled.IdOf(scope.Kind).ToString(CultureInfo.InvariantCulture)
                    : name == "email" ? "someone@example.test" : name == "name" ? "train.jsonl" : "1";
            });
            var query = string.Join("&", Scopes.Where(s => s.Source == ScopeSource.Query).Select(s => $"{s.Parameter}={walled.IdOf(s.Kind)}"));
            var first = Scopes[0];
            return (path.TrimStart('/') + (query.Length > 0 ? "?" + query : ""), new ScopeTarget(first.Kind, walled.IdOf(first.Kind)));
        }
    }

    public static List<ScopedRoute> ScopedRoutes(IEnumerable<RouteEndpoint> endpoints) =>
        endpoints
            .Select(e => (Endpoint: e, Scopes: e.Metadata.GetOrderedMetadata<ProjectScopeMetadata>()))
            .Where(e => e.Scopes.Count > 0)
            .SelectMany(e => (e.Endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => new ScopedRoute(m, e.Endpoint.RoutePattern.RawText!, e.Scopes.ToList(),
                    e.Endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.ContentTypes.Contains("multipart/form-data") == true)))
            .ToList();

    public sealed record ProjectPage(string Pattern)
    {
        private static readonly Dictionary<string, ScopeKind> Names = new(StringComparer.Ordinal)
        {
            ["ProjectId"] = ScopeKind.Project, ["ExampleId"] = ScopeKind.Example, ["VersionId"] = ScopeKind.Version, ["A"] = ScopeKind.Version,
            ["B"] = ScopeKind.Version, ["RunId"] = ScopeKind.EvalRun, ["ComparisonId"] = ScopeKind.Comparison, ["AssessmentId"] = ScopeKind.Assessment, ["JudgeId"] = ScopeKind.Judge, ["JudgeRunId"] = ScopeKind.JudgeRun,
        };

        public string Url(ProjectObjects walled) => Parameter().Replace(Pattern, m => walled.IdOf(Names[m.Groups["name"].Value]).ToString(CultureInfo.InvariantCulture)).TrimStart('/');
    }

    public static List<ProjectPage> ProjectPages(IEnumerable<RouteEndpoint> endpoints) =>
        endpoints
            .Where(e => e.Metadata.GetMetadata<ComponentTypeMetadata>() is not null && e.RoutePattern.RawText!.Contains("{ProjectId", StringComparison.Ordinal))
            .Select(e => new ProjectPage(e.RoutePattern.RawText!)).DistinctBy(p => p.Pattern).ToList();

    [GeneratedRegex(@"\{(?<name>[A-Za-z]+)(:[a-z]+)?\??\}")]
    private static partial Regex Parameter();
}
