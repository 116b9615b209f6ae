using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Examples;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Web.Tests.Imports;

/// <summary>A labelled spreadsheet through the API: dataset with an answer template, CSV import, the answer in the editor's figures and in the version file.</summary>
[Collection(StudioAppCollection.Name)]
public sealed class ClassificationApiTests(StudioAppFactory app)
{
    [Fact]
    public async Task LabelledCsv_ThroughTheApi_BecomesATrainingFileWithTheTemplatedAnswer()
    {
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var project = await app.CreateImportTargetAsync();
        var created = await lead.PostAsJsonAsync("api/datasets", new
        {
            projectId = project.ProjectId,
            dataset = new { name = "Urgency", taskKind = "Classification", labels = new[] { "critical", "normal", "low" }, answerStyle = "Template", answerTemplate = "Urgency: {label}" },
        });
        await created.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var dataset = (await created.Content.ReadFromJsonAsync<DatasetSummary>())!;
        dataset.AnswerStyle.ShouldBe(FineTuneStudio.Core.Domain.AnswerStyle.Template);

        var csv = "text,urgency\n\"Checkout fails, every card\",critical\nTypo on the about page,low\nInvoices are late,normal\nInvoices are late,normal\n";
        var import = await StudioAppFactory.PostImportAsync(lead, dataset.Id, "tickets.csv", csv,
            new Dictionary<string, string> { ["format"] = "csv", ["mapping"] = "user=text,label=urgency", ["status"] = "approved" });
        await import.ShouldHaveStatusAsync(HttpStatusCode.OK);
        using (var result = JsonDocument.Parse(await import.Content.ReadAsStringAsync()))
        {
            result.RootElement.GetProperty("imported").GetInt32().ShouldBe(3);
            // The repeated last row is named with its line (a header line, then data lines 2 to 5).
            var skipped = result.RootElement.GetProperty("skipped").EnumerateArray().Single();
            skipped.GetProperty("line").GetInt32().ShouldBe(5);
            skipped.GetProperty("reason").GetString()!.ShouldContain("earlier in this file");
        }

        var exampleId = await app.QueryAsync(db => db.Examples.Where(e => e.DatasetId == dataset.Id && e.Label == "critical").Select(e => e.Id).SingleAsync());
        var detail = (await lead.GetFromJsonAsync<ExampleDetail>($"api/examples/{exampleId}"))!;
        detail.LearnedAnswer.ShouldBe("Urgency: critical");
        // Independently: the user turn alone, plus the rendered answer as an assistant turn.
        detail.TotalTokens.ShouldBe(detail.MessageTokens.Sum() + ExampleTokens.CountAnswer("Urgency: critical") + TokenCounter.TokensPerConversation);

        var cut = await lead.PostAsJsonAsync($"api/datasets/{dataset.Id}/versions", new { target = TrainingTargets.HfMessages, validationShare = 0.0, testShare = 0.0, seed = 1 });
        await cut.ShouldHaveStatusAsync(HttpStatusCode.Created);
        var version = (await cut.Content.ReadFromJsonAsync<VersionSummary>())!;
        var lines = (await lead.GetStringAsync($"api/versions/{version.Id}/files/train.jsonl")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.ShouldContain("""{"messages":[{"role":"user","content":"Checkout fails, every card"},{"role":"assistant","content":"Urgency: critical"}]}""");
        lines.Length.ShouldBe(3);
    }
}
