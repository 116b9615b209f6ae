using System.Net;
using System.Net.Http.Json;
using FineTuneStudio.Core.Accounts;
using FineTuneStudio.Core.Domain;
using FineTuneStudio.Core.Evaluation;
using FineTuneStudio.Core.Versions;
using FineTuneStudio.Web.Tests.Support;
using Microsoft.EntityFrameworkCore;
using FineTuneStudio.Core.Training;

namespace FineTuneStudio.Web.Tests.Evaluation;

[Collection(StudioAppCollection.Name)]
public sealed class TestSplitEvalSetApiTests(StudioAppFactory app)
{
    [Fact]
    public async Task MlLead_HoldsOutAVersionsTestSplit_AndTheNextVersionLeavesThoseExamplesOut()
    {
        var (_, datasetId) = await app.CreateImportTargetAsync(TaskKind.Chat);
        var (lead, _, _) = await app.TokenClientAsync(StudioRoles.MlLead);
        var (owner, _, _) = await app.TokenClientAsync(StudioRoles.ProductOwner);
        using (lead)
        using (owner)
        {
            var lines = string.Concat(Enumerable.Range(1, 20).Select(i =>
                $"{{\"messages\":[{{\"role\":\"user\",\"content\":\"Order {i} has not arrived\"}},{{\"role\":\"assistant\",\"content\":\"Order {i} ships on day {i}.\"}}]}}\n"));
            await StudioAppFactory.PostImportAsync(lead, datasetId, "orders.jsonl", lines,
                new Dictionary<string, string> { ["format"] = "openai-chat", ["status"] = "approved" }).ShouldHaveStatusAsync(HttpStatusCode.OK);

            // 20 examples, 10% validation and 20% test: round(2) and round(4).
            var cut = await lead.PostAsJsonAsync($"api/datasets/{datasetId}/versions", new { target = TrainingTargets.OpenAiChat, validationShare = 0.1, testShare = 0.2, seed = 42 });
            await cut.ShouldHaveStatusAsync(HttpStatusCode.Created);
            var v1 = (await cut.Content.ReadFromJsonAsync<VersionSummary>(StudioAppFactory.CliJson))!;
            var testIds = await app.QueryAsync(db => db.DatasetVersionExamples.Where(e => e.DatasetVersionId == v1.Id && e.Split == SplitPin.Test).Select(e => e.ExampleId).ToListAsync());
            testIds.Count.ShouldBe(4);

            await owner.PostAsJsonAsync($"api/versions/{v1.Id}/eval-set", new EvalSetInput("held out", null, ["exact"])).ShouldHaveStatusAsync(HttpStatusCode.Forbidden);
            var created = await lead.PostAsJsonAsync($"api/versions/{v1.Id}/eval-set", new EvalSetInput("v1 test split", null, ["exact"]));
            await created.ShouldHaveStatusAsync(HttpStatusCode.Created);
            var set = (await created.Content.ReadFromJsonAsync<EvalSetSummary>(StudioAppFactory.CliJson))!;
            set.ItemCount.ShouldBe(4);
            var items = (await lead.GetFromJsonAsync<List<EvalItemView>>($"api/eval-sets/{set.Id}/items", StudioAppFactory.CliJson))!;
            items.Select(i => i.SourceExampleId!.Value).ShouldBe(testIds, ignoreOrder: true);

            // The held-out examples never enter a training export again: v2 has 16 examples, none of them.
            var v2 = await StudioAppFactory.CutVersionAsync(lead, datasetId);
            var v2Ids = await app.QueryAsync(db => db.DatasetVersionExamples.Where(e => e.DatasetVersionId == v2.Id).Select(e => e.ExampleId).ToListAsync());
            v2Ids.Count.ShouldBe(16);
            v2Ids.Intersect(testIds).ShouldBeEmpty();
        }
    }
}
