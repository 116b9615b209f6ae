using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Projects;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;

namespace FineTuneStudio.Web.Tests.Api;

[Collection(StudioAppCollection.Name)]
public sealed class ProjectAndDatasetApiTests(StudioAppFactory app)
{
    [Fact]
    public async Task ProjectCrud_OverTheApi_IsAudited()
    {
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var name = $"Refunds {Guid.NewGuid():N}";

        var created = await lead.PostAsJsonAsync("api/projects", new { name, description = "Sort refund requests" });
        await created.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var project = (await created.Content.ReadFromJsonAsync<ProjectSummary>())!;
        created.Headers.Location!.ToString().ShouldBe($"/api/projects/{project.Id}");

        var updated = await lead.PutAsJsonAsync($"api/projects/{project.Id}", new { name = name + " v2", description = "" });
        await updated.ShouldHaveStatusAsync(HttpStatusCode.OK);
        (await lead.GetFromJsonAsync<ProjectSummary>($"api/projects/{project.Id}"))!.Name.ShouldBe(name + " v2");

        // Only admins delete whole projects.
        await lead.DeleteAsync($"api/projects/{project.Id}").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        var (admin, _, _) = await app.TokenClientAsync(StudioRoles.Admin);
        using (admin)
        {
            await admin.DeleteAsync($"api/projects/{project.Id}").ShouldHaveStatusAsync(HttpStatusCode.NoContent);
            await admin.GetAsync($"api/projects/{project.Id}").ShouldHaveStatusAsync(HttpStatusCode.NotFound);
        }

        var actions = await app.QueryAsync(db => db.AuditEvents.Where(a => a.EntityType == "Project" && a.EntityId == project.Id.ToString())
            .OrderBy(a => a.Id).Select(a => new { a.Action, a.UserName }).ToListAsync());
        actions.Select(a => a.Action).ShouldBe(["project.create", "project.update", "project.delete"]);
        actions[0].UserName.ShouldBe(StudioAppFactory.Demo(StudioRoles.MlLead));
        actions[2].UserName.ShouldBe(StudioAppFactory.Demo(StudioRoles.Admin));
    }

    [Fact]
    public async Task ProjectCreate_WithoutName_Is400ProblemNamingTheField()
    {
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var before = await app.QueryAsync(db => db.Projects.CountAsync());

        var response = await lead.PostAsJsonAsync("api/projects", new { name = "  " });

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        problem.RootElement.GetProperty("errors").GetProperty("name")[0].GetString()!.ShouldContain("name of 1 to 200 characters");
        (await app.QueryAsync(db => db.Projects.CountAsync())).ShouldBe(before);
    }

    [Fact]
    public async Task DatasetCrud_InADemoProject_Works()
    {
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var projects = (await lead.GetFromJsonAsync<List<ProjectSummary>>("api/projects"))!;
        var support = projects.Single(p => p.Name == "Support ticket triage");
        var name = $"Escalations {Guid.NewGuid():N}";

        var created = await lead.PostAsJsonAsync("api/datasets", new
        {
            projectId = support.Id,
            dataset = new { name, taskKind = "Classification", labels = new[] { "escalate", "keep" }, requiredAnnotations = 2 },
        });
        await created.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var dataset = (await created.Content.ReadFromJsonAsync<DatasetSummary>())!;

        var listed = (await lead.GetFromJsonAsync<List<DatasetSummary>>($"api/datasets?projectId={support.Id}"))!;
        listed.ShouldContain(d => d.Id == dataset.Id && d.Labels.SequenceEqual(new[] { "escalate", "keep" }));

        var updated = await lead.PutAsJsonAsync($"api/datasets/{dataset.Id}", new { name, taskKind = "Classification", labels = new[] { "escalate", "keep", "close" }, guidelines = "# How to label" });
        await updated.ShouldHaveStatusAsync(HttpStatusCode.OK);
        (await updated.Content.ReadFromJsonAsync<DatasetSummary>())!.Labels.Count.ShouldBe(3);

        await lead.DeleteAsync($"api/datasets/{dataset.Id}").ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        await lead.GetAsync($"api/datasets/{dataset.Id}").ShouldHaveStatusAsync(HttpStatusCode.NotFound);
    }

    // Failed before with 409: Comparison.RunBId restricts deletes, and the database may remove the older run first.
    [Fact]
    public async Task ProjectDelete_WithABlindComparison_RemovesTheProjectAndItsComparison()
    {
        var (projectId, setId) = await app.CreateGenerationSetAsync(items: 2);
        var a = await app.ImportRunAsync(setId, "A", "id,output\nt1,high\nt2,low\n", "a.csv");
        var b = await app.ImportRunAsync(setId, "B", "id,output\nt1,high\nt2,high\n", "b.csv");
        // The candidate is the older run: the database meets it before the baseline when it removes the project's runs.
        var comparisonId = await app.CreateComparisonAsync(b, a);
        var (admin, _, _) = await app.TokenClientAsync(StudioRoles.Admin);
        using var _ = admin;

        var response = await admin.DeleteAsync($"api/projects/{projectId}");

        await response.ShouldHaveStatusAsync(HttpStatusCode.NoContent);
        (await app.QueryAsync(db => db.Projects.AnyAsync(p => p.Id == projectId))).ShouldBeFalse();
        (await app.QueryAsync(db => db.Comparisons.AnyAsync(c => c.Id == comparisonId))).ShouldBeFalse();
    }

    [Fact]
    public async Task DatasetDelete_WithASealedVersion_Is409AndKeepsTheVersion()
    {
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var (_, datasetId) = await app.CreateImportTargetAsync();
        var import = await StudioAppFactory.PostImportAsync(lead, datasetId, "one.jsonl",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"hello\"}]}\n",
            new Dictionary<string, string> { ["status"] = "approved" });
        await import.ShouldHaveStatusAsync(HttpStatusCode.OK);
        var cut = await lead.PostAsJsonAsync($"api/datasets/{datasetId}/versions", new { target = "hf-messages", validationShare = 0.0, testShare = 0.0, seed = 1 });
        await cut.ShouldHaveStatusAsync(HttpStatusCode.Created);

        var response = await lead.DeleteAsync($"api/datasets/{datasetId}");

        await response.ShouldHaveStatusAsync(HttpStatusCode.Conflict);
        (await response.Content.ReadAsStringAsync()).ShouldContain("1 sealed version");
        (await app.QueryAsync(db => db.DatasetVersions.CountAsync(v => v.DatasetId == datasetId))).ShouldBe(1);
        (await app.QueryAsync(db => db.Examples.CountAsync(e => e.DatasetId == datasetId))).ShouldBe(1);
    }

    [Fact]
    public async Task DatasetCreate_InvalidLabels_ListsEveryField()
    {
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var response = await lead.PostAsJsonAsync("api/datasets", new { projectId = 1, dataset = new { name = "", taskKind = "Classification", labels = new[] { "one" } } });
        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var fields = problem.RootElement.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
        fields.ShouldBe(["name", "labels"], ignoreOrder: true);
    }

    [Fact]
    public async Task Demo_IsSeededOnce_WithOneUserPerRole()
    {
        var users = await app.QueryAsync(db => db.Users.Select(u => u.Email).ToListAsync());
        foreach (var role in StudioRoles.All)
        {
            users.ShouldContain(StudioAppFactory.Demo(role));
        }

        (await app.QueryAsync(db => db.Projects.CountAsync(p => p.Name == "Support ticket triage"))).ShouldBe(1);
    }

    [Theory]
    [InlineData("""{"name": "Refunds\u0000", "description": "x"}""", "NUL character")]
    [InlineData("""{"name": "Refunds \ud800", "description": "x"}""", "lone surrogate")]
    [InlineData("""{"name": 42}""", "Expected a string")]
    public async Task CreateProject_WithTextNoDatabaseCanStore_Is400NamingTheField_AndCreatesNothing(string body, string reason)
    {
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var before = await app.QueryAsync(db => db.Projects.CountAsync());
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");

        var response = await lead.PostAsync("api/projects", content);

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        detail.ShouldContain(reason);
        detail.ShouldContain("$.name");
        (await app.QueryAsync(db => db.Projects.CountAsync())).ShouldBe(before);
    }
}
