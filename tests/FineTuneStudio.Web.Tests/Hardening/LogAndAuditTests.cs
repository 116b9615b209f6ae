using System.Net;
using System.Net.Http.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Serilog.Core;
using Serilog.Events;

namespace FineTuneStudio.Web.Tests.Hardening;

/// <summary>
/// A host that logs everything down to Verbose (EF commands included) into an extra sink the test
/// reads, so a leak would be caught.
/// </summary>
public sealed class VerboseLogAppFactory : StudioAppFactory
{
    public CapturingSink Sink { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Serilog:MinimumLevel:Default", "Verbose");
        builder.UseSetting("Serilog:MinimumLevel:Override:Microsoft.AspNetCore", "Debug");
        builder.UseSetting("Serilog:MinimumLevel:Override:Microsoft.EntityFrameworkCore", "Information");
        // Program reads sinks from the services too (ReadFrom.Services).
        builder.ConfigureServices(services => services.AddSingleton<ILogEventSink>(Sink));
    }
}

/// <summary>Keeps each event as the file sink would write it: the rendered message and every property.</summary>
public sealed class CapturingSink : ILogEventSink
{
    private readonly List<string> _lines = [];

    public void Emit(LogEvent logEvent)
    {
        var line = new System.Text.StringBuilder(logEvent.RenderMessage());
        foreach (var (name, value) in logEvent.Properties)
        {
            line.Append(' ').Append(name).Append('=').Append(value);
        }

        if (logEvent.Exception is not null)
        {
            line.Append(' ').Append(logEvent.Exception);
        }

        lock (_lines)
        {
            _lines.Add(line.ToString());
        }
    }

    public string Text
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }
}

public sealed class LogTests(VerboseLogAppFactory app) : IClassFixture<VerboseLogAppFactory>
{
    [Fact]
    public async Task ImportingAndEditingExamples_WritesNoExampleTextOrSecretsToTheLog()
    {
        var (client, _, secret) = await app.TokenClientAsync(StudioRoles.MlLead);
        using (client)
        {
            var marker = $"Parcel-{Guid.NewGuid():N}";
            var (_, datasetId) = await app.CreateImportTargetAsync(TaskKind.Chat);

            // Import (valid, then invalid: the error report must not echo the text either).
            var valid = $"{{\"messages\":[{{\"role\":\"user\",\"content\":\"{marker} import question\"}},{{\"role\":\"assistant\",\"content\":\"{marker} import answer\"}}]}}\n";
            await StudioAppFactory.PostImportAsync(client, datasetId, "chats.jsonl", valid).ShouldHaveStatusAsync(HttpStatusCode.OK);
            var broken = $"{{\"messages\":[{{\"role\":\"wizard\",\"content\":\"{marker} broken\"}}]}}\n";
            await StudioAppFactory.PostImportAsync(client, datasetId, "broken.jsonl", broken).ShouldHaveStatusAsync(HttpStatusCode.BadRequest);

            // Create, edit, annotate, and a stale save that ends in a conflict.
            var input = new ExampleInput([new MessageContent(MessageRole.User, $"{marker} typed question"), new MessageContent(MessageRole.Assistant, $"{marker} typed answer")]);
            var created = (await (await client.PostAsJsonAsync($"api/datasets/{datasetId}/examples", input)).Content.ReadFromJsonAsync<ExampleDetail>())!;
            var edited = input with { Messages = [new MessageContent(MessageRole.User, $"{marker} edited question"), new MessageContent(MessageRole.Assistant, $"{marker} edited answer")], Notes = $"{marker} note", Version = created.Version };
            await client.PutAsJsonAsync($"api/examples/{created.Id}", edited).ShouldHaveStatusAsync(HttpStatusCode.OK);
            await client.PutAsJsonAsync($"api/examples/{created.Id}", edited).ShouldHaveStatusAsync(HttpStatusCode.Conflict);
            await client.PutAsJsonAsync($"api/examples/{created.Id}/annotations/mine", new AnnotationInput(null, 4, $"{marker} corrected", $"{marker} comment")).ShouldSucceedAsync();

            // A new user's password.
            var password = $"pw-{Guid.NewGuid():N}";
            await client.GetAsync("api/me").ShouldHaveStatusAsync(HttpStatusCode.OK);
            using var admin = await app.SignInAsync(StudioAppFactory.Demo(StudioRoles.Admin));
            await admin.PostAsJsonAsync("api/users", new { email = $"log-{Guid.NewGuid():N}@example.test", roles = new[] { "Labeler" }, password }).ShouldHaveStatusAsync(HttpStatusCode.Created);

            var log = app.Sink.Text + await app.ReadLogsAsync();
            // The sink did capture this traffic (request lines and EF commands), so the absence below means something.
            log.ShouldContain($"/api/examples/{created.Id}");
            log.ShouldContain("Executed DbCommand");
            log.ShouldNotContain(marker);
            log.ShouldNotContain(secret);
            log.ShouldNotContain(password);
            // The demo's sign-ins are announced (emails), but the shared password stays out of the log.
            log.ShouldContain("Demo sign-in");
            log.ShouldNotContain(StudioAppFactory.DemoPassword);
        }
    }

    [Fact]
    public async Task FailedSignIns_WithDistinctivePasswords_LeaveNeitherPasswordNorEmailTriedInTheLog()
    {
        var wrongPassword = $"Wrong-{Guid.NewGuid():N}";
        var unknownPassword = $"Unknown-{Guid.NewGuid():N}";
        var unknownEmail = $"stranger-{Guid.NewGuid():N}@example.test";

        var (first, _) = await app.PostSignInAsync(StudioAppFactory.Demo(StudioRoles.Labeler), wrongPassword);
        var (second, _) = await app.PostSignInAsync(unknownEmail, unknownPassword);
        first.Dispose();
        second.Dispose();

        var log = app.Sink.Text + await app.ReadLogsAsync();
        // The sink saw the sign-in posts and the refusal, so the absence below means something.
        log.ShouldContain("/account/login");
        log.ShouldContain("Sign-in refused for user");
        log.ShouldNotContain(wrongPassword);
        log.ShouldNotContain(unknownPassword);
        log.ShouldNotContain(unknownEmail);
    }
}

[Collection(StudioAppCollection.Name)]
public sealed class AuditTests(StudioAppFactory app)
{
    private const string NoChange = "no change:";

    /// <summary>
    /// Every mutating API route and the audit action it writes, or why it changes nothing. A new
    /// POST/PUT/DELETE without a line fails <see cref="EveryMutatingEndpoint_IsInTheAuditTable"/>.
    /// </summary>
    private static readonly Dictionary<string, string> Audited = new()
    {
        ["POST /api/tokens"] = "token.create",
        ["DELETE /api/tokens/{id:int}"] = "token.revoke",
        ["POST /api/users"] = "user.create",
        ["PUT /api/users/{id}/roles"] = "user.roles",
        ["POST /api/users/{id}/disable"] = "user.disable",
        ["POST /api/users/{id}/enable"] = "user.enable",
        ["POST /api/users/{id}/password-reset"] = "user.password-reset",
        ["POST /api/me/password"] = "user.password",
        ["DELETE /api/admin/tokens/{id:int}"] = "token.revoke",
        ["PUT /api/projects/{id:int}/members/{email}"] = "member.",
        ["DELETE /api/projects/{id:int}/members/{email}"] = "member.remove",
        ["POST /api/projects/"] = "project.create",
        ["PUT /api/projects/{id:int}"] = "project.update",
        ["DELETE /api/projects/{id:int}"] = "project.delete",
        ["POST /api/datasets/"] = "dataset.create",
        ["PUT /api/datasets/{id:int}"] = "dataset.update",
        ["DELETE /api/datasets/{id:int}"] = "dataset.delete",
        ["POST /api/datasets/{id:int}/archive"] = "dataset.archive",
        ["POST /api/datasets/{id:int}/restore"] = "dataset.restore",
        ["POST /api/projects/{id:int}/assessments/"] = "assessment.submit",
        ["PUT /api/training-targets/{key}"] = "training-target.update",
        ["POST /api/training-targets/"] = "training-target.add",
        ["POST /api/datasets/{datasetId:int}/examples"] = "example.create",
        ["POST /api/datasets/{datasetId:int}/examples/bulk"] = "example.bulk.",
        ["PUT /api/examples/{id:int}/"] = "example.update",
        ["DELETE /api/examples/{id:int}/"] = "example.delete",
        ["PUT /api/examples/{id:int}/annotations/mine"] = "annotation.",
        ["POST /api/examples/{id:int}/review"] = "example.",
        ["POST /api/datasets/{id:int}/imports/"] = "example.import",
        ["POST /api/datasets/{id:int}/imports/preview"] = NoChange + " reads the first rows of a CSV",
        ["POST /api/datasets/{id:int}/quality/runs"] = "quality.run",
        ["POST /api/datasets/{id:int}/suggestions/from-run/{runId:int}"] = "suggestions.from-run",
        ["POST /api/datasets/{id:int}/suggestions/import"] = "suggestions.import",
        ["POST /api/datasets/{id:int}/suggestions/from-endpoint"] = "suggestions.from-endpoint",
        ["POST /api/datasets/{id:int}/quality/actions/reject-duplicates"] = "example.reject",
        ["POST /api/datasets/{id:int}/quality/actions/adjudicate"] = "example.adjudicate",
        ["POST /api/datasets/{id:int}/quality/actions/apply-canonical-prompt"] = "example.update",
        ["POST /api/datasets/{id:int}/versions"] = "version.create",
        ["POST /api/export/validate"] = NoChange + " validates an uploaded file",
        ["POST /api/projects/{id:int}/logs"] = "logs.import",
        ["POST /api/projects/{id:int}/logs/promote"] = "example.create",
        ["POST /api/projects/{id:int}/synthetic"] = "example.create",
        ["POST /api/projects/{projectId:int}/eval-sets"] = "evalset.create",
        ["POST /api/projects/{projectId:int}/eval-sets/from-examples"] = "evalset.create",
        ["POST /api/versions/{versionId:int}/eval-set"] = "evalset.create",
        ["PUT /api/eval-sets/{id:int}"] = "evalset.update",
        ["DELETE /api/eval-sets/{id:int}"] = "evalset.delete",
        ["POST /api/eval-sets/{id:int}/items"] = "evalset.import-items",
        ["POST /api/eval-sets/{id:int}/runs"] = "evalrun.import",
        ["DELETE /api/eval-runs/{id:int}"] = "evalrun.delete",
        ["POST /api/eval-sets/{id:int}/runs/generate"] = "evalrun.generate",
        ["POST /api/eval-runs/{id:int}/cancel"] = "evalrun.cancel",
        ["POST /api/eval-runs/{id:int}/resume"] = "evalrun.resume",
        ["POST /api/comparisons"] = "comparison.create",
        ["POST /api/comparisons/{id:int}/judgements"] = "judgement.record",
        ["POST /api/comparisons/{id:int}/close"] = "comparison.close",
        ["POST /api/comparisons/{id:int}/reopen"] = "comparison.reopen",
        ["POST /api/projects/{projectId:int}/judges"] = "judge.create",
        ["PUT /api/judges/{id:int}"] = "judge.update",
        ["POST /api/judge-runs"] = "judgerun.create",
        ["POST /api/judge-runs/{id:int}/cancel"] = "judgerun.cancel",
        ["POST /api/judge-runs/{id:int}/resume"] = "judgerun.resume",
        ["POST /api/projects/{projectId:int}/training-metrics"] = "training.import",
    };

    [Fact]
    public void EveryMutatingEndpoint_IsInTheAuditTable()
    {
        var mutating = EndpointMatrixTests.Routes(app.RouteEndpoints()).Keys
            .Where(k => k.Contains(" /api/", StringComparison.Ordinal) && !k.StartsWith("GET ", StringComparison.Ordinal))
            .ToList();

        mutating.Except(Audited.Keys).ShouldBeEmpty("mutating API routes with no audit line (name the action it records)");
        Audited.Keys.Except(mutating).ShouldBeEmpty("audit lines whose route no longer exists");
    }

    [Fact]
    public async Task MutatingCalls_EachWriteTheirAuditEventUnderTheCaller()
    {
        var (lead, tokenId, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        var (admin, _, _) = await app.TokenClientAsync(StudioRoles.Admin);
        var leadEmail = StudioAppFactory.Demo(StudioRoles.MlLead);
        var adminEmail = StudioAppFactory.Demo(StudioRoles.Admin);
        using (lead)
        using (admin)
        {
            var project = await Created(await lead.PostAsJsonAsync("api/projects", new { name = $"Audit {Guid.NewGuid():N}" }));
            await ExpectAsync("POST /api/projects/", leadEmail, project);
            await lead.PutAsJsonAsync($"api/projects/{project}", new { name = $"Audit renamed {Guid.NewGuid():N}" }).ShouldSucceedAsync();
            await ExpectAsync("PUT /api/projects/{id:int}", leadEmail, project);

            var dataset = await Created(await lead.PostAsJsonAsync("api/datasets", new { projectId = project, dataset = new { name = "Urgency", taskKind = "Classification", labels = new[] { "high", "low" } } }));
            await ExpectAsync("POST /api/datasets/", leadEmail, dataset);
            await lead.PutAsJsonAsync($"api/datasets/{dataset}", new { name = "Urgency v2", taskKind = "Classification", labels = new[] { "high", "low" } }).ShouldSucceedAsync();
            await ExpectAsync("PUT /api/datasets/{id:int}", leadEmail, dataset);

            var example = await StudioAppFactory.CreateExampleAsync(lead, dataset, "The site is down for every customer.", "high");
            await ExpectAsync("POST /api/datasets/{datasetId:int}/examples", leadEmail, example.Id);
            await lead.PutAsJsonAsync($"api/examples/{example.Id}", ExampleInput.From(example) with { Notes = "checked" }).ShouldSucceedAsync();
            await ExpectAsync("PUT /api/examples/{id:int}/", leadEmail, example.Id);
            await lead.PutAsJsonAsync($"api/examples/{example.Id}/annotations/mine", new AnnotationInput("high", Submit: true)).ShouldSucceedAsync();
            await ExpectAsync("PUT /api/examples/{id:int}/annotations/mine", leadEmail, example.Id);
            var reviewed = await StudioAppFactory.LoadExampleAsync(lead, example.Id);
            await lead.PostAsJsonAsync($"api/examples/{example.Id}/review", new ReviewInput(ReviewAction.Approve, Version: reviewed.Version)).ShouldSucceedAsync();
            await ExpectAsync("POST /api/examples/{id:int}/review", leadEmail, example.Id);
            await lead.PostAsJsonAsync($"api/datasets/{dataset}/examples/bulk", new BulkInput([example.Id], BulkAction.AddTag, Tag: "audited")).ShouldSucceedAsync();
            await ExpectAsync("POST /api/datasets/{datasetId:int}/examples/bulk", leadEmail, example.Id);

            const string chat = "{\"messages\":[{\"role\":\"user\",\"content\":\"Is the API down?\"},{\"role\":\"assistant\",\"content\":\"high\"}]}\n";
            await StudioAppFactory.PostImportAsync(lead, dataset, "one.jsonl", chat).ShouldSucceedAsync();
            await ExpectAsync("POST /api/datasets/{id:int}/imports/", leadEmail, dataset);

            await lead.DeleteAsync($"api/examples/{example.Id}").ShouldSucceedAsync();
            await ExpectAsync("DELETE /api/examples/{id:int}/", leadEmail, example.Id);

            var email = $"audit-{Guid.NewGuid():N}@example.test";
            var user = (await (await admin.PostAsJsonAsync("api/users", new { email, roles = new[] { "Labeler" }, password = "audit-pass-1" })).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetString()!;
            await ExpectAsync("POST /api/users", adminEmail, user);
            await admin.PutAsJsonAsync($"api/users/{user}/roles", new { roles = new[] { "MlLead" } }).ShouldSucceedAsync();
            await ExpectAsync("PUT /api/users/{id}/roles", adminEmail, user);

            await lead.PostAsync($"api/datasets/{dataset}/archive", null).ShouldSucceedAsync();
            await ExpectAsync("POST /api/datasets/{id:int}/archive", leadEmail, dataset);
            await lead.PostAsync($"api/datasets/{dataset}/restore", null).ShouldSucceedAsync();
            await ExpectAsync("POST /api/datasets/{id:int}/restore", leadEmail, dataset);
            await lead.DeleteAsync($"api/datasets/{dataset}").ShouldSucceedAsync();
            await ExpectAsync("DELETE /api/datasets/{id:int}", leadEmail, dataset);
            await admin.DeleteAsync($"api/projects/{project}").ShouldSucceedAsync();
            await ExpectAsync("DELETE /api/projects/{id:int}", adminEmail, project);

            await lead.DeleteAsync($"api/tokens/{tokenId}").ShouldSucceedAsync();
            await ExpectAsync("DELETE /api/tokens/{id:int}", leadEmail, tokenId);
        }
    }

    private static async Task<int> Created(HttpResponseMessage response)
    {
        await response.ShouldHaveStatusAsync(HttpStatusCode.Created);
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetInt32();
    }

    private async Task ExpectAsync(string route, string userName, object entityId)
    {
        var action = Audited[route];
        var id = entityId.ToString()!;
        var events = await app.QueryAsync(db => db.AuditEvents.AsNoTracking().Where(a => a.EntityId == id && a.UserName == userName).Select(a => a.Action).ToListAsync());
        events.ShouldContain(a => a.StartsWith(action, StringComparison.Ordinal), $"{route} should record {action} for {id} by {userName}; found {string.Join(", ", events)}");
    }
}
