using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Api;

[Collection(StudioAppCollection.Name)]
public sealed class ReadinessApiTests(StudioAppFactory app)
{
    [Fact]
    public async Task Questionnaire_ListsSevenDimensionsAndEveryQuestionWithHelp()
    {
        using var owner = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.ProductOwner));

        using var json = JsonDocument.Parse(await owner.GetStringAsync("api/readiness/questionnaire"));

        json.RootElement.GetProperty("dimensions").GetArrayLength().ShouldBe(7);
        var questions = json.RootElement.GetProperty("questions").EnumerateArray().ToList();
        questions.Count.ShouldBeInRange(25, 40);
        questions.ShouldAllBe(q => q.GetProperty("help").GetString()!.Length > 10);
        questions.Select(q => q.GetProperty("answerType").GetString()).Distinct().Count().ShouldBe(4);
    }

    [Fact]
    public async Task Submit_UsesTheProjectsEvidence_ListsIt_AndServesTheMarkdownReport()
    {
        var (owner, _, _) = await app.TokenClientAsync(StudioRoles.ProductOwner);
        using var _ = owner;
        var projectId = await app.TicketProjectIdAsync();

        var response = await owner.PostAsJsonAsync($"api/projects/{projectId}/assessments", new { answers = StudioAppFactory.ReadinessAnswers() });

        await response.ShouldHaveStatusAsync(HttpStatusCode.Created);
        using var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var id = created.RootElement.GetProperty("summary").GetProperty("id").GetInt32();
        var evaluation = created.RootElement.GetProperty("evaluation");
        // The answers say "no eval set", but the demo has a 40-item held-out set: the measurement wins.
        var evalUse = evaluation.GetProperty("result").GetProperty("evidenceUses").EnumerateArray()
            .Single(u => u.GetProperty("questionId").GetString() == "eval.held_out_set");
        evalUse.GetProperty("used").GetString().ShouldBe("Measured");
        evaluation.GetProperty("evidence").GetProperty("evalItems").GetInt32().ShouldBe(40);
        evaluation.GetProperty("targetWarning").GetProperty("closesOn").GetString().ShouldBe("2027-01-06");

        var list = await owner.GetFromJsonAsync<JsonElement>($"api/projects/{projectId}/assessments");
        list.EnumerateArray().Select(a => a.GetProperty("id").GetInt32()).ShouldContain(id);

        var report = await owner.GetAsync($"api/projects/{projectId}/assessments/{id}/report.md");
        await report.ShouldHaveStatusAsync(HttpStatusCode.OK);
        report.Content.Headers.ContentType!.MediaType.ShouldBe("text/markdown");
        report.Content.Headers.ContentDisposition!.FileName!.Trim('"').ShouldBe($"readiness-support-ticket-triage-{id}.md");
        var markdown = await report.Content.ReadAsStringAsync();
        markdown.ShouldStartWith("# Readiness assessment: Support ticket triage");
        markdown.ShouldContain("- Evaluation items: 40");
    }

    [Fact]
    public async Task Submit_WithOutOfRangeNumber_Is400NamingTheQuestionAndStoresNothing()
    {
        var (owner, _, _) = await app.TokenClientAsync(StudioRoles.ProductOwner);
        using var _ = owner;
        var projectId = await app.TicketProjectIdAsync();
        var before = await app.AssessmentCountAsync(projectId);

        var response = await owner.PostAsJsonAsync($"api/projects/{projectId}/assessments", StudioAppFactory.ReadinessAnswers("business.requests_per_day", -5));

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        problem.RootElement.GetProperty("errors").GetProperty("business.requests_per_day")[0].GetString()!.ShouldContain("Expected a number from");
        (await app.AssessmentCountAsync(projectId)).ShouldBe(before);
    }

    [Fact]
    public async Task Submit_WithALoneSurrogateEscape_Is400NamingTheQuestion_Not500()
    {
        // JSON lets "\ud800" through; reading it as text throws, which once reached the client as a 500.
        var (owner, _, _) = await app.TokenClientAsync(StudioRoles.ProductOwner);
        using var _ = owner;
        var projectId = await app.TicketProjectIdAsync();
        var before = await app.AssessmentCountAsync(projectId);
        using var body = new StringContent("""{"answers": {"business.latency": "fast \ud800 please"}}""", System.Text.Encoding.UTF8, "application/json");

        var response = await owner.PostAsync($"api/projects/{projectId}/assessments", body);

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        problem.RootElement.GetProperty("errors").GetProperty("business.latency")[0].GetString()!.ShouldContain("lone surrogate");
        (await app.AssessmentCountAsync(projectId)).ShouldBe(before);
    }

    [Fact]
    public async Task Submit_WithUnknownQuestion_Is400NamingIt()
    {
        var (owner, _, _) = await app.TokenClientAsync(StudioRoles.ProductOwner);
        using var _ = owner;
        var projectId = await app.TicketProjectIdAsync();

        var response = await owner.PostAsJsonAsync($"api/projects/{projectId}/assessments", StudioAppFactory.ReadinessAnswers("data.vibes", "good"));

        await response.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("data.vibes");
    }

    [Fact]
    public async Task Labeler_IsForbiddenToSubmitOrRead_AndLeadMayReadButNotSubmit()
    {
        var projectId = await app.TicketProjectIdAsync();
        var before = await app.AssessmentCountAsync(projectId);
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = labeler;
        using var __ = lead;

        await labeler.PostAsJsonAsync($"api/projects/{projectId}/assessments", StudioAppFactory.ReadinessAnswers()).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await labeler.GetAsync($"api/projects/{projectId}/assessments").ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await lead.PostAsJsonAsync($"api/projects/{projectId}/assessments", StudioAppFactory.ReadinessAnswers()).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        await lead.GetAsync($"api/projects/{projectId}/assessments").ShouldHaveStatusAsync(HttpStatusCode.OK);
        (await app.AssessmentCountAsync(projectId)).ShouldBe(before);
    }

    [Fact]
    public async Task TrainingTargets_AdminEdits_OwnerMayOnlyRead()
    {
        var (admin, _, _) = await app.TokenClientAsync(StudioRoles.Admin);
        var (owner, _, _) = await app.TokenClientAsync(StudioRoles.ProductOwner);
        using var _ = admin;
        using var __ = owner;
        var body = new { minExamples = 10, tokenLimitPerExample = 8192, pricePerMillionTokens = 2.5, status = "available", notice = "our cluster" };

        await owner.PutAsJsonAsync("api/training-targets/axolotl-chat", body).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        var updated = await admin.PutAsJsonAsync("api/training-targets/axolotl-chat", body);
        await updated.ShouldHaveStatusAsync(HttpStatusCode.OK);

        var all = await owner.GetFromJsonAsync<JsonElement>("api/training-targets");
        var axolotl = all.EnumerateArray().Single(t => t.GetProperty("key").GetString() == "axolotl-chat");
        axolotl.GetProperty("pricePerMillionTokens").GetDouble().ShouldBe(2.5);
        all.EnumerateArray().Single(t => t.GetProperty("key").GetString() == "openai-chat").GetProperty("status").GetString().ShouldBe("closing");
        await admin.PutAsJsonAsync("api/training-targets/nope", body).ShouldHaveStatusAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TrainingTargets_AnAdminAddsOne_AndTheExportSideReadsIt()
    {
        var (admin, _, _) = await app.TokenClientAsync(StudioRoles.Admin);
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = admin;
        using var __ = lead;
        var key = $"acme-{Guid.NewGuid():N}"[..20];
        var body = new { key, format = "openai-chat", name = "Acme chat", minExamples = 1, tokenLimitPerExample = 10, pricePerMillionTokens = 40, status = "available" };

        await lead.PostAsJsonAsync("api/training-targets", body).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
        var bad = await admin.PostAsJsonAsync("api/training-targets", body with { format = "csv" });
        await bad.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("format");
        var created = await admin.PostAsJsonAsync("api/training-targets", body);
        await created.ShouldHaveStatusAsync(HttpStatusCode.Created);
        created.Headers.Location!.ToString().ShouldBe($"/api/training-targets/{key}");

        var targets = await lead.GetFromJsonAsync<JsonElement>("api/export/targets");
        var acme = targets.EnumerateArray().Single(t => t.GetProperty("key").GetString() == key);
        (acme.GetProperty("displayName").GetString(), acme.GetProperty("format").GetString(), acme.GetProperty("pricePerMillionTrainingTokens").GetDecimal())
            .ShouldBe(("Acme chat", "openai-chat", 40m));

        // A 13-token chat against the row's limit of 10.
        using var file = new StringContent("""{"messages":[{"role":"user","content":"hello"},{"role":"assistant","content":"world"}]}""" + "\n");
        var report = await (await lead.PostAsync($"api/export/validate?target={key}", file)).Content.ReadFromJsonAsync<JsonElement>();
        report.GetProperty("overTokenLimitCount").GetInt32().ShouldBe(1);
    }
}
