using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Datasets;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Web.Tests.Support;

namespace FineTuneStudio.Web.Tests.Api;

/// <summary>An ML lead archives a dataset that has a sealed version and writes label guides over the API.</summary>
[Collection(StudioAppCollection.Name)]
public sealed class DatasetArchiveApiTests(StudioAppFactory app)
{
    [Fact]
    public async Task Archive_HidesTheDatasetRefusesImportsKeepsVersionsDownloadable_RestoreBringsItBack()
    {
        var (projectId, datasetId) = await app.CreateFeedbackProjectAsync(approvedExamples: 14);
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;
        var version = await StudioAppFactory.CutVersionAsync(lead, datasetId);

        var archived = await lead.PostAsync($"api/datasets/{datasetId}/archive", null);

        await archived.ShouldHaveStatusAsync(HttpStatusCode.OK);
        (await archived.Content.ReadFromJsonAsync<DatasetSummary>())!.ArchivedAt.ShouldNotBeNull();
        (await lead.GetFromJsonAsync<List<DatasetSummary>>($"api/datasets?projectId={projectId}"))!.ShouldNotContain(d => d.Id == datasetId);
        (await lead.GetFromJsonAsync<List<DatasetSummary>>($"api/datasets?projectId={projectId}&includeArchived=true"))!.ShouldContain(d => d.Id == datasetId);
        var import = await StudioAppFactory.PostImportAsync(lead, datasetId, "more.jsonl",
            "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello\"}]}\n");
        await import.ShouldHaveStatusAsync(HttpStatusCode.Conflict);
        (await import.Content.ReadAsStringAsync()).ShouldContain("is archived");
        await lead.GetAsync($"api/versions/{version.Id}/zip").ShouldHaveStatusAsync(HttpStatusCode.OK);

        await lead.PostAsync($"api/datasets/{datasetId}/restore", null).ShouldHaveStatusAsync(HttpStatusCode.OK);
        (await lead.GetFromJsonAsync<List<DatasetSummary>>($"api/datasets?projectId={projectId}"))!.ShouldContain(d => d.Id == datasetId && d.ArchivedAt == null);
    }

    [Fact]
    public async Task Archive_AsALabeler_IsForbiddenAndChangesNothing()
    {
        var (projectId, datasetId) = await app.CreateImportTargetAsync();
        var (labeler, _, _) = await app.TokenClientAsync(StudioRoles.Labeler);
        using var _ = labeler;

        await labeler.PostAsync($"api/datasets/{datasetId}/archive", null).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);

        (await labeler.GetFromJsonAsync<List<DatasetSummary>>($"api/datasets?projectId={projectId}"))!.ShouldContain(d => d.Id == datasetId);
    }

    [Fact]
    public async Task Update_WithLabelGuides_StoresThem_AndAGuideForAnUnknownLabelIs400NamingIt()
    {
        var (_, datasetId) = await app.CreateImportTargetAsync(TaskKind.Classification, ["urgent", "normal"]);
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        using var _ = lead;

        var stored = await lead.PutAsJsonAsync($"api/datasets/{datasetId}", new
        {
            name = "Imported", taskKind = "Classification", labels = new[] { "urgent", "normal" },
            labelGuides = new Dictionary<string, object> { ["urgent"] = new { description = "Money at stake today", example = "Charged twice" } },
        });
        await stored.ShouldHaveStatusAsync(HttpStatusCode.OK);
        (await lead.GetFromJsonAsync<DatasetSummary>($"api/datasets/{datasetId}"))!.GuideOf("urgent")!.Description.ShouldBe("Money at stake today");

        var refused = await lead.PutAsJsonAsync($"api/datasets/{datasetId}", new
        {
            name = "Imported", taskKind = "Classification", labels = new[] { "urgent", "normal" },
            labelGuides = new Dictionary<string, object> { ["critical"] = new { description = "Not a label", example = "" } },
        });
        await refused.ShouldHaveStatusAsync(HttpStatusCode.BadRequest);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        problem.RootElement.GetProperty("errors").GetProperty("labelGuides.critical")[0].GetString()!.ShouldContain("not one of the dataset's labels");
    }
}
